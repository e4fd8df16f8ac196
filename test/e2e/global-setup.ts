import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    /** Everything the dev server (scripts/dev.mjs, wrangler, the three Workers) printed, one line per line. */
    devServerLog: string;
  }
}

const ROOT = path.resolve(import.meta.dirname, "../..");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * Starts the real local server exactly as `npm run dev` does (scripts/dev.mjs),
 * on a free port with its own empty state, and waits for its "ready" line.
 * Two differences: each consumer Worker runs its entry in test/e2e/fault-consumers/,
 * which is its entry in src/consumers/ unchanged except for jobs whose source
 * URL asks for a fault, so consumers.test.ts can make a real consumer Worker die;
 * and the segmentation model is the `fast` one (384 px): these tests are about
 * the server around the model, whose print model the workers project tests.
 * The server's output goes to test-results/e2e-dev-server.log (kept after the
 * run, for a failure's post-mortem), which tests read to see which Worker
 * logged what.
 */
export default async function setup(project: TestProject) {
  const port = await freePort();
  const state = mkdtempSync(path.join(tmpdir(), "printcart-e2e-"));
  const logPath = path.join(ROOT, "test-results", "e2e-dev-server.log");
  mkdirSync(path.dirname(logPath), { recursive: true });
  const log = createWriteStream(logPath);
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "scripts/dev.mjs",
      ...["--port", String(port), "--persist-to", state],
      ...["--consumer-main", "wrangler.consumer.toml=test/e2e/fault-consumers/bg-removal.ts"],
      ...["--consumer-main", "wrangler.fixes.toml=test/e2e/fault-consumers/fixes.ts"],
      // Webhook retries a second apart instead of 5 s, 5 min, …, so the retry test ends soon.
      ...["--var", "WEBHOOK_RETRY_SCHEDULE_SECONDS=1,1,1,1,1,1,1"],
      ...["--model", "fast"],
    ],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group, so teardown stops wrangler and workerd too
    },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev server did not start:\n${output}`)), 150_000);
    // Whole lines, so that stdout and stderr never interleave within one in the log file.
    const onLine = (line: string) => {
      log.write(`${line}\n`);
      if (output.length < 1_000_000) output += `${line}\n`;
      if (line.includes("[dev] ready")) {
        clearTimeout(timer);
        resolve();
      }
    };
    createInterface({ input: child.stdout!, crlfDelay: Infinity }).on("line", onLine);
    createInterface({ input: child.stderr!, crlfDelay: Infinity }).on("line", onLine);
    child.once("exit", (code) => reject(new Error(`dev server exited with ${code}:\n${output}`)));
  });
  project.provide("baseUrl", `http://127.0.0.1:${port}`);
  project.provide("devServerLog", logPath);

  return () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
    log.end();
    rmSync(state, { recursive: true, force: true });
  };
}
