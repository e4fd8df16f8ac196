#!/usr/bin/env node
// `npm run bench`: runs the project's benchmarks against the real local
// runtime and writes bench/RESULTS.md (date, machine, versions, tables).
import { execSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchBgRemoval } from "./bg-removal.mjs";
import { benchWallet } from "./wallet.mjs";

const root = path.resolve(import.meta.dirname, "..");
const version = (pkg) => JSON.parse(readFileSync(path.join(root, "node_modules", pkg, "package.json"), "utf8")).version;

const wallet = await benchWallet();
console.log(`wallet: ${wallet.chargesPerSecond} charges/s`);
const bg = await benchBgRemoval();

const table = (rows) => {
  const keys = Object.keys(rows[0]);
  return [`| ${keys.join(" | ")} |`, `|${keys.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${keys.map((k) => r[k] ?? "").join(" | ")} |`)].join("\n");
};

const md = `# Benchmark results

Written by \`npm run bench\` on ${new Date().toISOString()}.

- Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}
- Node ${process.version}; wrangler ${version("wrangler")}; workerd ${version("@cloudflare/workerd-linux-64")}; onnxruntime-web ${version("onnxruntime-web")}; @jsquash/png ${version("@jsquash/png")}
- Git: ${execSync("git rev-parse --short HEAD", { cwd: root }).toString().trim()}

## Wallet

Charges per second through one account's Durable Object (each charge: a
balance check, a ledger entry and a hold in one SQLite transaction, then the
D1 mirror write), ${wallet.concurrency} in flight, ${wallet.charges} charges:
**${wallet.chargesPerSecond} charges/s**; ending the holds (capture or refund):
${wallet.holdEndsPerSecond}/s. Ledger checked afterwards: ${wallet.ledgerEntries} entries, balance exact.

## Background removal

Through the real API and consumer under \`wrangler dev\` (one fresh server per
size, a warm-up job first), a photo upscaled to each size, \`subject_type\`
auto. Time = create → completed as a client sees it (median of 3). Memory =
the workerd runtime process's resident set: before the measured jobs
(idle, after warm-up) and its high-water mark after them; the difference is
what the jobs added on top of an initialised runtime.

${table(bg)}
`;
writeFileSync(path.join(root, "bench", "RESULTS.md"), md);
console.log(md);
