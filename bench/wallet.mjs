#!/usr/bin/env node
// Wallet throughput: charges per second through one account's Durable Object,
// in the local workerd runtime (wrangler dev) with the D1 mirror on.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const wrangler = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const config = path.join(root, "bench", "wallet.wrangler.toml");
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

export async function benchWallet({ charges = 2000, concurrency = 50, port = 8797 } = {}) {
  const state = mkdtempSync(path.join(tmpdir(), "bench-wallet-"));
  spawnSync(process.execPath, [wrangler, "d1", "migrations", "apply", "DB", "--local", "-c", config, "--persist-to", state], { env, stdio: "ignore" });
  const server = spawn(process.execPath, [wrangler, "dev", "-c", config, "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state, "--show-interactive-dev-session=false"], {
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
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchWallet(), null, 2));
}
