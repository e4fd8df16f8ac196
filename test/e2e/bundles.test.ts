// What each deployed Worker bundles, built exactly as `wrangler deploy` builds
// it (`--dry-run --outdir`: no network, no account). The API Worker serves
// low-latency callers and storefront widgets, so it must not carry the
// segmentation model's runtime (onnxruntime-web: a 14 MB wasm, 3.5 MB
// gzipped); nor may the AI fix Worker, which never runs a model. Only the
// background removal Worker does. Which modules reach a bundle follows from
// the import graph alone, so one stray import brings the runtime back; this
// test is what notices. Sizes go to test-results/bundle-sizes.md.
//
// In the e2e project because building needs Node (the workers project runs
// inside workerd and cannot start processes).
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

/** The API Worker's budget: well under the free plan's 3 MB, so that cold starts stay short. */
const API_MAX_GZIP_BYTES = 1_500_000;
/** Workers' compressed size limit on the paid plan (10 MB), which the background removal Worker needs. */
const PAID_PLAN_MAX_GZIP_BYTES = 10 * 1024 * 1024;

const WORKERS = {
  api: "wrangler.toml",
  "bg-removal consumer": "wrangler.consumer.toml",
  "AI fix consumer": "wrangler.fixes.toml",
} as const;
type WorkerId = keyof typeof WORKERS;

interface Bundle {
  /** Every module uploaded: the main script and each wasm module, with their sizes. */
  modules: { name: string; bytes: number; gzipBytes: number }[];
  bytes: number;
  /** As wrangler reports "Total Upload … gzip" (and Cloudflare limits it): the modules gzipped as one stream. */
  gzipBytes: number;
  /** Source files esbuild put into the main script (from its metafile). */
  inputs: string[];
}

const ONNX_RUNTIME_WASM = /ort-wasm.*\.wasm$/;
const isOnnxRuntimeSource = (input: string) => input.includes("node_modules/onnxruntime-") || input === "wasm/onnxruntime.ts" || input === "src/bg-removal/onnx-runtime.ts";

const outRoot = mkdtempSync(path.join(tmpdir(), "printcart-bundles-"));
const bundles = {} as Record<WorkerId, Bundle>;

async function build(id: WorkerId): Promise<Bundle> {
  const outdir = path.join(outRoot, WORKERS[id]);
  const metafile = path.join(outRoot, `${WORKERS[id]}.meta.json`);
  await promisify(execFile)(process.execPath, [WRANGLER, "deploy", "--dry-run", "-c", WORKERS[id], "--outdir", outdir, "--metafile", metafile], {
    cwd: ROOT,
    // Offline: no metrics, no account look-ups, and no banner, whose update check asks npm.
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" },
    maxBuffer: 16 * 1024 * 1024,
  });
  // Everything but the source map and wrangler's note about the folder is uploaded; the main script last, as wrangler sums them.
  const files = readdirSync(outdir)
    .filter((name) => !name.endsWith(".map") && name !== "README.md")
    .sort((a, b) => Number(a.endsWith(".js")) - Number(b.endsWith(".js")));
  const contents = files.map((name) => readFileSync(path.join(outdir, name)));
  const modules = files.map((name, i) => ({ name, bytes: contents[i]!.byteLength, gzipBytes: gzipSync(contents[i]!).byteLength }));
  const inputs = Object.keys((JSON.parse(readFileSync(metafile, "utf8")) as { inputs: Record<string, unknown> }).inputs);
  return {
    modules,
    bytes: modules.reduce((sum, m) => sum + m.bytes, 0),
    gzipBytes: gzipSync(Buffer.concat(contents)).byteLength,
    inputs,
  };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function report(): string {
  const lines = ["| Worker | config | uploaded | gzipped | modules (gzipped) |", "|---|---|---|---|---|"];
  for (const [id, bundle] of Object.entries(bundles)) {
    const modules = bundle.modules.map((m) => `${m.name.replace(/^[0-9a-f]{40}-/, "")} ${kib(m.gzipBytes)}`).join(", ");
    lines.push(`| ${id} | ${WORKERS[id as WorkerId]} | ${kib(bundle.bytes)} | ${kib(bundle.gzipBytes)} | ${modules} |`);
  }
  return `${lines.join("\n")}\n`;
}

beforeAll(async () => {
  // One build at a time: three at once only compete for the same cores.
  for (const id of Object.keys(WORKERS) as WorkerId[]) bundles[id] = await build(id);
  const table = report();
  console.log(`Worker bundles as \`wrangler deploy\` builds them:\n${table}`);
  mkdirSync(path.join(ROOT, "test-results"), { recursive: true });
  writeFileSync(path.join(ROOT, "test-results", "bundle-sizes.md"), table);
}, 90_000);

afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

describe("Worker bundles (wrangler deploy --dry-run)", () => {
  it("the API Worker has no onnxruntime, neither its wasm nor its JS, and stays within its size budget", () => {
    const api = bundles.api;
    expect(api.modules.map((m) => m.name).filter((name) => ONNX_RUNTIME_WASM.test(name))).toEqual([]);
    expect(api.inputs.filter(isOnnxRuntimeSource)).toEqual([]);
    expect(api.inputs).not.toContain("src/bg-removal/model.ts");
    // Preflight checks decode images in the API: the codecs stay.
    expect(api.modules.some((m) => m.name.endsWith("mozjpeg_dec.wasm"))).toBe(true);
    expect(api.gzipBytes).toBeLessThanOrEqual(API_MAX_GZIP_BYTES);
  });

  it("the image Worker (AI fixes, background removal's decode and composite steps) has no onnxruntime and no model code", () => {
    const fixes = bundles["AI fix consumer"];
    expect(fixes.modules.map((m) => m.name).filter((name) => ONNX_RUNTIME_WASM.test(name))).toEqual([]);
    expect(fixes.inputs.filter(isOnnxRuntimeSource)).toEqual([]);
    expect(fixes.inputs.filter((input) => ["src/bg-removal/model.ts", "src/bg-removal/segment.ts"].includes(input))).toEqual([]);
    expect(fixes.inputs).toContain("src/ai-fix/process.ts");
    expect(fixes.inputs).toContain("src/bg-removal/stages.ts");
  });

  it("the model Worker has onnxruntime (its wasm and its JS), within the paid plan's limit, and no fix or decoding code", () => {
    const bgRemoval = bundles["bg-removal consumer"];
    expect(bgRemoval.modules.filter((m) => ONNX_RUNTIME_WASM.test(m.name))).toHaveLength(1);
    expect(bgRemoval.inputs.filter(isOnnxRuntimeSource).length).toBeGreaterThan(0);
    expect(bgRemoval.inputs).toContain("src/bg-removal/model.ts");
    expect(bgRemoval.inputs.filter((input) => input.startsWith("src/fixes/") || input.startsWith("src/ai-fix/") || input === "src/bg-removal/stages.ts" || input === "src/imaging/open-raster.ts")).toEqual([]);
    expect(bgRemoval.gzipBytes).toBeLessThanOrEqual(PAID_PLAN_MAX_GZIP_BYTES);
  });
});
