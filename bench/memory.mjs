#!/usr/bin/env node
// Peak memory of each job kind in the isolate that runs it, against the
// 128 MB a Workers isolate may hold: the JS heap, every ArrayBuffer and
// every WebAssembly memory. Local workerd does not enforce the limit, so
// each isolate is sampled from inside through the runtime's inspector
// (bench/lib/isolate-memory.mjs).
//
//   node bench/memory.mjs [job ...]      prints the section; e.g. `node bench/memory.mjs upscale-4x`
import { rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runBgRemovalJob } from "./bg-removal/api.mjs";
import { reportOf, runFixJob } from "./fixes/api.mjs";
import { runCheck } from "./preflight/api.mjs";
import { benchLogo, runStickerJob } from "./stickers/api.mjs";
import { benchPdf, benchPhoto, printFilesDir, tinyPng } from "./preflight/files.mjs";
import { withApiServer, withBenchContext } from "./lib/api-server.mjs";
import { devtoolsUrl, runtimeInspectorUrl, workerName } from "./lib/inspector.mjs";
import { peakOf, sampleIsolate } from "./lib/isolate-memory.mjs";
import { deployedPixelLimit, webpPixelLimits } from "./lib/limits.mjs";
import { table } from "./lib/markdown.mjs";
import { download } from "./lib/servers.mjs";
import { ensureTokens } from "./lib/tokens.mjs";

const LIMIT_MB = 128;
/**
 * What the WebP limits keep a job under after collection: 18 MB below the
 * isolate's limit for what sampling misses within a synchronous stretch and
 * what the isolate holds for other work beside the job.
 */
const WEBP_BUDGET_MB = 110;
// Only what the bench's own traffic would hit is raised, and the API's
// source byte limit (25 MiB), which a 25 MP PNG with grain (about 45 MB)
// exceeds before any decoding; every pixel limit stays as deployed, so
// 25 MP is the largest input each kind takes.
const VARS = { RATE_LIMIT_PER_MINUTE: "100000", PREFLIGHT_CHECKS_PER_DAY: "100000", MAX_SOURCE_BYTES: String(100 * 1024 * 1024) };
/** For the sizes past the deployed limits: the limits raised, to find where each kind stops on its own. */
const LARGE_VARS = { ...VARS, MAX_SOURCE_PIXELS: "60000000", BG_REMOVE_MAX_PIXELS: "60000000", MAX_OUTPUT_PIXELS: "240000000", FETCH_TIMEOUT_MS: "60000" };

const FORMATS = {
  jpeg: { label: "baseline JPEG", format: "jpeg", options: {} },
  progressive: { label: "progressive JPEG", format: "jpeg", options: { progressive: true } },
  png: { label: "PNG", format: "png", options: {} },
  cmyk: { label: "CMYK JPEG", format: "jpeg", options: { cmyk: true } },
};
/**
 * WebP is decoded whole (src/imaging/open-raster.ts), so its limits are the
 * decoder's constants, below MAX_SOURCE_PIXELS; each variant is measured
 * at sizes around its own limit. Lossy with alpha decodes its alpha plane
 * with libwebp's lossless decoder, so it sits with lossless.
 */
const WEBP_FORMATS = {
  webp: { label: "lossy WebP", format: "webp", options: {}, limit: "lossy", sizes: [12, 16, 20, 25] },
  "webp-alpha": { label: "lossy WebP with alpha", format: "webp", options: { alpha: true }, limit: "lossless", sizes: [6, 8] },
  "webp-lossless": { label: "lossless WebP", format: "webp", options: { lossless: true }, limit: "lossless", sizes: [6, 7, 12] },
};
/** Every WebP server's copy of the code takes WebPs up to 60 MP, so that the sizes past the limits are measured, not refused. */
const WEBP_PATCHES = [
  { file: "src/imaging/open-raster.ts", from: /export const MAX_WEBP_PIXELS = [\d_]+;/, to: "export const MAX_WEBP_PIXELS = 60_000_000;" },
  { file: "src/imaging/open-raster.ts", from: /export const MAX_WEBP_LOSSLESS_PIXELS = [\d_]+;/, to: "export const MAX_WEBP_LOSSLESS_PIXELS = 60_000_000;" },
];
const photo = (mp, format) => {
  const f = FORMATS[format] ?? WEBP_FORMATS[format];
  const p = benchPhoto(mp, f.format, { grain: true, ...f.options });
  return { file: p.file, mp, format, pixels: p.width * p.height, label: `${mp} MP ${f.label} (${p.width}×${p.height}, ${(statSync(p.file).size / 2 ** 20).toFixed(1)} MB)` };
};
const pdf = (pages) => ({ file: benchPdf(pages).file, label: `PDF, ${pages} pages` });
const tiny = () => ({ file: tinyPng(), label: "16×16 PNG" });

/**
 * How each kind is run: `prepare` does what comes before the job and is not
 * its work (a fix job's preflight report, in the API's isolate), and returns
 * the job itself, which may run more than once. A refusal is an outcome,
 * not an error of the bench.
 */
