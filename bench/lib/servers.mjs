// Local servers for benchmarks: the API as `npm run dev` starts it, and a
// static file server for source images. Loopback only.
import { execFileSync, execSync, spawn } from "node:child_process";
import { copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import http, { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * A copy of the project's files as they are now (tracked and untracked, not
 * ignored), sharing node_modules and the prepared model. `wrangler dev`
 * rebuilds and restarts workerd whenever a source file changes, which would
 * reset the memory high-water mark and drop jobs in flight; a copy nobody
 * edits keeps one long bench on one build. `patches` ({ file, from, to })
 * change the copy's source where a limit is a constant rather than a var
 * (to measure past it); a pattern that no longer matches is an error, not a
 * run that silently measures the unpatched code.
 */
export function snapshotProject(patches = []) {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-project-"));
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: root }).toString().split("\0").filter(Boolean);
  for (const file of files) {
    if (!existsSync(path.join(root, file))) continue; // deleted in the working tree
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(root, file), path.join(dir, file));
  }
  if (existsSync(path.join(root, ".dev.vars"))) copyFileSync(path.join(root, ".dev.vars"), path.join(dir, ".dev.vars"));
  for (const shared of ["node_modules", ".model-cache"]) {
    if (existsSync(path.join(root, shared))) symlinkSync(path.join(root, shared), path.join(dir, shared));
  }
  for (const { file, from, to } of patches) {
    const target = path.join(dir, file);
    const text = readFileSync(target, "utf8");
    if (!from.test(text)) throw new Error(`bench patch: ${from} not found in ${file}`);
    writeFileSync(target, text.replace(from, to));
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Servers run in process groups of their own (so that stopping one stops
 * wrangler and both workerd processes), which outlive the bench if it is
 * interrupted; these are stopped on the way out.
 */
const running = new Set();
let stopOnExit = false;
function stopWhenInterrupted() {
  if (stopOnExit) return;
  stopOnExit = true;
  process.on("exit", () => {
    for (const stop of running) stop();
  });
  for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(130));
}

/**
 * Starts the API as `npm run dev` does. Its output goes to `logFile`, by
 * default server.log in the state directory, which the next server of the
 * section overwrites and the section deletes; with BENCH_SERVER_LOGS=<dir>
 * each server keeps its own log there (e.g. with WRANGLER_LOG=debug, which
 * reaches wrangler through scripts/dev.mjs).
 */
export async function startApi({ port, stateDir, vars = {}, projectDir = root, inspectorPort, logFile = defaultLogFile(stateDir, port) }) {
  mkdirSync(stateDir, { recursive: true });
  const args = ["scripts/dev.mjs", "--port", String(port), "--persist-to", stateDir];
  if (inspectorPort) args.push("--inspector-port", String(inspectorPort));
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}=${v}`);
  stopWhenInterrupted();
  const child = spawn(process.execPath, args, { cwd: projectDir, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  const stop = () => {
    running.delete(stop);
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already stopped
    }
  };
  running.add(stop);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`API did not start:\n${output}`)), 180_000);
    const log = createWriteStream(logFile);
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.stdout.on("data", (d) => {
      output += d;
      if (output.includes("[dev] ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on("data", (d) => (output += d));
    child.once("exit", (code) => reject(new Error(`API exited (${code}):\n${output}`)));
  }).catch((error) => {
    stop();
    throw error;
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    /**
     * The workerd process that runs the Workers. `wrangler dev` starts two:
     * a small proxy on the public port and the runtime of the Workers
     * themselves (the one with an inspector), both in this process group.
     */
    workerdPid() {
      const pids = execSync(`pgrep -g ${child.pid} workerd`).toString().trim().split("\n").map(Number);
      const runtime = pids.find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("inspector-addr"));
      if (!runtime) throw new Error("no workerd runtime process found");
      return runtime;
    },
    stop,
  };
}

function defaultLogFile(stateDir, port) {
  const dir = process.env.BENCH_SERVER_LOGS;
  if (!dir) return path.join(stateDir, "server.log");
  mkdirSync(dir, { recursive: true });
  return path.join(dir, `${path.basename(stateDir)}-${port}.log`);
}

/** Resident-set figures of a process, in MB: current and high-water mark. */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMB: kb("VmRSS") / 1024, hwmMB: kb("VmHWM") / 1024 };
}

/** A loopback port nothing listens on right now (other people's dev servers share this machine). */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startFileServer(dir, port = 0) {
  const server = createServer((req, res) => {
    const file = path.join(dir, path.basename(decodeURIComponent(new URL(req.url, "http://x").pathname)));
    try {
      const size = statSync(file).size;
      res.writeHead(200, { "content-length": size, "content-type": "application/octet-stream" });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/**
 * One request on its own connection. `wrangler dev` runs the API and the
 * consumer on one thread; a request that arrives on a kept-alive connection
 * while a job holds that thread can stall in wrangler's local proxy, so
 * benchmark clients do not reuse connections (production is unaffected:
 * there the consumer runs in its own isolates).
 */
export function api(base, pathname, { token, body, headers = {}, method, timeoutMs = 60_000 } = {}) {
  const payload = body ? JSON.stringify(body) : undefined;
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${pathname}`,
      {
        agent: false,
        method: method ?? (body ? "POST" : "GET"),
        headers: { ...(body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        // Not every answer is the API's JSON: wrangler's local proxy answers a restart with plain text.
        res.on("end", () => {
          let body = null;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            body = { text };
          }
          resolve({ status: res.statusCode, body });
        });
      },
    );
    // A request that never answers (the local runtime's GC wedge, fixed by --single-threaded-gc, was
    // one such cause: docs/development.md, "The local stall, found") is given up on.
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${pathname}: no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** Saves a GET response body to a file, on its own connection (see api()), retried if it stalls. */
export async function download(url, file, { attempts = 3, timeoutMs = 60_000 } = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await downloadOnce(url, file, timeoutMs);
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
  }
}

function downloadOnce(url, file, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${url}: ${res.statusCode}`));
        return;
      }
      const out = createWriteStream(file);
      res.pipe(out);
      out.on("finish", resolve);
      out.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

export async function demoToken(base) {
  const res = await api(base, "/v1/account/login", { body: { email: "demo@example.com", password: "Demo-pass-1" } });
  return res.body.access_token;
}
