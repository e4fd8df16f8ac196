#!/usr/bin/env node
// Peak memory of each job kind in the isolate that runs it, against the
// 128 MB a Workers isolate may hold: the JS heap, every ArrayBuffer and
// every WebAssembly memory. Local workerd does not enforce the limit, so
// each isolate is sampled from inside through the runtime's inspector
// (bench/lib/isolate-memory.mjs).
//
//   node bench/memory.mjs [job ...]      prints the section; e.g. `node bench/memory.mjs upscale-4x`
import os from "node:os";
import { runBgRemovalJob } from "./bg-removal/api.mjs";
import { reportOf, runFixJob } from "./fixes/api.mjs";
import { runCheck } from "./preflight/api.mjs";
import { benchPdf, benchPhoto, printFilesDir, tinyPng } from "./preflight/files.mjs";
import { withApiServer, withBenchContext } from "./lib/api-server.mjs";
import { devtoolsUrl, runtimeInspectorUrl, workerName } from "./lib/inspector.mjs";
import { peakOf, sampleIsolate } from "./lib/isolate-memory.mjs";
import { deployedPixelLimit } from "./lib/limits.mjs";
import { table } from "./lib/markdown.mjs";
import { ensureTokens } from "./lib/tokens.mjs";

const LIMIT_MB = 128;
// Only what the bench's own traffic would hit is raised; every pixel and
// byte limit stays as deployed, so each input is the largest the service
// takes for that job.
const VARS = { RATE_LIMIT_PER_MINUTE: "100000", PREFLIGHT_CHECKS_PER_DAY: "100000" };

const photo = (mp, format) => {
  const p = benchPhoto(mp, format, { grain: true });
  return { file: p.file, label: `${mp} MP ${format.toUpperCase()} (${p.width}×${p.height})` };
};
const pdf = (pages) => ({ file: benchPdf(pages).file, label: `PDF, ${pages} pages` });
const tiny = () => ({ file: tinyPng(), label: "16×16 PNG" });

/**
 * How each kind is run: `prepare` does what comes before the job and is not
 * its work (a fix job's preflight report, in the API's isolate), and returns
 * the job itself, which may run more than once.
 */
const bgRemoval = () => async (server, file) => async () => {
  const { job } = await runBgRemovalJob(server.base, server.token, server.url(file));
  return { status: job.status, error: job.error_message };
};
const check = (kind) => async (server, file) => async () => {
  const { report } = await runCheck(server.base, server.token, server.url(file), kind);
  return { status: "completed", report: report.status };
};
const fixJob = (fixTypes, kind) => async (server, file) => {
  const reportId = await reportOf(server.base, server.token, server.url(file), kind);
  return async () => {
    const { job } = await runFixJob(server.base, server.token, reportId, fixTypes);
    return { status: job.status, error: job.errorMessage };
  };
};

/**
 * The job kinds, each at the largest input the deployed limits allow
 * (MAX_SOURCE_PIXELS 12 MP, BG_REMOVE_MAX_PIXELS 5 MP; a 4× of 12 MP is
 * 192 MP, inside MAX_OUTPUT_PIXELS), each after a small warm-up of its own
 * kind. Photos carry film grain, so their files are as large as a real
 * photo's.
 */
const JOBS = {
  "bg-removal": { kind: "Background removal (`auto`)", isolate: "consumer", input: () => photo(5, "jpeg"), warmup: () => photo(1, "jpeg"), prepare: bgRemoval() },
  "check-jpeg": { kind: "Preflight check", isolate: "api", input: () => photo(12, "jpeg"), warmup: () => photo(1, "jpeg"), prepare: check("raster") },
  "check-png": { kind: "Preflight check", isolate: "api", input: () => photo(12, "png"), warmup: () => photo(1, "png"), prepare: check("raster") },
  "check-pdf": { kind: "Preflight check", isolate: "api", input: () => pdf(200), warmup: () => pdf(1), prepare: check("pdf") },
  "upscale-2x": { kind: "Fix job: `upscale_resolution_2x`", isolate: "fixes", input: () => photo(12, "jpeg"), warmup: tiny, prepare: fixJob(["upscale_resolution_2x"], "raster") },
  "upscale-4x": { kind: "Fix job: `upscale_resolution_4x`", isolate: "fixes", input: () => photo(12, "jpeg"), warmup: tiny, prepare: fixJob(["upscale_resolution_4x"], "raster") },
  "bleed-raster": { kind: "Fix job: `add_bleed` (raster)", isolate: "fixes", input: () => photo(12, "jpeg"), warmup: tiny, prepare: fixJob(["add_bleed"], "raster") },
  "bleed-pdf": { kind: "Fix job: `add_bleed` (PDF)", isolate: "fixes", input: () => pdf(200), warmup: () => pdf(1), prepare: fixJob(["add_bleed"], "pdf") },
};

