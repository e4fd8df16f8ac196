#!/usr/bin/env node
// Preflight: the free DPI score under load, and full checks of PDFs and
// photos by size, side by side with poppler's and ImageMagick's command-line
// tools on the same files.
//
//   node bench/preflight.mjs [pages=1,10,50,200] [megapixels=1,4,12]     prints the section
//   node bench/preflight.mjs pdf [pages=1,10,50,200] [runs=5]            only the PDF checks: their table and per-page cost
import { statSync } from "node:fs";
import os from "node:os";
import { measureChecks, stalls } from "./preflight/api.mjs";
import { benchPdf, benchPhoto, printFilesDir, tinyPng } from "./preflight/files.mjs";
import { loadTest } from "./preflight/load.mjs";
import { IDENTIFY_COMMANDS, POPPLER_COMMANDS, timeCommands } from "./preflight/tools.mjs";
import { CPU_TICK_MS, processCpuMs } from "./lib/cpu.mjs";
import { deployedPixelLimit } from "./lib/limits.mjs";
import { ratio, table } from "./lib/markdown.mjs";
import { recordCpu } from "./lib/measured.mjs";
import { memoryOf } from "./lib/servers.mjs";
import { withApiServer, withBenchContext } from "./lib/api-server.mjs";

// Only the limits the bench itself would hit are raised: its own request
// rate (the load test), the daily check quota, and the pixel limit when the
// deployed one is below the largest photo (the section says so). Byte and
// fetch limits stay at their defaults, so the checks run as deployed.
const LARGEST_PHOTO_PIXELS = 12_000_000;
function benchVars() {
  const limit = deployedPixelLimit("MAX_SOURCE_PIXELS");
  return {
    RATE_LIMIT_PER_MINUTE: "100000000",
    PREFLIGHT_CHECKS_PER_DAY: "1000000",
    ...(limit !== null && limit < LARGEST_PHOTO_PIXELS ? { MAX_SOURCE_PIXELS: String(LARGEST_PHOTO_PIXELS) } : {}),
  };
}

const DPI_BODY = { widthPx: 4000, heightPx: 3000, canvasWidthInches: 30, canvasHeightInches: 20, productType: "photo_on_canvas" };

export async function benchPreflight({ pages = [1, 10, 50, 200], megapixels = [1, 4, 12], runs = 3, clients = 50, seconds = 10, pdfOnly = false } = {}) {
  const load = { start: os.loadavg()[0] };
  const pdfs = pages.map((n) => benchPdf(n));
  const photos = pdfOnly ? [] : megapixels.flatMap((mp) => [benchPhoto(mp, "jpeg"), benchPhoto(mp, "png")]);
  const tiny = tinyPng();

  return withBenchContext({ name: "preflight", filesDir: printFilesDir, vars: benchVars() }, async (context) => {
    // PDFs and photos each on a server of their own, smallest file first:
    // memory the runtime keeps after a 200-page PDF would otherwise stand as
    // the "peak" of a 1 MP photo.
    const first = await withApiServer(context, async ({ base, token, pid, url }) => {
      // Warm-up: first-call costs (module instantiation, JIT) land on no measured file.
      await measureChecks({ base, token, pid, fileUrl: url(pdfs[0].file), kind: "pdf", runs: 1 });
      await measureChecks({ base, token, pid, fileUrl: url(tiny), kind: "raster", runs: 1 });
      const idleRssMB = Math.round(memoryOf(pid).rssMB);
      if (pdfOnly) return { pdfRows: await measurePdfs({ base, token, pid, url, pdfs, runs, idleRssMB }), idleRssMB };

      const auth = { authorization: `Bearer ${token}` };
      const dpiScore = { method: "POST", headers: auth, body: DPI_BODY };
      // The runtime's CPU per answered request: what one request costs, whatever the load.
      const measured = async (url, options) => {
        const cpuBefore = processCpuMs(pid);
        const result = await loadTest(url, options);
        return { ...result, cpuMsPerRequest: (processCpuMs(pid) - cpuBefore) / Math.max(1, result.served) };
      };
      await loadTest(`${base}/v1/services/preflight/dpi-score`, { clients, seconds: 2, ...dpiScore });
      const dpi = await measured(`${base}/v1/services/preflight/dpi-score`, { clients, seconds, ...dpiScore });
      console.log(`dpi-score: ${JSON.stringify(dpi)}`);
      const dpiAlone = await measured(`${base}/v1/services/preflight/dpi-score`, { clients: 1, seconds: 5, ...dpiScore });
      console.log(`dpi-score, one client: ${JSON.stringify(dpiAlone)}`);
      const health = await measured(`${base}/v1/health`, { clients, seconds });
      console.log(`health: ${JSON.stringify(health)}`);

      const overhead = await measureChecks({ base, token, pid, fileUrl: url(tiny), kind: "raster", runs: 5 });
      const tinyTools = timeCommands(IDENTIFY_COMMANDS.format(tiny), 5);
      console.log(`tiny: api ${overhead.medianMs} ms, identify ${tinyTools.medianMs} ms`);

      const pdfRows = await measurePdfs({ base, token, pid, url, pdfs, runs, idleRssMB });
      return { dpi, dpiAlone, health, overhead, tinyTools, pdfRows, idleRssMB };
    });
    if (pdfOnly) {
      load.end = os.loadavg()[0];
      return { ...first, runs, load };
    }

    const photoRows = await withApiServer(context, async ({ base, token, pid, url }) => {
      await measureChecks({ base, token, pid, fileUrl: url(tiny), kind: "raster", runs: 1 });
      await measureChecks({ base, token, pid, fileUrl: url(photos[0].file), kind: "raster", runs: 1 });
      await measureChecks({ base, token, pid, fileUrl: url(photos[1].file), kind: "raster", runs: 1 });
      const idleRssMB = Math.round(memoryOf(pid).rssMB);
      const rows = [];
      for (const photo of photos) {
        const verbose = timeCommands(IDENTIFY_COMMANDS.verbose(photo.file), runs);
        const identify = timeCommands(IDENTIFY_COMMANDS.format(photo.file), runs);
        const api = await measureChecks({ base, token, pid, fileUrl: url(photo.file), kind: "raster", runs });
        rows.push({ ...photo, bytes: statSync(photo.file).size, api, verbose, identify, idleRssMB });
        console.log(`photo ${photo.mp} MP ${photo.format}: ${JSON.stringify({ api, verbose, identify })}`);
      }
      return rows;
    });
    load.end = os.loadavg()[0];
    return { ...first, photoRows, runs, load, defaultMaxSourcePixels: deployedPixelLimit("MAX_SOURCE_PIXELS") };
  });
}