const refused = (error) => ({ status: "refused", error: error.message.slice(0, 300) });
const bgRemoval = () => async (server, file) => async () => {
  try {
    const { job } = await runBgRemovalJob(server.base, server.token, server.url(file), { timeoutMs: JOB_TIMEOUT_MS });
    return { status: job.status, error: job.error_message };
  } catch (error) {
    // Its polling ends with measureJob's own deadline, which has then reported the job.
    if (/did not finish/.test(error.message)) return { status: "timed out", error: error.message };
    throw error;
  }
};
const check = (kind) => async (server, file) => async () => {
  try {
    const { report } = await runCheck(server.base, server.token, server.url(file), kind);
    return { status: "completed", report: report.status };
  } catch (error) {
    return refused(error);
  }
};
const fixJob = (fixTypes, kind) => async (server, file) => {
  let reportId;
  try {
    reportId = await reportOf(server.base, server.token, server.url(file), kind);
  } catch (error) {
    return async () => refused(error);
  }
  return async () => {
    const { job } = await runFixJob(server.base, server.token, reportId, fixTypes);
    return { status: job.status, error: job.errorMessage };
  };
};

/**
 * The kinds measured on photos. Background removal runs in two Workers:
 * `prepare` and `composite` in the image Worker (the AI fix consumer),
 * `segment` in the model Worker; both isolates are sampled. Each job runs
 * after a small warm-up of its own kind.
 */
const PHOTO_KINDS = {
  "bg-removal": { kind: "Background removal (`auto`)", isolates: ["fixes", "consumer"], warmup: () => photo(1, "jpeg"), prepare: bgRemoval() },
  check: { kind: "Preflight check", isolates: ["api"], warmup: (format) => photo(1, format), prepare: check("raster") },
  "upscale-2x": { kind: "Fix job: `upscale_resolution_2x`", isolates: ["fixes"], warmup: tiny, prepare: fixJob(["upscale_resolution_2x"], "raster") },
};
export const SIZES = [12, 25];
/** Past the deployed limits (raised for these only), sampled once as the jobs run: where each kind stops. */
export const LARGE_SIZES = [36, 50];
const LARGE_FORMATS = ["jpeg", "progressive", "png"];

/** Sampled after collections too at the deployed limit only: each collection stands the isolate still, and a 25 MP upscale stops hundreds of times. */
const COLLECTED_SIZES = [25];
const JOBS = {};
for (const mp of [...SIZES, ...LARGE_SIZES])
  for (const format of Object.keys(FORMATS)) {
    if (LARGE_SIZES.includes(mp) && !LARGE_FORMATS.includes(format)) continue;
    for (const [kindId, k] of Object.entries(PHOTO_KINDS))
      JOBS[`${kindId}@${mp}-${format}`] = { ...k, kindId, mp, large: LARGE_SIZES.includes(mp), collect: COLLECTED_SIZES.includes(mp), input: () => photo(mp, format), warmup: () => k.warmup(format) };
  }
/**
 * Only background removal takes a WebP: a preflight check refuses one (422)
 * and an AI fix starts from a check's report, so those two run once, on the
 * first lossy WebP, to show the refusal. Every WebP job is sampled after collections
 * too, and warms up on a 1 MP WebP of its variant (the decoder instance then
 * exists, as after any WebP).
 */
for (const [format, w] of Object.entries(WEBP_FORMATS))
  for (const mp of w.sizes)
    for (const [kindId, k] of Object.entries(PHOTO_KINDS)) {
      if (kindId !== "bg-removal" && (format !== "webp" || mp !== w.sizes[0])) continue;
      JOBS[`${kindId}@${mp}-${format}`] = { ...k, kindId, mp, webp: format, collect: kindId === "bg-removal", input: () => photo(mp, format), warmup: () => (kindId === "upscale-2x" ? k.warmup() : photo(1, format)) };
    }
Object.assign(JOBS, {
  "check-pdf": { kind: "Preflight check", kindId: "other", isolates: ["api"], input: () => pdf(200), warmup: () => pdf(1), prepare: check("pdf") },
  "bleed-raster": { kind: "Fix job: `add_bleed` (raster)", kindId: "other", isolates: ["fixes"], input: () => photo(12, "jpeg"), warmup: tiny, prepare: fixJob(["add_bleed"], "raster") },
  "bleed-pdf": { kind: "Fix job: `add_bleed` (PDF)", kindId: "other", isolates: ["fixes"], input: () => pdf(200), warmup: () => pdf(1), prepare: fixJob(["add_bleed"], "pdf") },
});

/**
 * Stickers: prepare and render in the image Worker, segment (photos only)
 * in the model Worker. Each source is cut at the default 3 in / 300 dpi and
 * on the largest canvas the API allows (size_inches × dpi at its 5,000 px:
 * 16.6 in at 300 dpi). A logo with its own alpha needs no model; it fills a
 * square, so its largest canvas is the whole 5,000 px square (about 25 MP).
 * The image Worker's samples are split into the two steps where it logs
 * the end of prepare (src/jobs/consumer.ts).
 */