/**
 * One fresh server for each consumer job, so that nothing another job left
 * in the isolate counts (a fix job finds no decoder heap sized by a larger
 * photo); a check runs in the API Worker's isolate, a different one, so
 * each shares a server with a consumer job.
 */
const SERVERS = [["bg-removal"], ["check-jpeg", "upscale-2x"], ["check-png", "upscale-4x"], ["check-pdf", "bleed-pdf"], ["bleed-raster"]];

/**
 * A warm-up job of the kind (module instances, first-use heaps), one full
 * collection (the isolate at rest then holds only what it keeps between
 * jobs), the job sampled as it runs ("held": garbage V8 has not collected
 * yet counts, as it does in the isolate), then the same job again with a
 * full collection before every sample ("after collection": what the job
 * cannot do without).
 */
async function measureJob(id, server, sampler) {
  const job = JOBS[id];
  const input = job.input();
  await (await job.prepare(server, job.warmup().file))();
  const run = await job.prepare(server, input.file);
  const stretch = async (collecting) => {
    await sampler.collectGarbage();
    await sampler.settled();
    sampler.collectBeforeSamples(collecting);
    const from = sampler.mark();
    const started = performance.now();
    const outcome = await run();
    const ms = performance.now() - started;
    await sampler.settled({ collected: collecting });
    sampler.collectBeforeSamples(false);
    return { outcome, ms, memory: peakOf(sampler.samples, from, sampler.mark(), { collected: collecting }) };
  };
  const held = await stretch(false);
  const collected = await stretch(true);
  const result = { id, ...job, input, held, collected };
  console.log(`memory ${id}: ${JSON.stringify({ held, collected })}`);
  return result;
}

export async function benchMemory({ jobs = Object.keys(JOBS) } = {}) {
  for (const id of jobs) if (!JOBS[id]) throw new Error(`unknown job ${id}; known: ${Object.keys(JOBS).join(", ")}`);
  const load = { start: os.loadavg()[0] };
  // Each job kind has its own consumer Worker: background removals, and AI fix jobs.
  const consumers = { consumer: workerName("wrangler.consumer.toml"), fixes: workerName("wrangler.fixes.toml") };
  const results = [];
  await withBenchContext({ name: "memory", filesDir: printFilesDir, vars: VARS }, async (context) => {
    for (const group of SERVERS) {
      const wanted = group.filter((id) => jobs.includes(id));
      if (!wanted.length) continue;
      const measureGroup = () =>
        withApiServer(context, async (server) => {
          await ensureTokens(server.base, server.token, 5000);
          // Every probe goes in before the isolates' first job: a wasm memory created before is not seen.
          const samplers = { api: await sampleIsolate(devtoolsUrl(server.inspectorPort)) };
          for (const [isolate, name] of Object.entries(consumers)) samplers[isolate] = await sampleIsolate(await runtimeInspectorUrl(server.pid, name));
          try {
            const measured = [];
            for (const id of wanted) measured.push(await measureJob(id, server, samplers[JOBS[id].isolate]));
            return measured;
          } finally {
            for (const sampler of Object.values(samplers)) await sampler.stop();
          }
        });
      // Now and then wrangler restarts the local runtime under the inspector's
      // traffic (the API's requests then fail with "Your worker restarted
      // mid-request"); the isolates and their probes are then new, so the
      // whole group is measured again on a fresh server.
      results.push(...(await measureGroup().catch((error) => {
        if (!/restarted/.test(error.message)) throw error;
        console.log(`bench: memory ${wanted.join(", ")}: ${error.message.slice(0, 200)}; measuring again on a fresh server`);
        return measureGroup();
      })));
    }
  });
  load.end = os.loadavg()[0];
  return { results: jobs.map((id) => results.find((r) => r.id === id)), load };
}

