#!/usr/bin/env node
// `npm run dev`: everything local on one command. Applies the D1 migrations,
// starts `wrangler dev` (D1, Durable Objects, Queues and R2 all simulated
// locally by Miniflare), waits until it answers, then makes sure the demo
// account exists with its 10,000 tokens. Safe to run again: the seed uses
// the public API with an idempotency key, so it never credits twice.
//
//   node scripts/dev.mjs [--port 8787] [--persist-to .wrangler/state] [--var NAME=value ...] [--inspector-port N] [--consumer-main CONFIG=FILE ...] [--model print|fast]
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { MODELS, prepareModel, provisionModel } from "./provision-model.mjs";
import { withWorkerdV8Flags } from "./workerd-v8-flags.mjs";

const root = path.resolve(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "8787" },
    "persist-to": { type: "string", default: path.join(root, ".wrangler", "state") },
    // Overrides of wrangler.toml [vars], e.g. --var MAX_SOURCE_PIXELS=30000000 (benchmarks use it).
    var: { type: "string", multiple: true, default: [] },
    // Where wrangler serves DevTools for the API Worker (wrangler's default: 9229). The memory
    // benchmark connects there, on a free port of its own: other local sessions may hold 9229.
    "inspector-port": { type: "string" },
    // For the e2e tests only (test/e2e/global-setup.ts): a consumer Worker runs FILE instead of
    // its config's `main`, e.g. --consumer-main wrangler.fixes.toml=test/e2e/fault-consumers/fixes.ts
    // (its entry in src/consumers/ with the reliability suite's fault switch), so a test can
    // make a real consumer Worker die. Once per consumer config to replace.
    "consumer-main": { type: "string", multiple: true, default: [] },
    // The segmentation model to provision (scripts/provision-model.mjs, MODELS): `print`, the
    // model at its native 1024 px, or `fast` (384 px) for quicker iterations on everything around it.
    model: { type: "string", default: "print" },
  },
});
if (!MODELS[args.model]) throw new Error(`--model: one of ${Object.keys(MODELS).join(", ")}`);
const port = Number(args.port);
const persistTo = path.resolve(args["persist-to"]);
const base = `http://127.0.0.1:${port}`;

export const DEMO = { email: "demo@example.com", password: "Demo-pass-1", name: "Demo Shop", tokens: 10_000 };

// No telemetry or account look-ups: local development works offline. On Linux the
// local workerd runs with --single-threaded-gc: without it, it can wedge for good
// (one core busy, no request answered) when a GC overlaps a background compile on
// a machine with few cores; scripts/workerd-with-v8-flags.sh has the details.
const env = withWorkerdV8Flags({ ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_UPDATE_NOTIFIER: "1" });
const wrangler = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");

function log(message) {
  console.log(`[dev] ${message}`);
}

function run(argv) {
  const result = spawnSync(process.execPath, [wrangler, ...argv], { cwd: root, env, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`[dev] wrangler ${argv.join(" ")} failed (${result.status})`);
    process.exit(result.status ?? 1);
  }
}

if (!existsSync(path.join(root, ".dev.vars"))) {
  copyFileSync(path.join(root, ".dev.vars.example"), path.join(root, ".dev.vars"));
  log("created .dev.vars from .dev.vars.example");
} else {
  addNewDevVars();
}

/**
 * Settings added to .dev.vars.example after a .dev.vars was made (e.g. the
 * loose login throttles local suites rely on) are appended to it; values
 * already there are never changed.
 */
function addNewDevVars() {
  const names = (text) => new Set(text.split("\n").map((l) => /^([A-Z0-9_]+)=/.exec(l)?.[1]).filter(Boolean));
  const file = path.join(root, ".dev.vars");
  const current = readFileSync(file, "utf8");
  const have = names(current);
  const missing = readFileSync(path.join(root, ".dev.vars.example"), "utf8")
    .split("\n")
    .filter((line) => {
      const name = /^([A-Z0-9_]+)=/.exec(line)?.[1];
      return name && !have.has(name);
    });
  if (missing.length === 0) return;
  writeFileSync(file, `${current.replace(/\n*$/, "\n")}${missing.join("\n")}\n`);
  log(`added ${missing.map((l) => l.split("=")[0]).join(", ")} to .dev.vars from .dev.vars.example`);
}

log("applying D1 migrations locally");
run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);

/** The consumer Workers, one per job kind (background removal, AI fixes), beside the API's wrangler.toml. */
const CONSUMER_CONFIGS = ["wrangler.consumer.toml", "wrangler.fixes.toml"];

/**
 * --var overrides have to reach every Worker. wrangler 4.86 hands `--var` and
 * `--env-file` only to the first `-c` config; every further config is set up
 * with nothing but `--env`, so its vars come from the `.dev.vars` that sits
 * next to its own config file (getVarsForDev(userConfigPath, envFiles
 * undefined, ...) in wrangler's dev setup). The consumers therefore run from
 * copies of their configs in a folder of its own whose `.dev.vars` is ours
 * plus the overrides; the API reads the same file through `--env-file`.
 * --consumer-main uses the same copies, with their `main` replaced.
 */