/** Each PDF through the API and through poppler, one after the other. */
async function measurePdfs({ base, token, pid, url, pdfs, runs, idleRssMB }) {
  const rows = [];
  for (const pdf of pdfs) {
    const tools = timeCommands(POPPLER_COMMANDS(pdf.file, pdf.pages), runs);
    const api = await measureChecks({ base, token, pid, fileUrl: url(pdf.file), kind: "pdf", runs });
    rows.push({ ...pdf, bytes: statSync(pdf.file).size, api, tools, idleRssMB });
    console.log(`pdf ${pdf.pages}p: ${JSON.stringify({ api, tools })}`);
  }
  return rows;
}

const perUnit = (ms, units) => (ms / units >= 10 ? Math.round(ms / units) : (ms / units).toFixed(1));
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);

/** Cost per unit free of fixed costs on both sides: the slope between the smallest and the largest file. */
function slope(rows, units, pick) {
  if (rows.length < 2) return NaN;
  const a = rows[0];
  const b = rows.at(-1);
  const s = (pick(b) - pick(a)) / (units(b) - units(a));
  // Within the noise (a larger file measured faster) there is no per-unit cost to show.
  return s > 0 ? s : NaN;
}

const both = (x) => `${x.medianMs} (${x.cpuMs})`;
const ratios = (a, b) => `${ratio(a.medianMs, b.medianMs)} (${ratio(a.cpuMs, b.cpuMs)})`;
const f1 = (v) => (Number.isFinite(v) ? v.toFixed(1) : "–");

/** The PDF rows of *Full checks*. */
function pdfChecksTable(rows) {
  return table(
    rows.map((row) => ({
      file: `${row.pages} p (${mib(row.bytes)} MiB)`,
      api: both(row.api),
      apiPerPage: `${perUnit(row.api.medianMs, row.pages)} (${perUnit(row.api.cpuMs, row.pages)})`,
      tools: `${both(row.tools)}; ${row.tools.eachMs.join(" + ")}`,
      toolsPerPage: `${perUnit(row.tools.medianMs, row.pages)} (${perUnit(row.tools.cpuMs, row.pages)})`,
      ratio: ratios(row.api, row.tools),
      peak: `${row.api.peakMB} (+${row.api.peakMB - row.idleRssMB})`,
      found: `${row.api.status}: ${row.api.issues}`,
    })),
    {
      file: "PDF",
      api: "API ms (CPU)",
      apiPerPage: "API ms/page (CPU)",
      tools: "poppler ms (CPU); info + fonts + images",
      toolsPerPage: "poppler ms/page (CPU)",
      ratio: "API ÷ poppler (CPU)",
      peak: "workerd peak MB (+ over idle)",
      found: "report",
    },
  );
}