const ISOLATES = { api: "API", consumer: "background removal consumer", fixes: "AI fix consumer" };
const mb = (v) => v.toFixed(1);
const headroom = (v) => `${LIMIT_MB - v >= 0 ? "" : "−"}${Math.abs(LIMIT_MB - v).toFixed(1)}`;
const parts = (p) => `JS ${mb(p.jsHeapMB)} + buffers ${mb(p.buffersMB)} + wasm ${mb(p.wasmMB)} (${p.wasmMemories})`;
const failed = (stretch) => stretch.outcome.status !== "completed";

/** The "Memory" section of bench/RESULTS.md. */
export async function memorySection(options) {
  const r = await benchMemory(options);
  const rows = r.results.map((x) => ({
    job: x.kind,
    isolate: ISOLATES[x.isolate],
    input: x.input.label,
    rest: mb(x.held.memory.rest.totalMB),
    held: `**${mb(x.held.memory.peak.totalMB)}** (${x.held.memory.peak.at})`,
    collected: `**${mb(x.collected.memory.peak.totalMB)}**`,
    adds: mb(x.collected.memory.peak.totalMB - x.held.memory.rest.totalMB),
    headroom: `${headroom(x.collected.memory.peak.totalMB)} (held: ${headroom(x.held.memory.peak.totalMB)})`,
    parts: parts(x.collected.memory.peak),
    sampling: `${x.held.memory.samples} (${x.held.memory.stops} stops), ${x.held.memory.longestGapMs} ms`,
    seconds: `${(x.held.ms / 1000).toFixed(1)}${failed(x.held) ? ` (${x.held.outcome.status}: ${x.held.outcome.error})` : ""}`,
  }));
  const worst = (key) => r.results.reduce((a, b) => (b[key].memory.peak.totalMB > a[key].memory.peak.totalMB ? b : a));
  const over = r.results.filter((x) => x.collected.memory.peak.totalMB > LIMIT_MB);
  const overHeld = r.results.filter((x) => x.held.memory.peak.totalMB > LIMIT_MB && x.collected.memory.peak.totalMB <= LIMIT_MB);
  const name = (x) => `${x.kind} of a ${x.input.label}`;
  const verdict = over.length
    ? `**Over the limit even after collection: ${over.map((x) => `${name(x)} (${mb(x.collected.memory.peak.totalMB)} MB)`).join("; ")}.** In production such a job's isolate would be ended and the job retried until it fails and is refunded.`
    : "Every job kind stays under 128 MB after collection.";
  const heldNote = overHeld.length ? ` Held figures past 128 MB (${overHeld.map((x) => `${name(x)} ${mb(x.held.memory.peak.totalMB)} MB`).join("; ")}) are garbage a collection would have freed first.` : "";
  const w = worst("collected");
  const bg = r.results.find((x) => x.id === "bg-removal");
  const shared = bg
    ? ` A background removal consumer isolate keeps ${mb(bg.collected.memory.rest.totalMB)} MB at rest after a ${bg.input.label} background removal (${parts(bg.collected.memory.rest)}: ORT's heap and a JPEG decoder sized for that photo); a fix job never finds that beside it, since fix jobs run in a consumer Worker of their own.`
    : "";
  return `## Memory per job kind

Peak of the isolate that runs each job kind, at the largest input the
deployed limits allow (\`MAX_SOURCE_PIXELS\` ${(deployedPixelLimit("MAX_SOURCE_PIXELS") / 1e6).toFixed(0)} MP, \`BG_REMOVE_MAX_PIXELS\`
${(deployedPixelLimit("BG_REMOVE_MAX_PIXELS") / 1e6).toFixed(0)} MP, \`MAX_OUTPUT_PIXELS\` ${(deployedPixelLimit("MAX_OUTPUT_PIXELS") / 1e6).toFixed(0)} MP), against the ${LIMIT_MB} MB (2^20 bytes) a
Workers isolate may hold: its JS heap, every ArrayBuffer and every
WebAssembly memory. Preflight checks run in the API Worker's isolate,
background removals and AI fix jobs each in their own consumer Worker's. Load average (1 min) ${r.load.start.toFixed(1)} at the start of this section,
${r.load.end.toFixed(1)} at its end (memory does not depend on it; the seconds do).

**Worst: ${name(w)}, ${mb(w.collected.memory.peak.totalMB)} MB after collection** (${mb(worst("held").held.memory.peak.totalMB)} MB held at most, ${name(worst("held"))}). ${verdict}${heldNote}${shared}

${table(rows, {
  job: "job",
  isolate: "isolate",
  input: "input",
  rest: "at rest MB",
  held: "peak held MB (at)",
  collected: "peak after collection MB",
  adds: "above rest MB",
  headroom: "headroom to 128 MB",
  parts: "after collection, at the peak: MB (wasm memories)",
  sampling: "samples (stops), longest stretch without one",
  seconds: "job s",
})}

**How it is measured.** Local workerd does not enforce the limit, and the
workerd process's resident set mixes every Worker, D1, R2 and freed pages,
so each isolate is sampled from inside through the runtime's inspector
(\`bench/lib/isolate-memory.mjs\`): \`Runtime.getHeapUsage\` (JS heap in use
and ArrayBuffer backing stores) plus the size of every wasm memory, which
getHeapUsage does not count (creating or growing one leaves its
backing-store figure unchanged); a probe installed before the isolate's
first job finds them by wrapping \`WebAssembly.Memory\`, \`Instance\` and
\`instantiate\`. The runtime answers the inspector only between JS turns, so
besides a sample every ~20 ms that the isolate is free, the probe stops it
at a \`debugger\` statement right after a wasm memory grows, right after a
byte array of 1 MB or more is allocated or copied with \`slice\`, and right
before one is released with \`transfer(0)\`: the moments a synchronous
stretch (a decode, a copy of the frame, a strip of the resize) peaks
("at" names the moment of each peak). The consumers' inspector is the
runtime's own; the API's is wrangler's DevTools endpoint
(\`--inspector-port\`), which holds that isolate's only session; through it,
samples between turns came only once the request in hand had ended, so a
check is seen at its stops and at its end.

Each job ran on a fresh server (a check shares one with a job: different
isolates) after a warm-up job of its own kind on a small input (1 MP, a
16×16 PNG or one page) and one full collection, so "at rest" is what the
isolate keeps between jobs (decoder and resize heaps sized by the warm-up,
ORT's heap). Then the job ran twice: once sampled as it is ("held": garbage
V8 has not collected yet counts, as it does in the isolate) and once with a
full collection before each stop's sample and before at most two others a
second ("after collection": what the job cannot do without). \`HeapProfiler.collectGarbage\` never completes in this
runtime, so the collection is the one V8 makes before a heap snapshot (the
snapshot itself is dropped). Headroom is counted from the after-collection
peak, the held one in parentheses. **Approximations:** what is allocated and
dropped within one synchronous stretch without passing a stop, and
collected before the stretch ends, is not seen (the last column gives each
job's longest stretch without a sample); the after-collection figure comes
from fewer samples (a collection stands the isolate still for 0.2–0.5 s),
so it can miss a short peak that the held figure caught. A
job's own isolate is the best case: in production a job also finds what
earlier jobs of its kind left (a JPEG decoder heap sized by the largest JPEG
so far; never ORT's heap beside a fix job, whose kind has a consumer Worker
of its own), and the API's isolate serves every other request of its share
of traffic while it checks a file.
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const jobs = process.argv.slice(2);
  console.log(await memorySection(jobs.length ? { jobs } : undefined));
}