const sticker = (params) => async (server, file) => async () => {
  try {
    const { job } = await runStickerJob(server.base, server.token, server.url(file), params, { timeoutMs: JOB_TIMEOUT_MS });
    // The PDF's size: about the deflated planes, which render holds twice while pdf-lib writes the file (through the API's isolate, not the measured ones).
    const pdfBytes = job.cut_pdf_url ? await sizeOf(job.cut_pdf_url) : null;
    return { status: job.status, error: job.error_message, canvas: job.width_px && { width: job.width_px, height: job.height_px }, alphaSource: job.alpha_source, pdfBytes };
  } catch (error) {
    if (/did not finish/.test(error.message)) return { status: "timed out", error: error.message };
    throw error;
  }
};
async function sizeOf(url) {
  const file = path.join(os.tmpdir(), `bench-sticker-${process.pid}.pdf`);
  try {
    await download(url, file);
    return statSync(file).size;
  } finally {
    rmSync(file, { force: true });
  }
}
const STICKER_CANVASES = {
  "3in": { label: "3 in at 300 dpi (default)", params: { size_inches: 3, dpi: 300 } },
  max: { label: "16.6 in at 300 dpi (4,980 px, the largest)", params: { size_inches: 16.6, dpi: 300 } },
};
const logo = (side) => ({ file: benchLogo(side), pixels: side * side, label: `${((side * side) / 1e6).toFixed(0)} MP logo PNG with alpha (${side}×${side}, ${(statSync(benchLogo(side)).size / 2 ** 20).toFixed(2)} MB)` });
const STICKER_SOURCES = {
  "logo-4mp": { input: () => logo(2000), warmup: () => logo(1000), subject: "logo", isolates: ["fixes"] },
  "logo-25mp": { input: () => logo(5000), warmup: () => logo(1000), subject: "logo", isolates: ["fixes"] },
  "photo-12mp": { input: () => photo(12, "jpeg"), warmup: () => photo(1, "jpeg"), subject: "auto", isolates: ["fixes", "consumer"] },
  "photo-25mp": { input: () => photo(25, "jpeg"), warmup: () => photo(1, "jpeg"), subject: "auto", isolates: ["fixes", "consumer"] },
};
/**
 * Where the image Worker's samples split into a sticker's steps: each step
 * begins at the first line logged after the previous one's that matches its
 * `after` (prepare's end: the first message names no step). With
 * BENCH_STICKER_PARTS=1 the render step is split further, at the laps it
 * times (src/stickers/render.ts), which the servers' copy of the code logs
 * (STICKER_PART_PATCHES): the outline and the cut line's trace, the
 * canvas (the second decode resampled into the PNG and the PDF's deflated
 * planes), then the SVG and the PDF.
 */
const STICKER_PARTS = process.env.BENCH_STICKER_PARTS === "1";
const STICKER_STEPS = {
  fixes: [
    { name: "prepare" },
    { name: "render", after: /\(sticker(?: prepare)?\).*: prepare done/ },
    ...(STICKER_PARTS
      ? [
          { name: "render: canvas", after: /sticker render: traceMs done/ },
          { name: "render: SVG + PDF", after: /sticker render: renderMs done/ },
        ]
      : []),
  ],
};
const STICKER_PART_PATCHES = [
  {
    file: "src/stickers/render.ts",
    from: /const \{ lap, timings \} = stopwatch\(\);/,
    to: "const { lap: timeLap, timings } = stopwatch(); const lap = (name: string) => { timeLap(name); console.log(`sticker render: ${name} done`); };",
  },
];
for (const [source, s] of Object.entries(STICKER_SOURCES))
  for (const [canvas, c] of Object.entries(STICKER_CANVASES)) {
    const params = { subject_type: s.subject, ...c.params };
    JOBS[`sticker@${source}-${canvas}`] = {
      kind: "Sticker",
      kindId: "sticker",
      isolates: s.isolates,
      collect: true,
      steps: STICKER_STEPS,
      canvasLabel: c.label,
      input: () => ({ ...s.input(), label: `${s.input().label}; ${c.label}` }),
      source: s.input,
      warmup: s.warmup,
      prepare: sticker(params),
      // The warm-up at the default size: module instances and first-use heaps, sized by a small job.
      warmupPrepare: sticker({ subject_type: s.subject }),
    };
  }
const stickerIds = (source) => Object.keys(STICKER_CANVASES).map((canvas) => `sticker@${source}-${canvas}`);

/**
 * One fresh server for each input of the measured sizes: its check (API
 * isolate), its background removal (image and model Workers) and its
 * upscale (image Worker again, so after the background removal's prepare
 * and composite: what the image Worker keeps between jobs, e.g. a decoder
 * heap, is in its "at rest" and its peak, as in production where both kinds
 * share that Worker). The sizes past the limits share one server. The
 * deployed limit comes first, so a run cut short by its time budget still
 * has it.
 */