/** The checks' and the DPI score's CPU per request for the bill (bench/bill.mjs), with each file's bytes. */
export function recordPreflightCpu({ pdfRows, photoRows, dpi, dpiAlone, runs }) {
  const covers = `CPU of the whole local runtime for the request (auth, fetch, R2 write, analysis, D1), ${runs === 1 ? "one run" : `median of ${runs}`}, ${CPU_TICK_MS} ms ticks`;
  for (const row of pdfRows) {
    recordCpu({
      kind: "checkPdf",
      key: `${row.pages} p`,
      label: `${row.pages}-page PDF (${mib(row.bytes)} MiB)`,
      cpuMs: row.api.cpuMs,
      covers,
      row: `*Preflight › Full checks*, PDFs, ${row.pages} p: "API ms (CPU)"`,
      // A check keeps the file with its report.
      size: { sourceBytes: row.bytes, keptBytes: row.bytes },
    });
  }
  for (const row of photoRows) {
    const name = `${row.mp} MP ${row.format.toUpperCase()}`;
    recordCpu({
      kind: "checkRaster",
      key: name,
      label: `${name} (${row.width}×${row.height}, ${mib(row.bytes)} MiB)`,
      cpuMs: row.api.cpuMs,
      covers,
      row: `*Preflight › Full checks*, photos, ${name}: "API ms (CPU)"`,
      size: { sourceBytes: row.bytes, keptBytes: row.bytes },
    });
  }
  for (const [key, x] of [
    ["under load", dpi],
    ["alone", dpiAlone],
  ]) {
    // With nothing answered, the CPU has no request to be divided by.
    if (!x.served) continue;
    recordCpu({
      kind: "dpiScore",
      key,
      label: x.clients === 1 ? "one client" : `${x.clients} clients at once`,
      cpuMs: Number(x.cpuMsPerRequest.toFixed(1)),
      covers: `CPU of the whole local runtime per answered request (auth, the account from D1, the rate limit in its Durable Object, validation), ${x.clients === 1 ? "one request at a time" : `${x.clients} at a time`} for ${x.seconds} s`,
      row: `*Preflight › Quick DPI score under load*, ${x.clients} client${x.clients === 1 ? "" : "s"}: "workerd CPU ms/request"`,
      size: {},
    });
  }
}

