#!/usr/bin/env node
// Puts a segmentation model into R2 through the running API's admin endpoints
// and makes it the active one. R2 checks every file's SHA-256 while storing
// it, and the API refuses to activate a manifest whose files are missing or
// differ. Works the same against `npm run dev` and a deployed Worker.
//
//   node scripts/provision-model.mjs                          # the default model, to http://127.0.0.1:8787
//   node scripts/provision-model.mjs --model fast             # the 384 px one (see MODELS)
//   node scripts/provision-model.mjs --url https://api.example.com --admin-key "$ADMIN_API_KEY"
//   node scripts/provision-model.mjs --dir ./my-model --name my-model   # another model: a folder with
//       manifest.json ({ "models": [ { name, inputSize, inputName, outputName, mean, std, licence,
//       files: [{ path, bytes, sha256 }], stages: [{ index, files, inputs, outputs }] } ] }) and its files
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const root = path.resolve(import.meta.dirname, "..");

/**
 * The models prepared from ISNet (quantized) in @imgly/background-removal-data
 * by scripts/model/prepare-isnet.mjs for a 128 MB isolate (see
 * docs/background-removal.md), each once into .model-cache/.
 *
 * - `print`, the default that `npm run dev` provisions and a deployment should
 *   run: the model's native 1024 px input in 27 stages, the high-resolution
 *   ones over bands of rows.
 * - `fast`: the same weights at 384 px in 5 stages, about 7× less arithmetic
 *   and visibly coarser edges. The test suite runs it wherever a test checks
 *   what happens around the model (money, delivery, failures, options), so
 *   that dozens of model jobs fit its time budget; the tests of the model's
 *   own output (fidelity, quality) run `print`.
 */
export const MODELS = {
  print: { size: 1024, preset: "tiled" },
  fast: { size: 384, preset: "worker" },
};
export const DEFAULT_MODEL = MODELS.print;

/** Prepares one of MODELS (once per machine and version of the prepare script); its folder and manifest entry. */
export function prepareModel(spec = DEFAULT_MODEL) {
  // Named after the prepare script's own bytes too, so a changed preparation is never served from an old cache.
  const script = createHash("sha256").update(readFileSync(path.join(root, "scripts/model/prepare-isnet.mjs"))).digest("hex").slice(0, 8);
  const dir = path.join(root, ".model-cache", `isnet-${spec.preset}-${spec.size}-${script}`);
  if (!existsSync(path.join(dir, "manifest.json"))) {
    // Prepared aside and renamed into place: the dev server and the test run
    // may both prepare it at once, and neither may read a half-written file.
    const scratch = `${dir}.${process.pid}.tmp`;
    const result = spawnSync(
      process.execPath,
      [path.join(root, "scripts/model/prepare-isnet.mjs"), "--preset", spec.preset, "--size", String(spec.size), "--out", scratch],
      { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
    );
    if (result.status !== 0) throw new Error(`preparing the ${spec.preset} ${spec.size} px model failed`);
    try {
      renameSync(scratch, dir);
    } catch {
      rmSync(scratch, { recursive: true, force: true }); // another process got there first
    }
  }
  const { models } = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8"));
  return { dir, entry: models[0] };
}

export const prepareDefaultModel = () => prepareModel(DEFAULT_MODEL);

/** The manifest the API stores: the prepared entry plus where its files live in R2. */
export function runtimeManifest(entry) {
  const { name, licence, inputSize, inputName, outputName, mean, std, files, stages } = entry;
  return {
    name,
    licence,
    keyPrefix: `models/${name}/`,
    inputSize,
    inputName,
    outputName,
    mean,
    std,
    files: files.map(({ path: p, bytes, sha256 }) => ({ path: p, bytes, sha256 })),
    stages: stages.map(({ index, files: f, inputs, outputs, tile }) => ({
      index,
      files: f,
      inputs: inputs.map(({ name: n, shape }) => ({ name: n, shape })),
      outputs: outputs.map(({ name: n, shape }) => ({ name: n, shape })),
      ...(tile ? { tile } : {}),
    })),
  };
}

export async function provisionModel({ baseUrl, adminKey, dir, entry, log = console.log }) {
  const manifest = runtimeManifest(entry);
  for (const file of manifest.files) {
    const bytes = readFileSync(path.join(dir, file.path));
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (sha256 !== file.sha256) throw new Error(`${file.path}: sha256 ${sha256} differs from the manifest`);
    const res = await fetch(`${baseUrl}/v1/admin/models/${encodeURIComponent(manifest.name)}/files/${encodeURIComponent(file.path)}`, {
      method: "PUT",
      headers: { "x-admin-key": adminKey, "x-content-sha256": sha256, "content-type": "application/octet-stream" },
      body: bytes,
    });
    if (res.status !== 201) throw new Error(`storing ${file.path}: ${res.status} ${await res.text()}`);
  }
  const res = await fetch(`${baseUrl}/v1/admin/models/active`, {
    method: "PUT",
    headers: { "x-admin-key": adminKey, "content-type": "application/json" },
    body: JSON.stringify(manifest),
  });
  if (res.status !== 200) throw new Error(`activating ${manifest.name}: ${res.status} ${await res.text()}`);
  log(`[model] ${manifest.name} active (${manifest.files.length} files, licence ${manifest.licence.split(" ")[0]})`);
  return manifest;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      url: { type: "string", default: "http://127.0.0.1:8787" },
      "admin-key": { type: "string", default: process.env.ADMIN_API_KEY ?? "dev-admin-key" },
      dir: { type: "string" },
      name: { type: "string" },
      model: { type: "string", default: "print" },
    },
  });
  let dir, entry;
  if (values.dir) {
    dir = path.resolve(values.dir);
    const { models } = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8"));
    entry = values.name ? models.find((m) => m.name === values.name) : models[0];
    if (!entry) throw new Error(`no model ${values.name} in ${dir}/manifest.json`);
  } else {
    if (!MODELS[values.model]) throw new Error(`--model: one of ${Object.keys(MODELS).join(", ")}`);
    ({ dir, entry } = prepareModel(MODELS[values.model]));
  }
  await provisionModel({ baseUrl: values.url.replace(/\/$/, ""), adminKey: values["admin-key"], dir, entry });
}