const kindsOf = (mp, format, kinds = Object.keys(PHOTO_KINDS)) => kinds.map((k) => `${k}@${mp}-${format}`);
const SERVERS = [
  ...Object.keys(FORMATS).map((format) => ({ vars: VARS, ids: kindsOf(25, format) })),
  // 50 MP upscaled 2× is the 200 MP MAX_OUTPUT_PIXELS, minutes of work: the 36 MP upscales show the trend.
  { vars: LARGE_VARS, ids: [...LARGE_FORMATS.flatMap((f) => kindsOf(36, f)), ...LARGE_FORMATS.flatMap((f) => kindsOf(50, f, ["check", "bg-removal"]))] },
  ...Object.keys(FORMATS).map((format) => ({ vars: VARS, ids: [...kindsOf(12, format), ...(format === "jpeg" ? ["bleed-raster", "bleed-pdf", "check-pdf"] : [])] })),
  // A fresh server for each WebP: the decoder's heap never shrinks, so a larger one before would be in the next one's figures.
  ...Object.entries(WEBP_FORMATS).flatMap(([format, w]) =>
    w.sizes.map((mp) => ({ vars: VARS, patches: WEBP_PATCHES, ids: Object.keys(PHOTO_KINDS).map((k) => `${k}@${mp}-${format}`).filter((id) => JOBS[id]) })),
  ),
  // A fresh server for each sticker source, both canvases on it (the default first): the largest source and the photos first.
  ...["photo-25mp", "logo-25mp", "photo-12mp", "logo-4mp"].map((source) => ({ vars: VARS, patches: STICKER_PARTS ? STICKER_PART_PATCHES : [], ids: stickerIds(source) })),
];
const DEFAULT_JOBS = SERVERS.flatMap((g) => g.ids);
/** A job that has not ended by then is a finding (and must not hold the rest of the bench). */
const JOB_TIMEOUT_MS = 8 * 60_000;

/**
 * A warm-up job of the kind (module instances, first-use heaps), one full
 * collection in each isolate the kind uses (each at rest then holds only
 * what it keeps between jobs), the job sampled as it runs ("held": garbage
 * V8 has not collected yet counts, as it does in the isolate), then, but
 * for the sizes past the limits, the same job again with a full collection
 * before every sample ("after collection": what the job cannot do without).
 */
async function measureJob(id, server, samplers) {
  const job = JOBS[id];
  const input = job.input();
  await (await (job.warmupPrepare ?? job.prepare)(server, job.warmup().file))();
  const run = await job.prepare(server, input.file);
  const stretch = async (collecting) => {
    const used = job.isolates.map((isolate) => [isolate, samplers[isolate]]);
    const from = {};
    for (const [isolate, sampler] of used) {
      await sampler.collectGarbage();
      await sampler.settled();
      sampler.collectBeforeSamples(collecting);
      from[isolate] = sampler.mark();
    }
    const started = performance.now();
    let timer;
    const outcome = await Promise.race([run(), new Promise((resolve) => (timer = setTimeout(() => resolve({ status: "timed out", error: `no end within ${JOB_TIMEOUT_MS / 60_000} min` }), JOB_TIMEOUT_MS)))]);
    clearTimeout(timer);
    const ms = performance.now() - started;
    const memory = {};
    const steps = {};
    for (const [isolate, sampler] of used) {
      await sampler.settled({ collected: collecting });
      sampler.collectBeforeSamples(false);
      const to = sampler.mark();
      // Through wrangler's DevTools endpoint a heap snapshot now and then never answers, and the
      // isolate's inspector may answer nothing after it: that isolate's figure for this stretch is
      // then null (no collected sample, or no sample at all) instead of the whole server group being lost.
      memory[isolate] = peakOrNull(sampler.samples, from[isolate], to, collecting);
      if (!memory[isolate]) console.log(`bench: memory ${id}: no ${collecting ? "collected " : ""}sample of the ${isolate} isolate (its inspector stopped answering)`);
      if (job.steps?.[isolate]) steps[isolate] = stepPeaks(sampler, from[isolate], to, job.steps[isolate], collecting);
    }
    return { outcome, ms, memory, ...(Object.keys(steps).length ? { steps } : {}) };
  };
  const held = await stretch(false);
  const collected = !job.collect || held.outcome.status !== "completed" ? null : await stretch(true);
  const result = { id, ...job, input, held, collected };
  console.log(`memory ${id}: ${JSON.stringify({ held, collected })}`);
  return result;
}

/** The peak of samples [from, to) (after collection only, with `collected`), null when there is no such sample. */
function peakOrNull(samples, from, to, collected) {
  return samples.slice(from, to).some((s) => !collected || s.collected) ? peakOf(samples, from, to, { collected }) : null;
}

/**
 * An isolate's samples [from, to) split at the first line it logged that
 * matches `split`: each step's peak (null where a step has no sample of the
 * kind asked for, e.g. none after a collection), or null when the line is
 * not among them.
 */
function stepPeaks(sampler, from, to, steps, collected) {
  const starts = [from];
  for (const step of steps.slice(1)) {
    const line = sampler.logs.find((l) => l.at >= starts.at(-1) && l.at <= to && step.after.test(l.text));
    if (!line) return null;
    starts.push(line.at);
  }
  const peak = (a, b) => peakOrNull(sampler.samples, a, b, collected);
  const peaks = Object.fromEntries(steps.map((step, i) => [step.name, peak(starts[i], starts[i + 1] ?? to)]));
  if (steps.length > 2) {
    // The render step split into parts: its first part (outline and trace) ends where the next begins; the whole step runs to the end.
    peaks["render: outline + trace"] = peaks.render;
    peaks.render = peak(starts[1], to);
  }
  return peaks;
}

/**
 * `minutes`: the section's time budget (BENCH_MEMORY_MINUTES); a server
 * group not started by then is left out, and the section says so.
 */