/** The "Preflight" section of bench/RESULTS.md. */
export async function preflightSection(options) {
  const r = await benchPreflight(options);
  recordPreflightCpu(r);
  const failures = (f) => (Object.keys(f).length ? Object.entries(f).map(([s, n]) => `${n}× ${s}`).join(", ") : "none");
  const loadTable = table(
    [
      { endpoint: "`POST /v1/services/preflight/dpi-score`", ...r.dpi },
      { endpoint: "`POST /v1/services/preflight/dpi-score`", ...r.dpiAlone },
      { endpoint: "`GET /v1/health` (no auth, reference)", ...r.health },
    ].map((x) => ({
      endpoint: x.endpoint,
      clients: x.clients,
      rps: x.perSecond,
      p50: x.p50Ms,
      p99: x.p99Ms,
      max: x.maxMs,
      cpu: x.cpuMsPerRequest.toFixed(1),
      served: x.served,
      failed: failures(x.failures),
    })),
    { clients: "clients", rps: "requests/s", p50: "p50 ms", p99: "p99 ms", max: "max ms", cpu: "workerd CPU ms/request", served: "answered 2xx", failed: "not 2xx" },
  );

  const pdfTable = pdfChecksTable(r.pdfRows);
  const photoTable = table(
    r.photoRows.map((row) => ({
      file: `${row.mp} MP ${row.format.toUpperCase()} (${row.width}×${row.height}, ${mib(row.bytes)} MiB)`,
      api: both(row.api),
      apiPerMp: `${perUnit(row.api.medianMs, (row.width * row.height) / 1e6)} (${perUnit(row.api.cpuMs, (row.width * row.height) / 1e6)})`,
      verbose: both(row.verbose),
      identify: both(row.identify),
      ratioVerbose: ratios(row.api, row.verbose),
      ratioFormat: ratios(row.api, row.identify),
      peak: `${row.api.peakMB} (+${row.api.peakMB - row.idleRssMB})`,
      found: `${row.api.status}: ${row.api.issues}`,
    })),
    {
      file: "photo",
      api: "API ms (CPU)",
      apiPerMp: "API ms/MP (CPU)",
      verbose: "`identify -verbose` ms (CPU)",
      identify: "`identify -format` ms (CPU)",
      ratioVerbose: "API ÷ -verbose (CPU)",
      ratioFormat: "API ÷ -format (CPU)",
      peak: "workerd peak MB (+ over idle)",
      found: "report",
    },
  );

  const pagesOf = (row) => row.pages;
  const mpOf = (row) => (row.width * row.height) / 1e6;
  const slopes = (rows, units, key) => ({
    wall: slope(rows, units, (x) => x[key].medianMs),
    cpu: slope(rows, units, (x) => x[key].cpuMs),
  });
  const text = (a) => `${f1(a.wall)} ms (CPU ${f1(a.cpu)})`;
  const slopeRatio = (a, b) => `${ratio(a.wall, b.wall)} (CPU ${ratio(a.cpu, b.cpu)})`;
  const pageApi = slopes(r.pdfRows, pagesOf, "api");
  const pageTools = slopes(r.pdfRows, pagesOf, "tools");
  const slopeLines = [
    `- **per page** (${r.pdfRows[0]?.pages} → ${r.pdfRows.at(-1)?.pages} pages): API ${text(pageApi)}, poppler ${text(pageTools)}; API ÷ poppler ${slopeRatio(pageApi, pageTools)}`,
    ...["jpeg", "png"].map((format) => {
      const rows = r.photoRows.filter((x) => x.format === format);
      const [api, verbose, identify] = ["api", "verbose", "identify"].map((key) => slopes(rows, mpOf, key));
      return `- **per MP, ${format.toUpperCase()}**: API ${text(api)}, \`identify -verbose\` ${text(verbose)}, \`identify -format\` ${text(identify)}; API ÷ -verbose ${slopeRatio(api, verbose)}, API ÷ -format ${slopeRatio(api, identify)}`;
    }),
  ].join("\n");
  const limitNote =
    r.defaultMaxSourcePixels && r.photoRows.some((x) => x.width * x.height > r.defaultMaxSourcePixels)
      ? ` \`MAX_SOURCE_PIXELS\` is ${(r.defaultMaxSourcePixels / 1e6).toFixed(1)} MP by default, over which a photo is checked from its header alone; it was raised so that every size gets the full check.`
      : "";
  const stallNote = stalls.count
    ? ` ${stalls.count} check request${stalls.count > 1 ? "s" : ""} had no answer from the local server within two minutes (a check takes seconds at most; see *Local servers* in docs/development.md) and ${stalls.count > 1 ? "were" : "was"} asked again; only answered checks are timed.`
    : "";

  return `## Preflight

Local servers (\`wrangler dev\`, API and consumer Workers in one workerd
runtime) from a copy of the project's files, with \`RATE_LIMIT_PER_MINUTE\`
and \`PREFLIGHT_CHECKS_PER_DAY\` raised so that the bench's own traffic is not
refused, and wrangler's Network inspection of the API Worker turned off: it
reports every chunk of every subrequest body to DevTools, which made a check
of a large file 2–3× slower, and a deployed Worker has no inspector.${limitNote}${stallNote} Load average (1 min) ${r.load.start.toFixed(1)} at the start of this section,
${r.load.end.toFixed(1)} at its end, on ${os.cpus().length} cores shared with the load generator and
other work. Wall-clock times stretch with that load; the CPU time each side
used (in parentheses: the workerd runtime process's for the API, the tool
processes' for the tools) does not, so its ratios are the steadier ones.

### Quick DPI score under load

${r.dpi.clients} clients, each on one kept-alive connection sending its next request
as soon as the last is answered, for ${r.dpi.seconds} s (after a 2 s warm-up); then one
client alone for ${r.dpiAlone.seconds} s, the latency without queueing. A DPI
score is auth (HS256 verify, the account row from D1, the rate-limit count in
the account's Durable Object), zod validation and arithmetic; \`/v1/health\`
under the same load is the floor the local runtime sets. The load generator
runs on the same cores.

${loadTable}

### Full checks, side by side with poppler and ImageMagick

Each file is checked through \`POST /v1/services/preflight/checks\` after one
uncounted check of the same file; time is the median of ${r.runs}, as the client
sees it. **The API** fetches the file over HTTP from a local file server,
sniffs its type, analyses it (PDFs: pdf-lib plus the content-stream
interpreter over every page — boxes, fonts, placed images with their ppi,
colour spaces, transparency, hairlines; photos: headers, then a full decode
for alpha use and the sharpness measure), stores the file in R2 and the report
in D1, and answers with the report. **The tools** read the file from disk,
each process started per run, with one warm-up run first: for PDFs poppler's
\`pdfinfo -box -f 1 -l N\` (boxes of every page), \`pdffonts\` and
\`pdfimages -list\` one after another (the three together cover what the check
reports, except colour spaces, transparency and line widths); for photos
ImageMagick's \`identify -verbose\` (every property and full pixel statistics)
and \`identify -format\` with the facts the check reports (size, depth, colour
space, type, resolution, orientation, ICC profile, and \`%[opaque]\`, which
reads every pixel as the check's transparency test does; no sharpness
measure). Ratios are API ÷ tool: above 1 the API is slower.

**Fixed overhead**: a check of a 16×16 PNG takes ${both(r.overhead)} ms through the API
(auth, fetch, R2 write, D1 insert, HTTP), \`identify -format\` on it
${both(r.tinyTools)} ms (process start).

PDFs: US Letter catalogue pages made with Ghostscript, each with its own
600×400 px photo at 150 ppi, text in an embedded NimbusSans subset and in
unembedded Helvetica, Bézier curves, fills and 0.1 pt hairlines, no bleed.
"report" is the status and the issues found (a report lists 50 issues of a
code and counts the rest in one more; the counts here add them back).

${pdfTable}

Photos: the test photo enlarged with ImageMagick (Lanczos), JPEG q90 and PNG,
checked for a 12×8 in print at 300 dpi.

${photoTable}

Marginal cost (slope between the smallest and largest file, so that neither
side's fixed cost counts):

${slopeLines}

**Memory**: the workerd runtime process (both Workers, D1, Durable Objects,
R2). PDFs and photos each ran on a fresh server, smallest file first, so
that memory the runtime keeps after a large file does not count as a small
one's peak; after the warm-up checks it rested at ${r.idleRssMB} MB (PDF server)
and ${r.photoRows[0]?.idleRssMB} MB (photo server). "Peak" is its VmHWM over each file's
${r.runs} checks, reset (\`/proc/<pid>/clear_refs\`) before them, and "+" is that
peak above the idle figure. What the API's isolate itself holds against its
128 MB is in *Memory per job kind*.
`;
}

