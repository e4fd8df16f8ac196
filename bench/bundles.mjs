#!/usr/bin/env node
// What each Worker uploads, built as `wrangler deploy` builds it
// (`--dry-run --outdir`: no network, no account), gzipped as Cloudflare
// counts it against the plan's limit (test/e2e/bundles.test.ts builds them
// the same way and checks which modules reach each).
//
//   node bench/bundles.mjs      prints the section
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { table } from "./lib/markdown.mjs";

const root = path.resolve(import.meta.dirname, "..");
const WORKERS = [
  ["API Worker", "wrangler.toml"],
  ["image Worker (AI fixes, background removal's prepare and composite)", "wrangler.fixes.toml"],
  ["model Worker (background removal's segment)", "wrangler.consumer.toml"],
];
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

function build(config, outRoot) {
  const outdir = path.join(outRoot, config);
  execFileSync(process.execPath, [path.join(root, "node_modules", "wrangler", "bin", "wrangler.js"), "deploy", "--dry-run", "-c", config, "--outdir", outdir], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" },
    stdio: "ignore",
  });
  // Everything but the source map and wrangler's note is uploaded; the main script last, as wrangler sums them.
  const files = readdirSync(outdir)
    .filter((name) => !name.endsWith(".map") && name !== "README.md")
    .sort((a, b) => Number(a.endsWith(".js")) - Number(b.endsWith(".js")));
  const contents = files.map((name) => readFileSync(path.join(outdir, name)));
  return {
    modules: files.map((name, i) => ({ name: name.replace(/^[0-9a-f]{40}-/, ""), gzipBytes: gzipSync(contents[i]).byteLength })),
    bytes: contents.reduce((sum, c) => sum + c.byteLength, 0),
    gzipBytes: gzipSync(Buffer.concat(contents)).byteLength,
  };
}

/** The "Bundle sizes" section of bench/RESULTS.md. */
export async function bundlesSection() {
  const outRoot = mkdtempSync(path.join(tmpdir(), "bench-bundles-"));
  try {
    const rows = WORKERS.map(([worker, config]) => {
      const b = build(config, outRoot);
      return { worker, config: `\`${config}\``, bytes: kib(b.bytes), gzip: `**${kib(b.gzipBytes)}**`, modules: b.modules.map((m) => `${m.name} ${kib(m.gzipBytes)}`).join(", ") };
    });
    return `## Bundle sizes

Each Worker as \`wrangler deploy --dry-run --outdir\` builds it; "gzipped" is
every uploaded module gzipped as one stream, as wrangler reports "Total
Upload … gzip" and as Cloudflare's limit counts it (3 MB on the free plan,
10 MB on the paid one).

${table(rows, { worker: "Worker", config: "config", bytes: "uploaded", gzip: "gzipped", modules: "modules (each gzipped)" })}
`;
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await bundlesSection());
