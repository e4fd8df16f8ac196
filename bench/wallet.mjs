#!/usr/bin/env node
// Wallet throughput: charges per second through one account's Durable Object,
// in the local workerd runtime (wrangler dev) with the D1 mirror on.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stopNetworkInspection } from "./lib/inspector.mjs";
import { freePort, snapshotProject } from "./lib/servers.mjs";
import { withWorkerdV8Flags } from "../scripts/workerd-v8-flags.mjs";

const root = path.resolve(import.meta.dirname, "..");
const wrangler = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
// The local workerd as scripts/dev.mjs runs it (V8 flags, see scripts/workerd-with-v8-flags.sh).
const env = withWorkerdV8Flags({ ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" });

export async function benchWallet({ charges = 2000, concurrency = 50, port } = {}) {
  port ??= await freePort();
  const inspectorPort = await freePort();
  // A copy nobody edits: wrangler dev restarts the runtime when a source file changes.
  const project = snapshotProject();
  const config = path.join(project.dir, "bench", "wallet.wrangler.toml");
  const state = mkdtempSync(path.join(tmpdir(), "bench-wallet-"));
  spawnSync(process.execPath, [wrangler, "d1", "migrations", "apply", "DB", "--local", "-c", config, "--persist-to", state], { env, stdio: "ignore" });
  const server = spawn(process.execPath, [wrangler, "dev", "-c", config, "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state, "--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false"], {
    env,
    stdio: "ignore",
    detached: true,
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        await fetch(`${base}/run?charges=10&concurrency=2`); // warm-up, also proves it is up
        break;
      } catch {
        if (i > 400) throw new Error("bench worker did not start");
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    await stopNetworkInspection(inspectorPort);
    const result = await (await fetch(`${base}/run?charges=${charges}&concurrency=${concurrency}`)).json();
    const expectedBalance = charges * 10 - Math.ceil(charges / 2) * 10;
    if (result.summary.balance !== expectedBalance || result.summary.held !== 0 || result.mirrored !== 1 + charges + charges) {
      throw new Error(`ledger mismatch after bench: ${JSON.stringify(result)}`);
    }
    return {
      charges,
      concurrency,
      chargesPerSecond: Math.round((charges / result.debitMs) * 1000),
      holdEndsPerSecond: Math.round((charges / result.endMs) * 1000),
      ledgerEntries: result.mirrored,
    };
  } finally {
    process.kill(-server.pid, "SIGTERM");
    rmSync(state, { recursive: true, force: true });
    project.remove();
  }
}

/** The "Wallet" section of bench/RESULTS.md. */
export async function walletSection(options) {
  const wallet = await benchWallet(options);
  console.log(`wallet: ${wallet.chargesPerSecond} charges/s`);
  return `## Wallet

Charges per second through one account's Durable Object (each charge: a
balance check, a ledger entry and a hold in one SQLite transaction, then the
D1 mirror write), ${wallet.concurrency} in flight, ${wallet.charges} charges:
**${wallet.chargesPerSecond} charges/s**; ending the holds (capture or refund):
${wallet.holdEndsPerSecond}/s. Ledger checked afterwards: ${wallet.ledgerEntries} entries, balance exact.
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchWallet(), null, 2));
}