/**
 * The PDF checks alone (no load test, no photos), for a re-run block under
 * *Full checks*: the table, the per-page slope, the load and the runs.
 */
export async function pdfChecksSection({ pages, runs = 5 } = {}) {
  const r = await benchPreflight({ pages, runs, pdfOnly: true });
  const pagesOf = (row) => row.pages;
  const api = { wall: slope(r.pdfRows, pagesOf, (x) => x.api.medianMs), cpu: slope(r.pdfRows, pagesOf, (x) => x.api.cpuMs) };
  const tools = { wall: slope(r.pdfRows, pagesOf, (x) => x.tools.medianMs), cpu: slope(r.pdfRows, pagesOf, (x) => x.tools.cpuMs) };
  return `Median of ${r.runs} checks per file; load average (1 min) ${r.load.start.toFixed(1)} at the start, ${r.load.end.toFixed(1)} at the end, on ${os.cpus().length} cores; the workerd runtime rested at ${r.idleRssMB} MB after the warm-up.

${pdfChecksTable(r.pdfRows)}

- **per page** (${r.pdfRows[0]?.pages} → ${r.pdfRows.at(-1)?.pages} pages): API ${f1(api.wall)} ms (CPU ${f1(api.cpu)}), poppler ${f1(tools.wall)} ms (CPU ${f1(tools.cpu)}); API ÷ poppler ${ratio(api.wall, tools.wall)} (CPU ${ratio(api.cpu, tools.cpu)})
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const list = (i) => (process.argv[i] ? process.argv[i].split(",").map(Number) : undefined);
  if (process.argv[2] === "pdf") console.log(await pdfChecksSection({ pages: list(3), runs: process.argv[4] ? Number(process.argv[4]) : undefined }));
  else console.log(await preflightSection({ pages: list(2), megapixels: list(3) }));
}