export async function benchMemory({ jobs = DEFAULT_JOBS, minutes = Number(process.env.BENCH_MEMORY_MINUTES) || Infinity } = {}) {
  const until = performance.now() + minutes * 60_000;
  const skipped = [];
  for (const id of jobs) if (!JOBS[id]) throw new Error(`unknown job ${id}; known: ${Object.keys(JOBS).join(", ")}`);
  const load = { start: os.loadavg()[0] };
  // The model Worker (segmentation) and the image Worker (AI fixes, background removal's prepare and composite).
  const consumers = { consumer: workerName("wrangler.consumer.toml"), fixes: workerName("wrangler.fixes.toml") };
  const results = [];
  for (const group of SERVERS) {
    const wanted = group.ids.filter((id) => jobs.includes(id));
    if (!wanted.length) continue;
    if (performance.now() > until) {
      skipped.push(...wanted);
      continue;
    }
    // A context (and its state) per server: the groups differ in their vars.
    await withBenchContext({ name: "memory", filesDir: printFilesDir, vars: group.vars, patches: group.patches }, async (context) => {
      {
        const measureGroup = () =>
          withApiServer(context, async (server) => {
            await ensureTokens(server.base, server.token, 5000);
            // Every probe goes in before the isolates' first job: a wasm memory created before is not seen.
            const samplers = { api: await sampleIsolate(devtoolsUrl(server.inspectorPort)) };
            for (const [isolate, name] of Object.entries(consumers)) samplers[isolate] = await sampleIsolate(await runtimeInspectorUrl(server.pid, name));
            try {
              const measured = [];
              for (const id of wanted) measured.push(await measureJob(id, server, samplers));
              return measured;
            } finally {
              for (const sampler of Object.values(samplers)) await sampler.stop();
            }
          });
        // Now and then wrangler restarts the local runtime under the inspector's
        // traffic (the API's requests then fail with "Your worker restarted
        // mid-request"); the isolates and their probes are then new, so the
        // whole group is measured again on a fresh server.
        results.push(
          ...(await measureGroup()
            .catch((error) => {
              if (!/restarted/.test(error.message)) throw error;
              console.log(`bench: memory ${wanted.join(", ")}: ${error.message.slice(0, 200)}; measuring again on a fresh server`);
              return measureGroup();
            })
            .catch((error) => {
              // One server's failure is reported; the other groups still run.
              console.log(`bench: memory ${wanted.join(", ")} failed: ${error.message.slice(0, 300)}`);
              skipped.push(...wanted.map((id) => `${id} (the bench failed: ${error.message.replace(/\s+/g, " ").slice(0, 160)})`));
              return [];
            })),
        );
      }
    });
  }
  load.end = os.loadavg()[0];
  return { results: jobs.map((id) => results.find((r) => r.id === id)).filter(Boolean), skipped, load };
}

const ISOLATES = { api: "API Worker", consumer: "model Worker", fixes: "image Worker" };
const mb = (v) => v.toFixed(1);
const headroom = (v) => `${LIMIT_MB - v >= 0 ? "" : "−"}${Math.abs(LIMIT_MB - v).toFixed(1)}`;
const parts = (p) => `JS ${mb(p.jsHeapMB)} + buffers ${mb(p.buffersMB)} + wasm ${mb(p.wasmMB)} (${p.wasmMemories})`;
const failed = (stretch) => stretch.outcome.status !== "completed";
const outcomeText = (o) => `${o.status}: ${String(o.error ?? "").replace(/\s+/g, " ").slice(0, 160)}`;
/** Each isolate a result sampled, as rows: a background removal gives two. */
/** An isolate whose inspector gave no sample of the job has no row: the log line says so. */
const perIsolate = (results) =>
  results.flatMap((x) => x.isolates.map((isolate) => ({ x, isolate, held: x.held.memory[isolate], collected: x.collected?.memory[isolate] }))).filter((r) => r.held);
const STEPS_OF = { "bg-removal": { fixes: "prepare + composite", consumer: "segment" }, sticker: { fixes: "prepare + render", consumer: "segment" } };
const step = (x, isolate) => (STEPS_OF[x.kindId]?.[isolate] ? ` — ${STEPS_OF[x.kindId][isolate]}` : "");

/** After collection / held, with the headroom left from the first: the cell of the summary tables. */
function cell(r) {
  if (!r) return "–";
  if (failed(r.x.held)) return outcomeText(r.x.held.outcome);
  const held = r.held.peak.totalMB;
  if (!r.collected) return `${mb(held)} held (${headroom(held)} left)`;
  const after = r.collected.peak.totalMB;
  return `**${mb(after)}** / ${mb(held)} (${headroom(after)} left)`;
}

function summary(rows, mp, formats) {
  const lines = [];
  for (const kindId of Object.keys(PHOTO_KINDS))
    for (const isolate of PHOTO_KINDS[kindId].isolates) {
      const line = { job: `${PHOTO_KINDS[kindId].kind}${step({ kindId }, isolate)}`, isolate: ISOLATES[isolate] };
      for (const format of formats) line[format] = cell(rows.find((r) => r.x.id === `${kindId}@${mp}-${format}` && r.isolate === isolate));
      lines.push(line);
    }
  return table(lines, { job: "job (step)", isolate: "isolate", ...Object.fromEntries(formats.map((f) => [f, FORMATS[f].label])) });
}

/** The "Memory" section of bench/RESULTS.md. */
export async function memorySection(options) {
  return renderMemory(await benchMemory(options));
}

