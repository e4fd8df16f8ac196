// The peers: the tools a user would pick instead of the API, each run in a
// Node process of its own (bench/peers/, a package of its own with pinned
// versions) so that its peak memory is its own.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
export const peersDir = path.join(root, "bench", "peers");

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
