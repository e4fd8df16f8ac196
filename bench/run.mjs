#!/usr/bin/env node
// `npm run bench`: runs the project's benchmarks against the real local
// runtime and writes bench/RESULTS.md (date, machine, versions, then one
// section per benchmark). A benchmark is a module exporting an async
// function that returns its markdown section; add it to SECTIONS. The last,
// `bill`, prices the jobs with the CPU the sections before it recorded
// (bench/lib/measured.mjs): all run in this one process.
//
//   node bench/run.mjs [section ...]     e.g. `node bench/run.mjs bg-removal` (prints only)
//   BENCH_QUICK=1 node bench/run.mjs preflight fixes bill
//                                        the smallest sizes and fewest runs (prints only)
import { execSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { bgRemovalSection } from "./bg-removal.mjs";
import { render as billSection } from "./bill.mjs";
import { bundlesSection } from "./bundles.mjs";
import { jpegBandsSection, pngBandsSection, tiffBandsSection } from "./decode-speed.mjs";
import { fixesSection } from "./fixes.mjs";
import { memorySection } from "./memory.mjs";
import { preflightSection } from "./preflight.mjs";
import { qualitySection } from "./quality.mjs";
import { walletSection } from "./wallet.mjs";

const SECTIONS = {
  bundles: bundlesSection,
  memory: memorySection,
  wallet: walletSection,
  "bg-removal": bgRemovalSection,
  quality: qualitySection,
  preflight: preflightSection,
  fixes: fixesSection,
  "jpeg-bands": jpegBandsSection,
  "png-bands": pngBandsSection,
  "tiff-bands": tiffBandsSection,
  // Last: it reads what the sections above recorded in this run.
  bill: () => billSection(),
};

/**
 * BENCH_QUICK=1: the sections below run their smallest sizes once (the
 * others as always), to try the bench's wiring (the bill's figures among
 * it) in minutes rather than the better part of an hour. Such a run is no
 * measurement to keep, so it only prints.
 */
const QUICK = process.env.BENCH_QUICK === "1";
const QUICK_OPTIONS = {
  "bg-removal": { megapixels: [1], runs: 1 },
  preflight: { pages: [1, 10], megapixels: [1], runs: 1, seconds: 2 },
  fixes: { megapixels: [1], factors: [2], pages: [1], runs: 1 },
};

const root = path.resolve(import.meta.dirname, "..");
const minutes = (ms) => `${(ms / 60_000).toFixed(1)} min`;
const version = (pkg) => JSON.parse(readFileSync(path.join(root, "node_modules", pkg, "package.json"), "utf8")).version;

const wanted = process.argv.slice(2);
for (const name of wanted) if (!SECTIONS[name]) throw new Error(`unknown section ${name}; known: ${Object.keys(SECTIONS).join(", ")}`);

const loadBefore = os.loadavg()[0];
const started = performance.now();
const sections = [];
for (const [name, section] of Object.entries(SECTIONS)) {
  if (wanted.length && !wanted.includes(name)) continue;
  const sectionStarted = performance.now();
  console.log(`bench: ${name}`);
  sections.push(await section(QUICK ? QUICK_OPTIONS[name] : undefined));
  // Each section as soon as it is done: a long run that is cut short still leaves what it measured in its log.
  console.log(sections.at(-1));
  console.log(`bench: ${name} took ${minutes(performance.now() - sectionStarted)}`);
}

const md = `# Benchmark results

Written by \`npm run bench\` on ${new Date().toISOString()}.

- Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}
- Node ${process.version}; wrangler ${version("wrangler")}; workerd ${version("@cloudflare/workerd-linux-64")}; onnxruntime-web ${version("onnxruntime-web")}; @jsquash/png ${version("@jsquash/png")}
- Git: ${execSync("git rev-parse --short HEAD", { cwd: root }).toString().trim()}${execSync("git status --porcelain", { cwd: root }).toString().trim() ? " with uncommitted changes" : ""}
- Load average (1 min) at start ${loadBefore.toFixed(1)}, at end ${os.loadavg()[0].toFixed(1)}: on a machine shared with other work, times stretch with it
- The whole run took ${minutes(performance.now() - started)}

${sections.join("\n")}`;
// A partial or quick run only prints, so RESULTS.md always holds one complete run.
if (!wanted.length && !QUICK) writeFileSync(path.join(root, "bench", "RESULTS.md"), md);
console.log(md);