/**
 * The section from measurements: `benchMemory`'s, or ones gathered from the
 * `memory <id>: {json}` lines of several runs' logs (fromLogLines).
 */
export function renderMemory(r) {
  const rows = perIsolate(r.results);
  const measured = rows.filter((row) => !row.x.large && !row.x.webp);
  const webpRows = rows.filter((row) => row.x.webp);
  const large = rows.filter((row) => row.x.large);
  const details = !measured.length && !webpRows.length ? "None." : table(
    [...measured, ...webpRows].map((row) => {
      const { x, held, collected } = row;
      const peak = collected?.peak ?? held.peak;
      return {
        job: `${x.kind}${step(x, row.isolate)}`,
        isolate: ISOLATES[row.isolate],
        input: x.input.label,
        rest: mb((collected ?? held).rest.totalMB),
        held: `${mb(held.peak.totalMB)} (${held.peak.at})`,
        collected: collected ? `**${mb(collected.peak.totalMB)}**` : "–",
        headroom: collected ? `${headroom(collected.peak.totalMB)} (held: ${headroom(held.peak.totalMB)})` : `held: ${headroom(held.peak.totalMB)}`,
        parts: parts(peak),
        sampling: `${held.samples} (${held.stops} stops), ${held.longestGapMs} ms`,
        seconds: `${(x.held.ms / 1000).toFixed(1)}${failed(x.held) ? ` (${outcomeText(x.held.outcome)})` : ""}`,
      };
    }),
    {
      job: "job (step)",
      isolate: "isolate",
      input: "input (file size)",
      rest: "at rest MB",
      held: "peak held MB (at)",
      collected: "peak after collection MB",
      headroom: "headroom to 128 MB",
      parts: "at the peak (after collection if measured): MB (wasm memories)",
      sampling: "samples (stops), longest stretch without one",
      seconds: "job s",
    },
  );
  const peakOfRow = (row) => (row.collected ?? row.held).peak.totalMB;
  const ok = measured.filter((row) => !failed(row.x.held));
  const worst = ok.length ? ok.reduce((a, b) => (peakOfRow(b) > peakOfRow(a) ? b : a)) : null;
  const name = (row) => `${row.x.kind}${step(row.x, row.isolate)} (${ISOLATES[row.isolate]}) of a ${row.x.input.label}`;
  const over = ok.filter((row) => peakOfRow(row) > LIMIT_MB);
  const overHeld = ok.filter((row) => row.held.peak.totalMB > LIMIT_MB && peakOfRow(row) <= LIMIT_MB);
  const failures = measured.filter((row) => failed(row.x.held));
  const verdict = [
    over.length
      ? `**Over the limit even after collection: ${over.map((row) => `${name(row)}: ${mb(peakOfRow(row))} MB (${parts((row.collected ?? row.held).peak)})`).join("; ")}.** In production such an isolate would be ended and the job retried until it fails and is refunded.`
      : "Every job stays under 128 MB after collection in every isolate it uses.",
    overHeld.length ? `Held figures past 128 MB (${overHeld.map((row) => `${name(row)} ${mb(row.held.peak.totalMB)} MB`).join("; ")}) are garbage a collection would have freed first.` : "",
    failures.length ? `**Failed or refused within the deployed limits: ${[...new Set(failures.map((row) => `${row.x.kind} of a ${row.x.input.label} (${outcomeText(row.x.held.outcome)})`))].join("; ")}.**` : "",
  ]
    .filter(Boolean)
    .join(" ");
  const largeSection = large.length
    ? `### Past the deployed limits: where each kind stops

The pixel limits raised to 60 MP (\`--var MAX_SOURCE_PIXELS=60000000 --var BG_REMOVE_MAX_PIXELS=60000000\`,
\`MAX_OUTPUT_PIXELS\` 240 MP), all on one server (so the image Worker's "at
rest" grows with what earlier inputs left), each job sampled once as it runs
(held figures, no collections: a held figure under 128 MB fits, one over it
may still fit after collection). A refusal is the service's own (a decoder
or a size limit), quoted. No upscale at 50 MP: its 200 MP output takes
minutes, and the 36 MP ones show the trend.

${LARGE_SIZES.map((mp) => `#### ${mp} MP\n\n${summary(large, mp, LARGE_FORMATS)}`).join("\n\n")}
`
    : "";
  const other = measured.filter((row) => row.x.kindId === "other");
  return `## Memory per job kind

Peak of each isolate a job runs in, at 12 MP and at 25 MP (the deployed
\`MAX_SOURCE_PIXELS\` and \`BG_REMOVE_MAX_PIXELS\`: ${(deployedPixelLimit("MAX_SOURCE_PIXELS") / 1e6).toFixed(0)} and ${(deployedPixelLimit("BG_REMOVE_MAX_PIXELS") / 1e6).toFixed(0)} MP), for
four kinds of photo (film grain, so the files are as large as a camera's:
baseline JPEG q90 (ImageMagick keeps full-resolution chroma, 4:4:4, at
quality 90 and above), the same progressive, PNG RGB, and CMYK JPEG
separated by ImageMagick with the decoder's default press profile embedded),
against the ${LIMIT_MB} MB (2^20 bytes) a Workers isolate may hold: its JS
heap, every ArrayBuffer and every WebAssembly memory. Checks run in the API
Worker; AI fixes and background removal's \`prepare\` and \`composite\` in the
image Worker (\`wrangler.fixes.toml\`); its \`segment\` in the model Worker
(\`wrangler.consumer.toml\`). The API's source byte limit (25 MiB) is raised to
100 MiB, as the image Worker's is: a 25 MP PNG with grain is larger than 25 MiB
and would otherwise be refused before decoding. Load average (1 min)
${r.load.start.toFixed(1)} at the start of this section, ${r.load.end.toFixed(1)} at its end (memory does not depend on it; the seconds do).

${worst ? `**Worst: ${name(worst)}, ${mb(peakOfRow(worst))} MB after collection.** ` : ""}${verdict}

Cells: **peak after collection** / peak held, MB (headroom to 128 MB from
the first); at 12 MP held only (collections at every stop would double the
section's time; held is the upper figure).${r.skipped.length ? `\n\n**Not measured in this run** (time budget of the section, or a bench failure): ${r.skipped.join(", ")}.` : ""}

${SIZES.map((mp) => `### ${mp} MP\n\n${summary(measured, mp, Object.keys(FORMATS))}`).join("\n\n")}

${largeSection}
${webpSection(webpRows)}
${stickerSection(rows.filter((row) => row.x.kindId === "sticker"))}
### Other kinds

${other.length ? table(other.map((row) => ({ job: row.x.kind, isolate: ISOLATES[row.isolate], input: row.x.input.label, cell: cell(row) })), { job: "job", isolate: "isolate", input: "input", cell: "after collection / held MB" }) : "Not measured in this run."}

### Every measurement

${details}

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
earlier jobs in that Worker left (the WebP decoder's heap, sized by the
largest WebP so far: see *WebP*; never ORT's heap beside a fix job, whose
kind has a consumer Worker of its own), and the API's isolate serves every other request of its share
of traffic while it checks a file.
`;
}

/**
 * WebP, decoded whole: the image Worker's figures per variant and size, the
 * sizes the deployed limits take, and the largest measured size of each
 * variant that stays within WEBP_BUDGET_MB after collection.
 */
function webpSection(rows) {
  if (!rows.length) return "### WebP (decoded whole)\n\nNot measured in this run.\n";
  const limits = webpPixelLimits();
  const at = (format, mp, kindId, isolate) => rows.find((row) => row.x.id === `${kindId}@${mp}-${format}` && row.isolate === isolate);
  const tables = Object.entries(WEBP_FORMATS).flatMap(([format, w]) => {
    const lines = w.sizes
      .map((mp) => ({ mp, fixes: at(format, mp, "bg-removal", "fixes"), model: at(format, mp, "bg-removal", "consumer") }))
      .filter((line) => line.fixes);
    if (!lines.length) return [];
    const fits = lines.filter((l) => !failed(l.fixes.x.held) && l.fixes.collected && l.fixes.collected.peak.totalMB <= WEBP_BUDGET_MB).map((l) => l.mp);
    const body = table(
      lines.map(({ fixes, model }) => ({
        input: fixes.x.input.label,
        deployed: fixes.x.input.pixels <= limits[w.limit] ? "yes" : "no",
        fixes: cell(fixes),
        rest: fixes.collected ? `${mb(fixes.held.rest.totalMB)} → ${mb(fixes.collected.rest.totalMB)}` : "–",
        parts: parts((fixes.collected ?? fixes.held).peak),
        model: cell(model),
      })),
      {
        input: "input (file size)",
        deployed: `taken as deployed (${(limits[w.limit] / 1e6).toFixed(1)} MP)`,
        fixes: "prepare + composite, image Worker: **after collection** / held MB",
        rest: "image Worker at rest before → after the job MB",
        parts: "at the peak: MB (wasm memories)",
        model: "segment, model Worker",
      },
    );
    return `#### ${w.label}\n\nLargest size within ${WEBP_BUDGET_MB} MB after collection: ${fits.length ? `${Math.max(...fits)} MP` : "none measured"}.\n\n${body}`;
  });
  // The API's answer, e.g. `422 UNPROCESSABLE_INPUT ("The file is not …")`, rather than the whole error.
  const answer = (outcome) => {
    const m = /: (\d{3}) (\{.*\})$/s.exec(String(outcome.error ?? ""));
    if (!m) return outcomeText(outcome);
    const body = JSON.parse(m[2]);
    return `${m[1]} ${body.error} ("${body.message}")`;
  };
  const refusals = rows.filter((row) => row.x.kindId !== "bg-removal").map((row) => `${row.x.kind.toLowerCase()} of a ${row.x.input.label}: ${answer(row.x.held.outcome)}`);
  return `### WebP (decoded whole)

jSquash's libwebp decodes a WebP whole into its wasm heap, which also holds
the file while it decodes and never shrinks while the decoder instance
lives; libwebp's lossless decoder (lossless files, and the alpha plane of a
lossy one) adds a 32-bit copy of the plane. The deployed limits
(\`src/imaging/open-raster.ts\`) are ${(limits.lossy / 1e6).toFixed(1)} MP for a lossy WebP without alpha and
${(limits.lossless / 1e6).toFixed(1)} MP for a lossless one or one with alpha; these servers ran a copy of the
code with both raised to 60 MP, so that sizes past them are measured, one
fresh server per file. Each job warmed up on a 1 MP WebP of its variant.
Only background removal takes WebP (${[...new Set(refusals)].join("; ") || "the check and the fix job were not run"}).

${tables.join("\n\n")}
`;
}