function configsWithOverrides() {
  if (args.var.length === 0 && args["consumer-main"].length === 0) return ["-c", "wrangler.toml", ...CONSUMER_CONFIGS.flatMap((config) => ["-c", config])];
  const overrides = new Map(
    args.var.map((pair) => {
      const eq = pair.indexOf("=");
      if (eq < 1) throw new Error(`--var ${pair}: expected NAME=value`);
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
  );
  const dir = path.join(persistTo, "dev-config");
  mkdirSync(dir, { recursive: true });
  const devVars = readFileSync(path.join(root, ".dev.vars"), "utf8")
    .split("\n")
    .filter((line) => !overrides.has(line.split("=")[0].trim()));
  for (const [name, value] of overrides) devVars.push(`${name}=${value}`);
  const envFile = path.join(dir, ".dev.vars");
  writeFileSync(envFile, `${devVars.join("\n")}\n`);
  const consumerMains = new Map(
    args["consumer-main"].map((pair) => {
      const eq = pair.indexOf("=");
      const config = pair.slice(0, eq);
      if (eq < 1 || !CONSUMER_CONFIGS.includes(config)) throw new Error(`--consumer-main ${pair}: expected CONFIG=FILE, CONFIG one of ${CONSUMER_CONFIGS.join(", ")}`);
      return [config, path.resolve(root, pair.slice(eq + 1))];
    }),
  );
  // Paths in a wrangler config are relative to the file, so each copy points back at the project.
  const copies = CONSUMER_CONFIGS.flatMap((config) => {
    const consumerMain = consumerMains.get(config);
    const text = readFileSync(path.join(root, config), "utf8").replace(
      /^(main|migrations_dir|base_dir|tsconfig)(\s*=\s*)"([^"]+)"/gm,
      (_, key, sep, value) => `${key}${sep}${JSON.stringify(key === "main" && consumerMain ? consumerMain : path.resolve(root, value))}`,
    );
    if (consumerMain && !text.includes(JSON.stringify(consumerMain))) throw new Error(`${config}: no main to replace with ${consumerMain}`);
    const copy = path.join(dir, config);
    writeFileSync(copy, text);
    return ["-c", copy];
  });
  return ["-c", "wrangler.toml", ...copies, "--env-file", envFile];
}

log(`starting wrangler dev on ${base}`);
const server = spawn(
  process.execPath,
  [
    wrangler,
    "dev",
    // Three Workers in one local session: the API, and the two job consumers it hands work to.
    ...configsWithOverrides(),
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    persistTo,
    "--show-interactive-dev-session=false",
    ...(args["inspector-port"] ? ["--inspector-port", args["inspector-port"]] : []),
  ],
  { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] },
);
const stop = (signal) => server.kill(signal);
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

async function waitUntilUp() {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/v1/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not answer on ${base} within 120 s`);
}

async function post(pathname, body, headers = {}) {
  const res = await fetch(`${base}${pathname}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function seedDemoAccount() {
  const created = await post("/v1/account", { email: DEMO.email, password: DEMO.password, name: DEMO.name });
  if (created.status !== 201 && created.status !== 409) throw new Error(`demo sign-up: ${created.status} ${JSON.stringify(created.body)}`);
  const adminKey = readDevVar("ADMIN_API_KEY") ?? "dev-admin-key";
  const granted = await post(
    "/v1/admin/wallet-grants",
    { email: DEMO.email, tokens: DEMO.tokens, reason: "demo account", idempotencyKey: "demo-account-initial-tokens" },
    { "x-admin-key": adminKey },
  );
  if (granted.status !== 201) throw new Error(`demo grant: ${granted.status} ${JSON.stringify(granted.body)}`);
}

function readDevVar(name) {
  const text = readFileSync(path.join(root, ".dev.vars"), "utf8");
  const line = text.split("\n").find((l) => l.startsWith(`${name}=`));
  return line ? line.slice(name.length + 1).trim() : null;
}

/** The segmentation model goes into local R2 through the admin API, once per state folder. */
async function ensureModel(adminKey) {
  const { dir, entry } = prepareModel(MODELS[args.model]);
  const active = await fetch(`${base}/v1/admin/models/active`, { headers: { "x-admin-key": adminKey } });
  if (active.ok && (await active.json()).data.name === entry.name) return;
  await provisionModel({ baseUrl: base, adminKey, dir, entry, log });
}

/**
 * wrangler dev does not fire Cron Triggers by itself; it lets them be
 * triggered through /cdn-cgi/handler/scheduled. The sweeper (wrangler.toml
 * [triggers]) runs every minute here, so overdue jobs and holds end locally
 * as they do deployed.
 */
const SWEEP_EVERY_MS = 60_000;
function runSweeperEveryMinute() {
  const timer = setInterval(async () => {
    try {
      const res = await fetch(`${base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/5 * * * *")}`);
      await res.arrayBuffer();
      if (!res.ok) log(`sweeper run answered ${res.status}`);
    } catch {
      // the server is restarting; the next tick runs it
    }
  }, SWEEP_EVERY_MS);
  timer.unref();
}

try {
  await waitUntilUp();
  await seedDemoAccount();
  await ensureModel(readDevVar("ADMIN_API_KEY") ?? "dev-admin-key");
  runSweeperEveryMinute();
  log(`ready: ${base}  (demo account ${DEMO.email} / ${DEMO.password}; dashboard ${base}/dashboard)`);
} catch (error) {
  console.error(`[dev] ${error.message}`);
  server.kill("SIGTERM");
  process.exitCode = 1;
}
