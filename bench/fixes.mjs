#!/usr/bin/env node
// AI fix jobs: Lanczos upscales 2× and 4× by source size, side by side with
// sharp (libvips) on the same photos, and add_bleed on PDFs by page count.
//
//   node bench/fixes.mjs [megapixels=1,4,12] [pages=1,10,50,200]     prints the section
import { mkdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { measureFixJobs, reportOf } from "./fixes/api.mjs";
import { benchPdf, benchPhoto, printFilesDir, tinyPng } from "./preflight/files.mjs";
import { deployedPixelLimit } from "./lib/limits.mjs";
import { ensurePeersInstalled, peerVersion, runPeer } from "./lib/peers.mjs";
import { ratio, table } from "./lib/markdown.mjs";
import { recordCpu } from "./lib/measured.mjs";
import { memoryOf } from "./lib/servers.mjs";
import { withApiServer, withBenchContext } from "./lib/api-server.mjs";
import { ensureTokens } from "./lib/tokens.mjs";
import { median } from "./lib/stats.mjs";

const root = path.resolve(import.meta.dirname, "..");
const outDir = path.join(root, "bench", "out", "fixes");

// Only what the bench's own traffic would hit is raised (polling, checks);
// the pixel limits stay at their defaults, so a size the service refuses is
// reported as refused.
const BENCH_VARS = { RATE_LIMIT_PER_MINUTE: "100000", PREFLIGHT_CHECKS_PER_DAY: "100000" };

/**
 * A photo over MAX_SOURCE_PIXELS gets a header-only report, from which no
 * fix can start; when the deployed limit is below the largest source it is
 * raised for the bench, and the section says so.
 */
function benchVars(largestSourcePixels) {
  const limit = deployedPixelLimit("MAX_SOURCE_PIXELS");
  return limit !== null && limit < largestSourcePixels ? { ...BENCH_VARS, MAX_SOURCE_PIXELS: String(largestSourcePixels) } : BENCH_VARS;
}

/** A fresh server with the demo account topped up for the jobs to come. */
function withServer({ files, stateDir, projectDir, vars }, use) {
  return withApiServer({ files, stateDir, projectDir, vars }, async (server) => {
    await ensureTokens(server.base, server.token, 5000);
    return use(server);
  });
}

/** sharp `runs` times, each in a fresh process: median time, median peak. */
async function sharpRuns(job, runs) {
  const results = [];
  for (let r = 0; r < runs; r++) results.push(await runPeer("sharp-upscale.mjs", job));
  return {
    medianMs: median(results.map((x) => x.ms)),
    cpuMs: median(results.map((x) => x.cpuMs)),
    peakMB: median(results.map((x) => x.peakMB)),
    idleRssMB: results[0].idleRssMB,
    bytes: results[0].bytes,
    threads: results[0].threads,
    timesMs: results.map((x) => x.ms),
  };
}

/**
 * An output of this many pixels or more (4× of 12 MP: 192 MP) runs
 * `largeRuns` times instead of `runs`: each run takes minutes, and the
 * spread between runs is small next to that.
 */
const LARGE_OUTPUT_PIXELS = 100_000_000;

export async function benchFixes({ megapixels = [1, 4, 12], factors = [2, 4], pages = [1, 10, 50, 200], runs = 3, largeRuns = 1 } = {}) {
  ensurePeersInstalled();
  mkdirSync(outDir, { recursive: true });
  const load = { start: os.loadavg()[0] };
  // Checked by the fix plan before any token is taken.
  const limit = deployedPixelLimit("MAX_OUTPUT_PIXELS");
  const photos = megapixels.map((mp) => benchPhoto(mp, "jpeg"));
  const pdfs = pages.map((n) => benchPdf(n));
  const tiny = tinyPng();
  const vars = benchVars(Math.max(...photos.map((p) => p.width * p.height)));
  const upscales = [];
  const bleeds = [];
  await withBenchContext({ name: "fixes", filesDir: printFilesDir, vars }, async (context) => {
    // Every report first, on a server of its own (reports persist in the
    // shared state): checking a 12 MP photo decodes it, and the memory the
    // runtime keeps afterwards would otherwise count as the jobs' peak.
    const reports = await withServer(context, async ({ base, token, url }) => {
      const entries = [];
      for (const file of [tiny, ...photos.map((p) => p.file)]) entries.push([file, await reportOf(base, token, url(file), "raster")]);
      for (const pdf of pdfs) entries.push([pdf.file, await reportOf(base, token, url(pdf.file), "pdf")]);
      return Object.fromEntries(entries);
    });

    for (const photo of photos) {
      for (const factor of factors) {
        const outputPixels = photo.width * factor * photo.height * factor;
        if (outputPixels > limit) {
          upscales.push({ photo, factor, outputPixels, refused: true });
          continue;
        }
        const fixTypes = [`upscale_resolution_${factor}x`];
        const times = outputPixels >= LARGE_OUTPUT_PIXELS ? largeRuns : runs;
        // A fresh server for each size and factor, so that each high-water
        // mark is that job's alone (the background-removal bench does the
        // same per size; here the 4× would otherwise start from what the 2×
        // left resident).
        const api = await withServer(context, async ({ base, token, pid }) => {
          // Warm-up: decoder, resize module and PNG encoder instantiated before anything is measured.
          await measureFixJobs({ base, token, pid, reportId: reports[tiny], fixTypes, runs: 1 });
          const idleRssMB = Math.round(memoryOf(pid).rssMB);
          const output = path.join(outDir, `api-photo-${photo.mp}mp-${factor}x.png`);
          return { ...(await measureFixJobs({ base, token, pid, reportId: reports[photo.file], fixTypes, runs: times, outputFile: output })), idleRssMB };
        });
        console.log(`api ${photo.mp} MP ${factor}×: ${JSON.stringify(api)}`);
        const job = { source: photo.file, width: photo.width, height: photo.height, factor };
        const sharpOutput = path.join(outDir, `sharp-photo-${photo.mp}mp-${factor}x.png`);
        const sharpDefault = await sharpRuns({ ...job, output: sharpOutput }, times);
        const sharpFiltered = await sharpRuns({ ...job, output: path.join(outDir, `sharp-adaptive-photo-${photo.mp}mp-${factor}x.png`), png: { adaptiveFiltering: true } }, times);
        const quality = api.status === "completed" ? await runPeer("psnr.mjs", { a: api.output, b: sharpOutput }) : null;
        console.log(`sharp ${photo.mp} MP ${factor}×: ${JSON.stringify({ sharpDefault, sharpFiltered, quality })}`);
        upscales.push({ photo, factor, outputPixels, idleRssMB: api.idleRssMB, api, sharpDefault, sharpFiltered, quality });
      }
    }

    // add_bleed on one server, smallest file first: a PDF's memory grows with its pages.
    const bleedRows = await withServer(context, async ({ base, token, pid }) => {
      await measureFixJobs({ base, token, pid, reportId: reports[pdfs[0].file], fixTypes: ["add_bleed"], runs: 1 });
      const idleRssMB = Math.round(memoryOf(pid).rssMB);
      const rows = [];
      for (const pdf of pdfs) {
        const output = path.join(outDir, `api-catalogue-${pdf.pages}p-bleed.pdf`);
        const api = await measureFixJobs({ base, token, pid, reportId: reports[pdf.file], fixTypes: ["add_bleed"], runs, outputFile: output });
        console.log(`add_bleed ${pdf.pages} p: ${JSON.stringify(api)}`);
        rows.push({ pdf, api, idleRssMB });
      }
      return rows;
    });
    bleeds.push(...bleedRows);
  });
  load.end = os.loadavg()[0];
  return { upscales, bleeds, runs, largeRuns, limit, load, raisedSourcePixels: vars.MAX_SOURCE_PIXELS ?? null, defaultMaxSourcePixels: deployedPixelLimit("MAX_SOURCE_PIXELS") };
}

const mp = (pixels) => `${(pixels / 1e6).toFixed(pixels >= 1e7 ? 0 : 1)} MP`;
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const psnrText = (q) => (!q ? "–" : q.psnrDb === null ? "identical" : `${q.psnrDb.toFixed(1)} dB (max Δ ${q.maxDiff})`);

function upscaleTable(rows) {
  const out = [];
  for (const row of rows) {
    const size = `${row.photo.mp} MP ${row.factor}× → ${mp(row.outputPixels)}`;
    if (row.refused) {
      out.push({ size, tool: "API", ms: "refused: over MAX_OUTPUT_PIXELS", server: "", job: "", cpu: "", peak: "", bytes: "", msRatio: "", cpuRatio: "", peakRatio: "", psnr: "" });
      continue;
    }
    const { api } = row;
    const ok = api.status === "completed";
    out.push({
      size,
      tool: "API (workerd)",
      ms: ok ? api.medianMs : `${api.status}: ${api.error}`,
      server: ok ? api.serverMedianMs : "",
      job: ok ? `${api.processingMedianMs} (decode ${api.timings.decodeMs}, resize + encode + store ${api.timings.fixMs})` : "",
      cpu: ok ? api.cpuMs : "",
      peak: `${api.peakMB} (+${api.peakMB - row.idleRssMB})`,
      bytes: ok ? mib(api.result.bytes) : "",
      msRatio: "–",
      cpuRatio: "–",
      peakRatio: "–",
      psnr: "",
    });
    for (const [tool, s] of [
      ["sharp `.png()`", row.sharpDefault],
      ["sharp `.png({ adaptiveFiltering: true })`", row.sharpFiltered],
    ]) {
      out.push({
        size: "",
        tool,
        ms: s.medianMs,
        server: "",
        job: "",
        cpu: s.cpuMs,
        peak: `${s.peakMB} (+${s.peakMB - s.idleRssMB})`,
        bytes: mib(s.bytes),
        msRatio: ok ? `${ratio(api.medianMs, s.medianMs)} (job ${ratio(api.processingMedianMs, s.medianMs)})` : "–",
        cpuRatio: ok ? ratio(api.cpuMs, s.cpuMs) : "–",
        peakRatio: ok ? `${ratio(api.peakMB, s.peakMB)} (+ ${ratio(api.peakMB - row.idleRssMB, s.peakMB - s.idleRssMB)})` : "–",
        psnr: tool === "sharp `.png()`" ? psnrText(row.quality) : "",
      });
    }
  }
  return table(out, {
    size: "source → output",
    tool: "tool",
    ms: "create → completed ms (median)",
    server: "server's createdAt → completedAt ms",
    job: "job's own ms",
    cpu: "CPU ms",
    peak: "peak MB (+ over idle)",
    bytes: "output",
    msRatio: "time API ÷ sharp (job's own ÷ sharp)",
    cpuRatio: "CPU API ÷ sharp",
    peakRatio: "peak API ÷ sharp (+ ÷ +)",
    psnr: "PSNR API vs sharp",
  });
}

function bleedTable(rows) {
  return table(
    rows.map(({ pdf, api, idleRssMB }) => {
      const ok = api.status === "completed";
      return {
        pages: pdf.pages,
        ms: ok ? api.medianMs : `${api.status}: ${api.error}`,
        perPage: ok ? (api.medianMs / pdf.pages).toFixed(pdf.pages >= 10 ? 1 : 0) : "",
        server: ok ? api.serverMedianMs : "",
        job: ok ? api.processingMedianMs : "",
        jobPerPage: ok ? (api.processingMedianMs / pdf.pages).toFixed(1) : "",
        cpu: ok ? `${api.cpuMs} (${(api.cpuMs / pdf.pages).toFixed(1)})` : "",
        bytes: ok ? `${mib(statSync(pdf.file).size)} → ${mib(api.result.bytes)}` : "",
        peak: `${api.peakMB} (+${api.peakMB - idleRssMB})`,
      };
    }),
    {
      pages: "pages",
      ms: "create → completed ms (median)",
      perPage: "ms/page",
      server: "server's createdAt → completedAt ms",
      job: "job's own ms",
      jobPerPage: "job's own ms/page",
      cpu: "workerd CPU ms (per page)",
      bytes: "file in → out",
      peak: "workerd peak MB (+ over idle)",
    },
  );
}

/** Each completed upscale's and add_bleed's CPU for the bill (bench/bill.mjs), with the output's bytes. */
export function recordFixesCpu({ upscales, bleeds, runs, largeRuns }) {
  const covers = (n) => `CPU of the whole local runtime for the job (API request, polls every 200 ms, consumer, local D1/R2/queue), ${n === 1 ? "one run" : `median of ${n}`}`;
  for (const row of upscales) {
    if (row.refused || row.api.status !== "completed") continue;
    const size = `${row.photo.mp} MP ${row.factor}× → ${mp(row.outputPixels)}`;
    const bytes = row.api.result.bytes;
    recordCpu({
      kind: "fixRaster",
      key: `${row.photo.mp} MP ${row.factor}×`,
      label: `upscale ${size} (PNG ${mib(bytes)})`,
      cpuMs: row.api.cpuMs,
      covers: covers(row.outputPixels >= LARGE_OUTPUT_PIXELS ? largeRuns : runs),
      row: `*AI fixes › Upscale 2× and 4×*, ${size}, API (workerd): "CPU ms"`,
      tokens: row.api.tokensCharged,
      size: { outputBytes: bytes, keptBytes: bytes },
    });
  }
  for (const { pdf, api } of bleeds) {
    if (api.status !== "completed") continue;
    const sourceBytes = statSync(pdf.file).size;
    recordCpu({
      kind: "fixPdf",
      key: `${pdf.pages} p`,
      label: `add_bleed, ${pdf.pages}-page PDF (${mib(sourceBytes)})`,
      cpuMs: api.cpuMs,
      covers: covers(runs),
      row: `*AI fixes › add_bleed on PDFs by page count*, ${pdf.pages}-page PDF: "workerd CPU ms"`,
      // What it keeps is the corrected PDF; its source is the check's file, kept with the report.
      size: { sourceBytes, keptBytes: api.result.bytes },
    });
  }
}

/** The "AI fixes" section of bench/RESULTS.md. */
export async function fixesSection(options) {
  const r = await benchFixes(options);
  recordFixesCpu(r);
  const threads = r.upscales.find((u) => u.sharpDefault)?.sharpDefault.threads;
  return `## AI fixes

Load average (1 min) ${r.load.start.toFixed(1)} at the start of this section, ${r.load.end.toFixed(1)} at its end,
on ${os.cpus().length} cores shared with other work. Wall-clock times stretch with that
load; CPU time (the workerd runtime process's per job, polls included; the
sharp process's for its call) does not, so its ratios are the steadier ones.

### Upscale 2× and 4×, side by side with sharp

Sources are the test photo enlarged with ImageMagick (Lanczos) to 1, 4 and
12 MP, JPEG q90. **The API**: preflight reports of the photos made first on
a server of their own, then for each size and factor a fresh \`wrangler dev\`
server (from a copy of the project's files; the reports persist in its
state), a warm-up job of the same factor on a 16×16 PNG, and fix jobs from
the photo's report (\`options.fixTypes\` \`["upscale_resolution_2x"]\` or
\`["upscale_resolution_4x"]\`), median of ${r.runs} (an output of ${mp(LARGE_OUTPUT_PIXELS)} or more: ${r.largeRuns === 1 ? "one run" : `median of ${r.largeRuns}`},
minutes each). Time is create → completed as a
client polling every 200 ms sees it (queue delivery, the consumer reading the
source from R2, decoding it in bands, the band-wise Lanczos-3
(src/imaging/resample.ts), PNG encoding with a filter per band and the
deflate of runs (src/imaging/deflate-rle.ts), the multipart upload
into R2, settling the tokens); "job's own" is what the consumer timed for the
file (\`result.timings\`: decode, then resize + encode + store); the server's
own clock (\`createdAt\` → \`completedAt\` of the job) leaves out the polling.
Peak is the workerd runtime process's VmHWM (both Workers, D1, Durable
Objects, R2) over the jobs, reset (\`/proc/<pid>/clear_refs\`)
after the warm-up; "+" is above its resident set at that point, the part
the jobs add to an initialised, idle runtime (what the job's own isolate
holds against its 128 MB is in *Memory per job kind*). \`MAX_OUTPUT_PIXELS\` stays at its
default (${mp(r.limit)}), which is what 4× of 12 MP (192 MP) is checked against.${
    r.raisedSourcePixels
      ? ` \`MAX_SOURCE_PIXELS\` is ${mp(r.defaultMaxSourcePixels)} by default, under the largest source, whose report would then be header-only and unfixable; it was raised to ${mp(Number(r.raisedSourcePixels))} for this measurement.`
      : ""
  }

**sharp** ${peerVersion("sharp")} (libvips, from \`bench/peers\`), each run a fresh Node
process on the same JPEG:
\`sharp(file).resize(w × k, h × k, { kernel: "lanczos3" }).png().toFile(out)\`,
timed around that call (wall clock and the process's CPU), as many runs as
the API's; peak is the process's VmHWM, "+" above its resident set once
sharp is loaded. libvips ran ${threads ?? "?"} worker thread(s) per operation
(\`sharp.concurrency()\`, its default on glibc without jemalloc), as the Worker
runs one, but it writes the PNG from a write-behind thread of its own, so its
CPU time can exceed its wall-clock time: the CPU ratio is the like-for-like
one. \`.png()\` writes unfiltered rows (sharp's default),
which deflate less well; the \`adaptiveFiltering\` row is the like-for-like
encoder. Ratios are API ÷ sharp: above 1 the API is slower or uses more.
**PSNR** compares the API's PNG (downloaded from \`correctedFileUrl\`) with
sharp's, both decoded by sharp to RGB: both decode the JPEG with mozjpeg,
so what differs is the resampler's implementation (the API's Lanczos-3
follows ImageMagick's on the stored sRGB values; libvips has its own
upsampling path and rounding). Above about 40 dB the two are visually the
same image.

${upscaleTable(r.upscales)}

### add_bleed on PDFs by page count

The Ghostscript catalogues of the preflight bench (US Letter, no bleed), a
report with the default profile (3 mm bleed), then a job with
\`["add_bleed"]\`: every page's MediaBox, CropBox and BleedBox grow by 3 mm per
side and its content is scaled about the trim's centre (pdf-lib load, edit,
save, then the file into R2). One server for all sizes, smallest first,
after a warm-up job on the 1-page file; median of ${r.runs}. Peak as above, reset
before each page count.

${bleedTable(r.bleeds)}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const list = (i) => (process.argv[i] ? process.argv[i].split(",").map(Number) : undefined);
  console.log(await fixesSection({ megapixels: list(2), pages: list(3) }));
}