/**
 * Stickers: the image Worker's peak per step (prepare, then render: the
 * outline, the cut line's trace, the second decode resampled onto the
 * canvas into the PNG and the PDF's deflated planes, the SVG and PDF) and
 * for the whole job, and the model Worker's segment for photos.
 */
function stickerSection(rows) {
  if (!rows.length) return "### Stickers\n\nNot measured in this run.\n";
  const stepCell = (x, name) => {
    const held = x.held.steps?.fixes?.[name];
    const collected = x.collected?.steps?.fixes?.[name];
    if (!held) return "–";
    return `${collected ? `**${mb(collected.peak.totalMB)}**` : "–"} / ${mb(held.peak.totalMB)}`;
  };
  const body = table(
    rows
      .filter((row) => row.isolate === "fixes")
      .map((row) => {
        const { x } = row;
        const model = rows.find((r) => r.x.id === x.id && r.isolate === "consumer");
        const canvas = x.held.outcome.canvas;
        const peak = (row.collected ?? row.held).peak;
        return {
          source: x.source().label,
          canvas: `${x.canvasLabel}${canvas ? `: ${canvas.width}×${canvas.height} (${((canvas.width * canvas.height) / 1e6).toFixed(1)} MP)` : ""}`,
          outline: x.held.outcome.alphaSource ?? "–",
          pdf: x.held.outcome.pdfBytes ? mb(x.held.outcome.pdfBytes / 2 ** 20) : "–",
          prepare: stepCell(x, "prepare"),
          render: stepCell(x, "render"),
          whole: cell(row),
          parts: `${parts(peak)} at "${peak.at}"`,
          model: model ? cell(model) : "not used",
          seconds: (x.held.ms / 1000).toFixed(1),
        };
      }),
    {
      source: "source (file size)",
      canvas: "sticker: canvas",
      outline: "outline",
      pdf: "PDF MB",
      prepare: "prepare, image Worker: **after collection** / held MB",
      render: "render, image Worker",
      whole: "whole job, image Worker (headroom)",
      parts: "image Worker at its peak: MB (wasm memories)",
      model: "segment, model Worker",
      seconds: "job s (held run)",
    },
  );
  const partNames = ["render: outline + trace", "render: canvas", "render: SVG + PDF"];
  const withParts = rows.filter((row) => row.isolate === "fixes" && row.x.held.steps?.fixes?.[partNames[0]]);
  const partsBody = withParts.length
    ? `\n\nThe render step in parts (\`BENCH_STICKER_PARTS=1\`: the servers' copy of the code logs each lap of render), image Worker, **after collection** / held MB, with what it held at the part's peak after collection:\n\n${table(
        withParts.map(({ x }) => ({
          sticker: `${x.source().label}; ${x.canvasLabel}`,
          ...Object.fromEntries(
            partNames.map((name) => {
              const after = x.collected?.steps?.fixes?.[name];
              return [name, `${stepCell(x, name)}${after ? ` (${parts(after.peak)}, at "${after.peak.at}")` : ""}`];
            }),
          ),
        })),
        { sticker: "sticker", ...Object.fromEntries(partNames.map((n) => [n, n.replace("render: ", "")])) },
      )}`
    : "";
  return `### Stickers

A sticker job (\`POST /v1/services/stickers\`, border 2 mm, bleed 1.5 mm,
one piece) on a logo PNG with its own alpha (flat colours on
transparency, filling a square: the model does not run) and on the baseline
JPEG photos above (\`subject_type: auto\`: the model runs), each at the
default 3 in / 300 dpi and on the largest canvas the API allows
(\`size_inches × dpi\` ≤ 5,000 px). The image Worker runs \`prepare\` (the
source staged and decoded once into the guide) and \`render\` (the outline,
the cut line traced on at most 4 MP, the source decoded again and
resampled onto the canvas into the PNG and the PDF's two deflated planes,
then the SVG and the PDF, which pdf-lib writes into one buffer); its
samples are split at the line it logs when \`prepare\` ends. One fresh
server per source, the default size first, each job after a warm-up
sticker of its kind (a 1 MP logo or photo at 3 in).

${body}${partsBody}
`;
}

/** Results from `memory <id>: {json}` log lines (the last line of an id wins), with the load of the runs. */
export function fromLogLines(lines, load) {
  const byId = new Map();
  for (const line of lines) {
    const m = /^memory (\S+): (\{.*\})$/.exec(line);
    if (m && JOBS[m[1]]) byId.set(m[1], JSON.parse(m[2]));
  }
  const results = DEFAULT_JOBS.filter((id) => byId.has(id)).map((id) => ({ id, ...JOBS[id], input: JOBS[id].input(), ...byId.get(id) }));
  return { results, skipped: DEFAULT_JOBS.filter((id) => !byId.has(id)), load };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const jobs = process.argv.slice(2);
  console.log(await memorySection(jobs.length ? { jobs } : undefined));
}
