// The peer side: the tools a user would pick instead of the API, each run in
// a Node process of its own (bench/peers/) so that its peak memory is its own.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
export const peersDir = path.join(root, "bench", "peers");
export const modelsDir = path.join(root, "bench", "out", "models");
export const modelManifest = path.join(modelsDir, "manifest.json");

/** The API's graph unsplit (the Worker runs it as 5 stages), and the unmodified model at its native size. */
export const SAME_MODEL = { name: "isnet-quint8-384-fhr", prepare: ["--size", "384", "--float-conv", "highres"] };
export const NATIVE_MODEL = { name: "isnet-quint8-1024", prepare: ["--size", "1024", "--keep-all-outputs"] };

/**
 * Installs bench/peers from its lock on first use, and again when the lock
 * changed. Scripts stay off (bench/peers/.npmrc says why): everything comes
 * from the npm registry.
 */
export function ensurePeersInstalled() {
  const marker = path.join(peersDir, "node_modules", ".package-lock.json");
  const lock = path.join(peersDir, "package-lock.json");
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log("installing bench/peers (npm ci)");
  const result = spawnSync("npm", ["ci", "--prefix", peersDir, "--ignore-scripts", "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (result.status !== 0) throw new Error(`npm ci --prefix bench/peers failed (${result.status})`);
}

/** The two ONNX files the peers load, written from the npm package by the project's own prepare script. */
export function ensureModelsPrepared() {
  const present = existsSync(modelManifest) ? JSON.parse(readFileSync(modelManifest, "utf8")).models.map((m) => m.name) : [];
  for (const model of [SAME_MODEL, NATIVE_MODEL]) {
    if (present.includes(model.name) && existsSync(path.join(modelsDir, `${model.name}.onnx`))) continue;
    const result = spawnSync(process.execPath, ["scripts/model/prepare-isnet.mjs", ...model.prepare, "--out", modelsDir], { cwd: root, stdio: "inherit" });
    if (result.status !== 0) throw new Error(`preparing ${model.name} failed`);
  }
}

export function peerVersion(pkg, from = peersDir) {
  return JSON.parse(readFileSync(path.join(from, "node_modules", pkg, "package.json"), "utf8")).version;
}

/** Runs one peer script with its job as a JSON argument; resolves with the JSON line it prints. */
export function runPeer(script, job) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(peersDir, script), JSON.stringify(job)], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = stdout.trim().split("\n").at(-1);
      if (code === 0 && line) resolve(JSON.parse(line));
      else reject(new Error(`${script} exited ${code}:\n${stderr.slice(-4000)}`));
    });
  });
}
