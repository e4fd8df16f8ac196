#!/usr/bin/env node
// The Cloudflare bill of each job kind: the billable operations one job
// makes (counted from the code paths, each with the file and function it
// comes from), the CPU milliseconds measured for it, and Cloudflare's
// published prices. Its render() is the "CPU bill per job" section of
// bench/RESULTS.md, the last section of bench/run.mjs.
//
// CPU figures: the sections of the same run record what they measured
// (bench/lib/measured.mjs recordCpu: bg-removal, preflight, fixes), and the
// bill takes those. A kind or size the run did not measure (its section
// was not run, or its job failed) keeps the figure transcribed below
// (TRANSCRIBED) from an earlier run's RESULTS.md, with the row it comes
// from, and the CPU table says so. One figure no section measures: the
// background removal's model step (MODEL_STEP_CPU_MS, from
// docs/background-removal.md), which bg-removal adds to the consumer's
// laps it measured. Nothing is estimated: a kind or size without any
// measure says so.
//
//   node bench/bill.mjs            the section, as markdown, every CPU figure transcribed (it runs nothing)
//   node bench/bill.mjs --jobs N   the monthly table for N jobs a month (default 10,000)
//   node bench/run.mjs preflight bill   the bill with the preflight section's figures from that run
//
// When a code path changes what a job reads or writes, update the blocks
// and kinds. A section that measures a job's CPU calls recordCpu with the
// job's kind and a key: the key of a TRANSCRIBED row replaces that row, a
// new one is added after its kind's rows.
import { table } from "./lib/markdown.mjs";
import { recordedCpu } from "./lib/measured.mjs";

// ---- prices ------------------------------------------------------------------

/** The date the prices were read: the stored copy of Cloudflare's documentation source (cloudflare/cloudflare-docs) consulted that day. */
export const PRICES_READ = "2026-12-07";

const DOCS = "https://developers.cloudflare.com";
const SOURCES = {
  workers: `${DOCS}/workers/platform/pricing/`,
  queues: `${DOCS}/queues/platform/pricing/`,
  consumers: `${DOCS}/queues/configuration/consumer-concurrency/#billing`,
  r2: `${DOCS}/r2/pricing/`,
  durableObjects: `${DOCS}/durable-objects/platform/pricing/`,
  d1: `${DOCS}/d1/platform/pricing/`,
};

/**
 * Workers Paid, Standard usage model: what a month includes, then the price
 * per million units beyond it (storage: per GB-month). `$5` is the plan's
 * monthly minimum, which the included usage comes with.
 */
export const PRICES = {
  plan: { perMonth: 5, source: SOURCES.workers, note: "Workers Paid plan, per account; includes the allowances below" },
  cpuMs: { name: "CPU time", unit: "CPU ms", included: 30e6, perMillion: 0.02, source: SOURCES.workers },
  requests: {
    name: "Worker requests",
    unit: "requests",
    included: 10e6,
    perMillion: 0.3,
    source: SOURCES.workers,
    note: "each queue consumer invocation is billed as a request with its CPU time (Queues, Consumer concurrency › Billing)",
  },
  queueOps: {
    name: "Queue operations",
    unit: "operations",
    included: 1e6,
    perMillion: 0.4,
    source: SOURCES.queues,
    note: "one per 64 KB written, read or deleted: a delivered message is 3; a retry adds a read",
  },
  r2ClassA: {
    name: "R2 Class A (Standard)",
    unit: "operations",
    included: 1e6,
    perMillion: 4.5,
    source: SOURCES.r2,
    note: "PutObject, CreateMultipartUpload, UploadPart, CompleteMultipartUpload, CopyObject, ListObjects; DeleteObject and AbortMultipartUpload are free",
  },
  r2ClassB: { name: "R2 Class B (Standard)", unit: "operations", included: 10e6, perMillion: 0.36, source: SOURCES.r2, note: "GetObject (ranged too), HeadObject" },
  doRequests: {
    name: "Durable Object requests",
    unit: "requests",
    included: 1e6,
    perMillion: 0.15,
    source: SOURCES.durableObjects,
    note: "every RPC method call on a stub, and every alarm invocation",
  },
  doRows: {
    name: "Durable Object SQLite rows written",
    unit: "rows",
    included: 50e6,
    perMillion: 1.0,
    source: SOURCES.durableObjects,
    note: "each setAlarm() is a row; allowance and rate match D1's, and rows are counted here as D1 counts them (an index adds a row)",
  },
  d1Rows: {
    name: "D1 rows written",
    unit: "rows",
    included: 50e6,
    perMillion: 1.0,
    source: SOURCES.d1,
    note: "INSERT, UPDATE, DELETE; an index adds a row when a write includes its column",
  },
  r2Storage: { name: "R2 storage (Standard)", unit: "GB-month", included: 10, perGBMonth: 0.015, source: SOURCES.r2, note: "egress free" },
};

/** Metered dimensions, in the order the tables show them. */
const METERS = ["cpuMs", "requests", "queueOps", "r2ClassA", "r2ClassB", "doRequests", "doRows", "d1Rows"];

// ---- what one job does -------------------------------------------------------

const MiB = 1024 * 1024;
/** src/files/r2-writer.ts: PART_BYTES, the parts a staged source is uploaded in; MIN_PART_BYTES, an output's. */
const STAGING_PART = 8 * MiB;
const OUTPUT_PART = 5 * MiB;
/** src/files/fetch-source.ts HEAD_BYTES: a file no larger is never read again to walk its structure or parse it. */
const HEAD_BYTES = 256 * 1024;
/** The default model (`print`, scripts/provision-model.mjs): 27 stages, each a graph and its weights. */
const MODEL_FILES = 54;

/** R2StreamWriter.close: one PutObject under a part, else create + parts + complete. */
const writerOps = (bytes, part) => (bytes < part ? 1 : 2 + Math.ceil(bytes / part));

/**
 * The PNG an output of `pixels` (RGBA) can at most be: src/imaging/deflate-rle.ts
 * stores a block whose coding would be larger, so the file stays within the
 * raw rows (a filter byte each) plus block headers and chunk overhead.
 */
const pngBound = (width, height, channels = 4) => {
  const raw = (width * channels + 1) * height;
  return raw + 5 * Math.ceil(raw / 65535) + 1024;
};

/**
 * Operations by block, each with where it comes from. A count is a number,
 * or [least, most] where it depends on a file size the bench did not record.
 */
const BLOCKS = {
  api: {
    what: "API request with a bearer token",
    requests: 1,
    doRequests: 1,
    from: "src/middleware/auth.ts authenticateAccount → AccountWallet.admit (rate limit, in memory: no rows)",
  },
  debit: {
    what: "charge (tokens put on hold)",
    doRequests: 1,
    doRows: 9,
    d1Rows: 4,
    from: "src/wallet/wallet.ts chargeForJob → AccountWallet.debit: ledger row + UNIQUE key + unmirrored index (3), hold row + key + open-holds index (3), setAlarm (1), mirrored flag (2); src/wallet/mirror.ts mirrorEntries: wallet_transactions row + 3 indexes (4)",
  },
  insertJob: { what: "job row", d1Rows: 4, from: "src/jobs/store.ts insertJob: row, primary key, jobs_account_created, jobs_unfinished" },
  message: {
    what: "queue message",
    queueOps: 3,
    from: "src/jobs/create-job.ts enqueue and src/jobs/consumer.ts runJob (next step): queueFor(…).send, ~150 bytes (write, read, delete)",
  },
  markQueued: { what: "job queued", d1Rows: 2, from: "src/jobs/store.ts markQueued: row + jobs_unfinished (status, updated_at)" },
  delivery: {
    what: "queue delivery (consumer invocation)",
    requests: 1,
    doRequests: 1,
    d1Rows: 2,
    from: "src/jobs/consumer.ts runJob (max_batch_size 1: one invocation per message): holdOf → AccountWallet.holdOf, markRunning (row + jobs_unfinished)",
  },
  settle: (entries) => ({
    what: entries === 1 ? "settle (capture)" : "settle (capture + refund of the rest)",
    doRequests: 1,
    doRows: 5 * entries + 3,
    d1Rows: 4 * entries + 5,
    from: `src/jobs/settle.ts completeJob: updateJob (2); settleJob → AccountWallet.settle: ${entries === 1 ? "a ledger entry (3)" : "2 ledger entries (3 each)"}, hold (2), setAlarm (1), mirrored flag (2 ${entries === 1 ? "" : "each"}), mirrorEntries (4${entries === 1 ? "" : " each"}); markCompleted: row + jobs_unfinished + jobs_account_completed (3)`.replace(" )", ")"),
  }),
  alarms: {
    what: "wallet alarms",
    doRequests: 2,
    doRows: 1,
    from: "src/wallet/account-wallet.ts afterMovement sets an alarm 5 s on after each movement; alarm → sweep → scheduleAlarm sets the hold's deadline (1 row) after the debit, deletes it after the settle; at most 2 invocations a job (fewer when the account's jobs overlap)",
  },
  getJob: { what: "GET of the finished job", requests: 1, doRequests: 1, from: "src/routes/{bg-remove,stickers,ai-jobs}.ts GET …/{jobId}, authenticated as above; D1 reads only" },
  download: { what: "download of an output", requests: 1, r2ClassB: 1, from: "src/routes/files.ts GET /v1/files/* → FILES.get" },
  stageRemote: (bytes) => ({
    what: "source fetched and staged in R2",
    r2ClassA: writerOps(bytes, STAGING_PART),
    from: "src/files/fetch-source.ts stageSource → R2StreamWriter (one PutObject under 8 MiB, else create + 8 MiB parts + complete)",
  }),
  decode: {
    what: "a decode of the staged file",
    r2ClassB: 2,
    from: "src/imaging/open-raster.ts openRaster: sniffRaster (ranged GET of 32 bytes) + one streamed GET (jpeg-bands.ts Pass.open, png-bands.ts openPngRaster; an EXIF-rotated JPEG reads once per pass)",
  },
  guide: { what: "guide stored", r2ClassA: 1, from: "src/bg-removal/guide.ts prepareGuide → putWork(guide)" },
  modelInput: { what: "model input stored", r2ClassA: 1, r2ClassB: 1, from: "src/bg-removal/guide.ts putModelInput: readModelManifest (GET), putWork(input)" },
  segment: {
    what: "segment step",
    r2ClassA: 1,
    r2ClassB: 2 + MODEL_FILES,
    from: `src/bg-removal/segment.ts segmentCutOut: getWork(input), readModelManifest, src/bg-removal/model.ts createStageSession → readModelFile (${MODEL_FILES} files: 27 stages × graph + weights), putWork(mask)`,
  },
  readBack: (mask) => ({
    what: mask ? "guide and mask read back" : "guide read back",
    r2ClassB: mask ? 2 : 1,
    from: `src/bg-removal/guide.ts readGuide${mask ? ", readMask" : ""}`,
  }),
  pngOutput: (bytes) => ({
    what: "PNG written to R2",
    r2ClassA: Array.isArray(bytes) ? bytes.map((b) => writerOps(b, OUTPUT_PART)) : writerOps(bytes, OUTPUT_PART),
    from: "src/files/r2-writer.ts R2StreamWriter with MIN_PART_BYTES (one PutObject under 5 MiB, else create + 5 MiB parts + complete)",
  }),
  deleteWork: { what: "work files deleted", r2ClassA: 1, from: "src/bg-removal/work-files.ts deleteWork: FILES.list (Class A) + delete (free)" },
  stickerFiles: { what: "SVG and PDF stored", r2ClassA: 2, from: "src/stickers/render.ts renderSticker: FILES.put(svg), FILES.put(pdf)" },
  fixSource: { what: "report's file opened", r2ClassB: 1, from: "src/ai-fix/process.ts runFixes → openR2File (HeadObject)" },
  fixPdfRead: { what: "PDF read whole (fix)", r2ClassB: 1, from: "src/ai-fix/process.ts runFixes → readAll (one GET)" },
  stagePdf: {
    what: "PDF fetched, kept whole and stored (check)",
    r2ClassA: 1,
    from: "src/files/fetch-source.ts stageSource with keepWhole (src/preflight/checks.ts runCheck): one PutObject for a PDF within MAX_PDF_BYTES, read from memory afterwards (no GET); a larger PDF streams as stageRemote and is refused",
  },
  pdfOutput: { what: "PDF written", r2ClassA: 1, from: "src/ai-fix/process.ts fixPdf → FILES.put" },
  checkRows: { what: "quota and report", d1Rows: 4, from: "src/preflight/quota.ts takePreflightQuota (upsert of the day's row: 1; 2 on the day's first check), src/preflight/checks.ts checkFile: preflight_reports row + key + index (3)" },
  structureWalk: (bytes) => ({
    what: "structure walk (check)",
    r2ClassB: bytes > HEAD_BYTES ? 1 : 0,
    from: "src/preflight/raster/analyze.ts readHeader → structure.ts scanStructure (a streamed GET past the head; 0 for a file within the 256 KiB head)",
  }),
  upload: { what: "upload stored", r2ClassA: 1, from: "src/files/uploads.ts storeUpload → putKnownLength (one PutObject; a body without Content-Length goes in 8 MiB parts)" },
};

/** What every queued job starts with (the API request that holds its tokens and queues it) and ends with (the hold's alarms, one read of the job, one download). */
const QUEUED = [BLOCKS.api, BLOCKS.debit, BLOCKS.insertJob, BLOCKS.message, BLOCKS.markQueued];
const FINISHED = [BLOCKS.alarms, BLOCKS.getJob, BLOCKS.download];

/** A job's blocks, by kind. `size` carries the file sizes a count depends on. */
const KINDS = {
  bgModel: {
    short: "Background removal",
    name: "Background removal (model): prepare → segment → composite",
    tokens: "150",
    blocks: ({ sourceBytes, outputBytes }) => [
      ...QUEUED,
      // prepare, image Worker
      BLOCKS.delivery,
      BLOCKS.stageRemote(sourceBytes),
      BLOCKS.decode,
      BLOCKS.guide,
      BLOCKS.modelInput,
      BLOCKS.message,
      // segment, model Worker
      BLOCKS.delivery,
      BLOCKS.segment,
      BLOCKS.message,
      // composite, image Worker
      BLOCKS.delivery,
      BLOCKS.readBack(true),
      BLOCKS.decode,
      BLOCKS.pngOutput(outputBytes),
      BLOCKS.deleteWork,
      BLOCKS.settle(1),
      ...FINISHED,
    ],
  },
  bgKeyed: {
    short: "Background removal, no model",
    name: "Background removal without the model (own alpha or colour key): prepare → composite",
    tokens: "150",
    // `entries`: a sticker without the model settles with a capture and a refund.
    blocks: ({ sourceBytes, outputBytes, entries = 1 }) => [
      ...QUEUED,
      BLOCKS.delivery,
      BLOCKS.stageRemote(sourceBytes),
      BLOCKS.decode,
      BLOCKS.guide,
      BLOCKS.message,
      BLOCKS.delivery,
      BLOCKS.readBack(false),
      BLOCKS.decode,
      BLOCKS.pngOutput(outputBytes),
      BLOCKS.deleteWork,
      BLOCKS.settle(entries),
      ...FINISHED,
    ],
  },
  stickerModel: {
    short: "Sticker",
    name: "Sticker (model): prepare → segment → render",
    tokens: "180",
    blocks: ({ sourceBytes, outputBytes }) => [
      ...KINDS.bgModel.blocks({ sourceBytes, outputBytes }).filter((b) => b !== BLOCKS.download && b !== BLOCKS.getJob),
      BLOCKS.stickerFiles,
      BLOCKS.getJob,
      BLOCKS.download,
      BLOCKS.download,
      BLOCKS.download,
    ],
  },
  stickerOwn: {
    short: "Sticker, no model",
    name: "Sticker without the model (own alpha or colour key): prepare → render",
    tokens: "30 (180 held, 150 refunded)",
    blocks: ({ sourceBytes, outputBytes }) => [
      ...KINDS.bgKeyed.blocks({ sourceBytes, outputBytes, entries: 2 }).filter((b) => b !== BLOCKS.download && b !== BLOCKS.getJob),
      BLOCKS.stickerFiles,
      BLOCKS.getJob,
      BLOCKS.download,
      BLOCKS.download,
      BLOCKS.download,
    ],
  },
  fixRaster: {
    short: "AI fix, raster",
    name: "AI fix on a raster (upscale 2×/4×, remove_transparency, sharpen_edges, add_bleed): one step",
    tokens: "per fix: upscale 2× 30, 4× 50, remove_transparency 20, sharpen_edges 35, add_bleed 120",
    blocks: ({ outputBytes }) => [
      ...QUEUED,
      BLOCKS.delivery,
      BLOCKS.fixSource,
      BLOCKS.decode,
      BLOCKS.pngOutput(outputBytes),
      BLOCKS.settle(1),
      ...FINISHED,
    ],
  },
  fixPdf: {
    short: "AI fix, PDF",
    name: "AI fix add_bleed on a PDF: one step",
    tokens: "120",
    blocks: () => [
      ...QUEUED,
      BLOCKS.delivery,
      BLOCKS.fixSource,
      BLOCKS.fixPdfRead,
      BLOCKS.pdfOutput,
      BLOCKS.settle(1),
      ...FINISHED,
    ],
  },
  checkPdf: {
    short: "Check, PDF",
    name: "Preflight full check of a PDF: synchronous, in the API request",
    tokens: "0 (daily quota: 500 per account)",
    blocks: () => [BLOCKS.api, BLOCKS.stagePdf, BLOCKS.checkRows],
  },
  checkRaster: {
    short: "Check, photo",
    name: "Preflight full check of a photo: synchronous, in the API request",
    tokens: "0 (daily quota: 500 per account)",
    blocks: ({ sourceBytes }) => [BLOCKS.api, BLOCKS.stageRemote(sourceBytes), BLOCKS.structureWalk(sourceBytes), BLOCKS.decode, BLOCKS.checkRows],
  },
  dpiScore: { short: "DPI score", name: "Quick DPI score: synchronous, no file", tokens: "0", blocks: () => [BLOCKS.api] },
  upload: { short: "Upload", name: "Upload of a source file", tokens: "0", blocks: () => [BLOCKS.api, BLOCKS.upload] },
};

/** Sums a job's blocks; a count is [least, most]. */
function countsOf(blocks) {
  const total = Object.fromEntries(METERS.filter((m) => m !== "cpuMs").map((m) => [m, [0, 0]]));
  for (const block of blocks) {
    for (const meter of Object.keys(total)) {
      const v = block[meter] ?? 0;
      const [lo, hi] = Array.isArray(v) ? v : [v, v];
      total[meter][0] += lo;
      total[meter][1] += hi;
    }
  }
  return total;
}

// ---- CPU: this run's, else an earlier run's ---------------------------------------

/**
 * The model step's CPU, warm: the model Worker's thread over a job in the
 * workers tests (docs/background-removal.md, *The first job after a cold
 * start*). The background-removal section measures the consumer's laps but
 * not this, so its records add it too.
 */
export const MODEL_STEP_CPU_MS = 15_300;
const BG_COVERS = `the consumer's own laps of prepare + composite (fetch, decode, matte, encode, store; wall-clock between I/O, so at most their CPU) plus the model step's ${MODEL_STEP_CPU_MS.toLocaleString("en-US")} CPU ms warm (the model Worker's thread over a job in workerd, per-thread CPU); the API request is in no figure`;
const BG_ROW = (mp, size) => `*Background removal › ${mp} MP (${size})*, API (workerd): "consumer" (run of 2026-12-07, git 8cbdec6) + *The model's time, same graph*`;
const UPSCALE_COVERS = "CPU of the whole local runtime for the job (API request, polls every 200 ms, consumer, local D1/R2/queue), median of 3 (one run at 192 MP)";
const UPSCALE_ROW = (label) => `*AI fixes › Upscale 2× and 4×*, ${label}, API (workerd) "CPU ms" (2026-12-07, git 0007b59)`;
const BLEED_COVERS = "CPU of the whole local runtime for the job (API request, polls, consumer, local D1/R2/queue)";
const BLEED_ROW = (p) => `*AI fixes › add_bleed on PDFs*, ${p} p: "workerd CPU ms" (run of 2026-11-29, git 8e92cc9)`;
const CHECK_COVERS = "CPU of the whole local runtime for the request (auth, fetch, R2 write, analysis, D1), median of 3, 10 ms ticks";
const PDF_COVERS = "CPU of the whole local runtime for the request (auth, fetch, R2 write, analysis, D1), median of 7, 10 ms ticks";
const PDF_ROW = (p) => `*Preflight › Full checks*, "PDFs re-run", ${p} p: "API ms (CPU) after", run 2 (2026-12-07, git 8b8e140)`;
const PHOTO_ROW = (label) => `*Preflight › Full checks*, "Photos re-run", ${label}: "API ms (CPU)" (2026-12-07, git 0768358)`;
const PHOTO_OLD_ROW = (label) => `*Preflight › Full checks*, photos, ${label}: "API ms (CPU)" (run of 2026-11-29, git 8e92cc9: before the PNG decoding changes of the re-run)`;

/**
 * One row per kind and size the bench measured, transcribed by hand from
 * the RESULTS.md of earlier runs: what the bill shows for a kind and size
 * the current run did not record (bench/lib/measured.mjs), and all it shows
 * when run alone. `key` is the size a section's record replaces. `size`
 * holds what the counts depend on: the staged source's bytes, the output's
 * (a number, or [least, most] when the bench did not record it), and what
 * a month keeps in R2 per job (`keptBytes`, a number or [0, most]).
 */
export const TRANSCRIBED = [
  ...[
    [1, 1224, 816],
    [5, 2738, 1826],
    [12, 4242, 2828],
    [25, 6123, 4082],
  ].map(([mp, w, h], i) => {
    const bound = pngBound(w, h);
    return {
      kind: "bgModel",
      key: `${mp} MP`,
      label: `${mp} MP JPEG (${w}×${h}), \`auto\``,
      cpuMs: [780, 1458, 2216, 3473][i] + MODEL_STEP_CPU_MS,
      covers: BG_COVERS,
      row: BG_ROW(mp, `${w}×${h}`),
      // The bench's JPEGs (q90) are under 8 MiB: a 25 MP one with film grain is 6.0 MB (Memory per job kind).
      size: { sourceBytes: 0, outputBytes: [0, bound], keptBytes: [0, bound] },
    };
  }),
  ...[
    ["1 MP 2× → 4.0 MP", 520, 2.7],
    ["1 MP 4× → 16 MP", 1280, 8.0],
    ["4 MP 2× → 16 MP", 1770, 7.5],
    ["4 MP 4× → 64 MP", 4670, 22.6],
    ["12 MP 2× → 48 MP", 3520, 15.6],
    ["12 MP 4× → 192 MP", 10280, 48.1],
  ].map(([label, cpuMs, outMiB]) => ({
    kind: "fixRaster",
    key: label.split(" →")[0],
    label: `upscale ${label} (PNG ${outMiB.toFixed(1)} MiB)`,
    cpuMs,
    covers: UPSCALE_COVERS,
    row: UPSCALE_ROW(label),
    tokens: label.includes("4×") ? "50" : "30",
    size: { outputBytes: outMiB * MiB, keptBytes: outMiB * MiB },
  })),
  ...[
    [1, 70, 0.1],
    [10, 80, 0.5],
    [50, 160, 2.5],
    [200, 570, 9.9],
  ].map(([pages, cpuMs, mib]) => ({
    kind: "fixPdf",
    key: `${pages} p`,
    label: `add_bleed, ${pages}-page PDF (${mib} MiB)`,
    cpuMs,
    covers: BLEED_COVERS,
    row: BLEED_ROW(pages),
    size: { sourceBytes: mib * MiB, keptBytes: mib * MiB },
  })),
  ...[
    [1, 20, 0.1],
    [10, 40, 0.5],
    [50, 70, 2.5],
    [200, 210, 9.9],
  ].map(([pages, cpuMs, mib]) => ({
    kind: "checkPdf",
    key: `${pages} p`,
    label: `${pages}-page PDF (${mib} MiB)`,
    cpuMs,
    covers: PDF_COVERS,
    row: PDF_ROW(pages),
    size: { sourceBytes: mib * MiB, keptBytes: mib * MiB },
  })),
  ...[
    ["1 MP JPEG (1224×816, 0.2 MiB)", 110, 0.2, PHOTO_ROW],
    ["1 MP PNG (1224×816, 0.9 MiB)", 140, 0.9, PHOTO_ROW],
    ["4 MP JPEG (2449×1633, 0.4 MiB)", 210, 0.4, PHOTO_OLD_ROW],
    ["4 MP PNG (2449×1633, 2.7 MiB)", 730, 2.7, PHOTO_OLD_ROW],
    ["12 MP JPEG (4242×2828, 0.9 MiB)", 250, 0.9, PHOTO_ROW],
    ["12 MP PNG (4242×2828, 6.2 MiB)", 610, 6.2, PHOTO_ROW],
  ].map(([label, cpuMs, mib, row]) => ({
    kind: "checkRaster",
    key: label.split(" (")[0],
    label,
    cpuMs,
    covers: CHECK_COVERS,
    row: row(label.split(" (")[0]),
    size: { sourceBytes: mib * MiB, keptBytes: mib * MiB },
  })),
  {
    kind: "dpiScore",
    key: "under load",
    label: "50 clients at once",
    cpuMs: 2.1,
    covers: "CPU of the whole local runtime per request (auth, the account from D1, the rate limit in its Durable Object, validation)",
    row: '*Preflight › Quick DPI score under load*, 50 clients: "workerd CPU ms/request" (run of 2026-11-29)',
    size: {},
  },
  {
    kind: "dpiScore",
    key: "alone",
    label: "one client",
    cpuMs: 3.4,
    covers: "as above, one request at a time",
    row: '*Preflight › Quick DPI score under load*, 1 client: "workerd CPU ms/request" (run of 2026-11-29)',
    size: {},
  },
];

/** Kinds with counts but no CPU figure anywhere in bench/RESULTS.md. */
const UNMEASURED = [
  ["bgKeyed", "no run: the bench's photos go through the model (`auto`)"],
  ["stickerModel", "*Memory per job kind › Stickers* records seconds held and memory, not CPU"],
  ["stickerOwn", "as above"],
  ["fixRaster", "remove_transparency, sharpen_edges and a raster add_bleed: not run by the bench"],
  ["upload", "not run by the bench"],
];

/**
 * The bill's CPU rows: each transcribed kind and size, replaced by what
 * this run recorded for it (`measured`); a size the run recorded that no
 * earlier run had follows its kind's last row. A size recorded twice (a
 * section run twice) counts as its last record.
 */
export function cpuRows(recorded = recordedCpu()) {
  const id = (r) => `${r.kind}\n${r.key}`;
  const latest = new Map(recorded.map((r) => [id(r), r]));
  for (const r of latest.values()) if (!KINDS[r.kind]) throw new Error(`recorded CPU of an unknown job kind ${r.kind}`);
  const rows = TRANSCRIBED.map((t) => (latest.has(id(t)) ? { ...latest.get(id(t)), measured: true } : { ...t, measured: false }));
  for (const r of latest.values()) {
    if (TRANSCRIBED.some((t) => id(t) === id(r))) continue;
    const last = rows.findLastIndex((x) => x.kind === r.kind);
    rows.splice(last < 0 ? rows.length : last + 1, 0, { ...r, measured: true });
  }
  return rows;
}

// ---- the bill ----------------------------------------------------------------

const range = ([lo, hi], f = String) => (lo === hi ? f(lo) : `${f(lo)}–${f(hi)}`);
const money = (x) => {
  if (x === 0) return "0";
  if (x < 0.01) return x.toPrecision(2);
  if (x < 1) return x.toFixed(3);
  return x.toFixed(2);
};
const moneyRange = (r) => range(r, money);
const usageOf = (row) => ({ cpuMs: [row.cpuMs, row.cpuMs], ...countsOf(KINDS[row.kind].blocks(row.size)) });
const addRange = (a, b) => [a[0] + b[0], a[1] + b[1]];

/** Cost of `jobs` jobs beyond every allowance (the marginal price), per meter, as [least, most]. */
function marginal(usage, jobs) {
  return Object.fromEntries(METERS.map((m) => [m, usage[m].map((u) => (u * jobs * PRICES[m].perMillion) / 1e6)]));
}

/** A month of `jobs` such jobs alone: the plan, then what each meter uses beyond its allowance. */
function monthly(usage, jobs) {
  const beyond = METERS.map((m) => usage[m].map((u) => (Math.max(0, u * jobs - PRICES[m].included) * PRICES[m].perMillion) / 1e6));
  const extra = beyond.reduce(addRange, [0, 0]);
  return { extra, total: extra.map((x) => x + PRICES.plan.perMonth) };
}

const storageCost = (bytes, jobs) => ((Array.isArray(bytes) ? bytes : [bytes, bytes]).map((b) => (b * jobs) / 1e9 * PRICES.r2Storage.perGBMonth));

function pricesTable() {
  const rows = [
    { what: "Workers Paid plan", included: "–", price: "$5 a month (minimum)", counts: PRICES.plan.note, source: PRICES.plan.source },
    ...[...METERS, "r2Storage"].map((m) => {
      const p = PRICES[m];
      return {
        what: p.name,
        included: `${p.included.toLocaleString("en-US")} ${p.unit}`,
        price: p.perGBMonth ? `$${p.perGBMonth} per GB-month` : `$${p.perMillion.toFixed(2)} per million`,
        counts: p.note ?? "",
        source: m === "requests" ? `${p.source}, ${SOURCES.consumers}` : p.source,
      };
    }),
  ];
  return table(rows, { what: "what", included: "included per month", price: "beyond that", counts: "what counts", source: "source" });
}

/** A source between the 256 KiB head and 8 MiB, outputs under 5 MiB: what the count tables show. */
const TYPICAL = { sourceBytes: 1 * MiB, outputBytes: 1 * MiB };

function blocksTable() {
  const b = BLOCKS;
  const shown = [
    b.api, b.debit, b.insertJob, b.message, b.markQueued, b.delivery, b.settle(1), b.settle(2), b.alarms, b.getJob, b.download,
    b.stageRemote(TYPICAL.sourceBytes), b.decode, b.guide, b.modelInput, b.segment, b.readBack(true), b.readBack(false),
    b.pngOutput(TYPICAL.outputBytes), b.deleteWork, b.stickerFiles, b.fixSource, b.fixPdfRead, b.pdfOutput,
    b.stagePdf, b.structureWalk(TYPICAL.sourceBytes), b.checkRows, b.upload,
  ];
  const rows = shown.map(blockRow);
  return table(rows, {
    what: "block",
    requests: "Worker requests",
    queueOps: "Queue ops",
    r2ClassA: "R2 A",
    r2ClassB: "R2 B",
    doRequests: "DO requests",
    doRows: "DO rows",
    d1Rows: "D1 rows",
    from: "where (file: function)",
  });
}

function blockRow(block) {
  const cell = (v) => (v === undefined ? "" : Array.isArray(v) ? range(v) : String(v));
  return {
    what: block.what,
    requests: cell(block.requests),
    queueOps: cell(block.queueOps),
    r2ClassA: cell(block.r2ClassA),
    r2ClassB: cell(block.r2ClassB),
    doRequests: cell(block.doRequests),
    doRows: cell(block.doRows),
    d1Rows: cell(block.d1Rows),
    from: block.from,
  };
}

/** Per kind, for TYPICAL files; the notes say what larger or smaller ones change. */
function kindsTable() {
  const rows = Object.values(KINDS).map((kind) => {
    const c = countsOf(kind.blocks(TYPICAL));
    return {
      kind: kind.name,
      requests: range(c.requests),
      queueOps: range(c.queueOps),
      r2ClassA: range(c.r2ClassA),
      r2ClassB: range(c.r2ClassB),
      doRequests: range(c.doRequests),
      doRows: range(c.doRows),
      d1Rows: range(c.d1Rows),
      tokens: kind.tokens,
    };
  });
  return table(rows, {
    kind: "job (steps)",
    requests: "Worker requests",
    queueOps: "Queue ops",
    r2ClassA: "R2 Class A",
    r2ClassB: "R2 Class B",
    doRequests: "DO requests",
    doRows: "DO rows written",
    d1Rows: "D1 rows written",
    tokens: "tokens (src/pricing/prices.ts)",
  });
}

/** Where a row's CPU figure comes from, in the tables after the CPU table. */
const cpuCell = (r) => (r.measured ? `${r.cpuMs} ms` : `${r.cpuMs} ms (earlier run)`);

function cpuTable(cpu) {
  const rows = cpu.map((r) => ({
    job: KINDS[r.kind].short,
    size: r.label,
    cpu: String(r.cpuMs),
    covers: r.covers,
    when: r.measured ? "this run" : "**an earlier run, transcribed**",
    row: r.row,
  }));
  for (const [kind, why] of UNMEASURED) rows.push({ job: KINDS[kind].short, size: "–", cpu: "not measured", covers: why, when: "–", row: "–" });
  return table(rows, { job: "job", size: "size", cpu: "CPU ms per job", covers: "what the figure covers", when: "measured in", row: "where (section › table, column)" });
}

function billTable(cpu, jobs) {
  const rows = cpu.map((r) => {
    const usage = usageOf(r);
    const cost = marginal(usage, jobs);
    const total = METERS.map((m) => cost[m]).reduce(addRange, [0, 0]);
    const rowsWritten = addRange(cost.doRows, cost.d1Rows);
    return {
      job: KINDS[r.kind].short,
      size: r.label,
      cpu: `${cpuCell(r)}: ${money(cost.cpuMs[0])}`,
      requests: `${range(usage.requests)}: ${moneyRange(cost.requests)}`,
      queue: `${range(usage.queueOps)}: ${moneyRange(cost.queueOps)}`,
      a: `${range(usage.r2ClassA)}: ${moneyRange(cost.r2ClassA)}`,
      b: `${range(usage.r2ClassB)}: ${moneyRange(cost.r2ClassB)}`,
      dos: `${range(usage.doRequests)}: ${moneyRange(cost.doRequests)}`,
      rows: `${range(usage.doRows)} + ${range(usage.d1Rows)}: ${moneyRange(rowsWritten)}`,
      total: `**${moneyRange(total)}**`,
      tokens: r.tokens ?? KINDS[r.kind].tokens,
      storage: Array.isArray(r.size.keptBytes) ? `≤ ${money(storageCost(r.size.keptBytes, jobs)[1])}` : r.size.keptBytes ? money(storageCost(r.size.keptBytes, jobs)[0]) : "–",
    };
  });
  return table(rows, {
    job: "job",
    size: "size",
    cpu: "CPU",
    requests: "Worker requests",
    queue: "Queue ops",
    a: "R2 Class A",
    b: "R2 Class B",
    dos: "DO requests",
    rows: "rows written (DO + D1)",
    total: `total $ per ${jobs.toLocaleString("en-US")} jobs`,
    tokens: "tokens per job",
    storage: "R2 storage of what it keeps, $ per month",
  });
}

function monthTable(cpu, jobs) {
  const rows = cpu.map((r) => {
    const usage = usageOf(r);
    const { extra, total } = monthly(usage, jobs);
    const cpuBeyond = Math.max(0, r.cpuMs * jobs - PRICES.cpuMs.included);
    return {
      job: KINDS[r.kind].short,
      size: r.label,
      cpu: `${((r.cpuMs * jobs) / 1e6).toFixed(1)} M (${(cpuBeyond / 1e6).toFixed(1)} M beyond)`,
      extra: moneyRange(extra),
      total: `**${moneyRange(total)}**`,
      perJob: moneyRange(total.map((t) => t / jobs)),
      storage: Array.isArray(r.size.keptBytes)
        ? `≤ ${money(Math.max(0, storageCost(r.size.keptBytes, jobs)[1] - PRICES.r2Storage.included * PRICES.r2Storage.perGBMonth))}`
        : r.size.keptBytes
          ? money(Math.max(0, storageCost(r.size.keptBytes, jobs)[0] - PRICES.r2Storage.included * PRICES.r2Storage.perGBMonth))
          : "–",
    };
  });
  return table(rows, {
    job: "job",
    size: "size",
    cpu: "CPU ms in the month",
    extra: "beyond the allowances, $",
    total: "month's bill with the $5 plan, $",
    perJob: "$ per job",
    storage: "R2 storage of a month's files kept a month, beyond 10 GB, $",
  });
}

/** The section's closing paragraph, its figures taken from the tables. */
function reading(cpu, jobs, monthJobs) {
  const row = (kind, key) => cpu.find((r) => r.kind === kind && r.key === key);
  const costs = (r) => marginal(usageOf(r), jobs);
  const total = (c) => METERS.map((m) => c[m]).reduce(addRange, [0, 0])[1];
  const big = row("fixRaster", "12 MP 4×");
  const bigCost = costs(big);
  const queued = cpu.filter((r) => ["bgModel", "fixRaster", "fixPdf"].includes(r.kind)).map((r) => {
    const u = usageOf(r);
    return u.doRows[1] + u.d1Rows[1];
  });
  const rowsCost = (n) => money((n * jobs * PRICES.d1Rows.perMillion) / 1e6);
  const small = row("fixRaster", "1 MP 2×");
  const n = (x) => x.toLocaleString("en-US");
  const over = METERS.filter((m) => m !== "cpuMs" && cpu.some((r) => usageOf(r)[m][1] * monthJobs > PRICES[m].included));
  return `**Reading.** Beyond the allowances, CPU is most of a large job's bill
(a 12 MP 4× upscale: $${money(bigCost.cpuMs[1])} of CPU in $${money(total(bigCost))} per ${n(jobs)} jobs) and
rows written most of a small one's: a queued job writes ${Math.min(...queued)}–${Math.max(...queued)} rows between
the wallet's Durable Object (ledger, hold, alarms) and D1 (the job row
and its status moves, the ledger's mirror), $${rowsCost(Math.min(...queued))}–${rowsCost(Math.max(...queued))} per ${n(jobs)} jobs,
more than the CPU of a 1 MP upscale ($${money(costs(small).cpuMs[1])}) or of any check. What a job
leaves in R2 can cost more than the job for each month it is kept (a 12 MP
4× upscale's ${(big.size.keptBytes / MiB).toFixed(1)} MiB: $${money(storageCost(big.size.keptBytes, jobs)[0])} a month per ${n(jobs)} jobs). At ${n(monthJobs)}
jobs a month of one kind, ${over.length ? `CPU and ${over.map((m) => PRICES[m].name).join(", ")} go beyond the allowances` : "every count but CPU stays within the\nallowances"}, and CPU goes beyond them from ${n(PRICES.cpuMs.included / monthJobs)} ms per job, so such a
shop pays the $5 plan plus at most $${money(Math.max(...cpu.map((r) => monthly(usageOf(r), monthJobs).extra[1])))} (before
storage). Tokens have no currency in the
API (src/pricing/prices.ts), so they stand beside the cost, not converted.
`;
}

/** The section; `recorded` is what the sections of this run measured (none when the bill runs alone). */
export function render({ jobs = 1000, monthJobs = 10_000, recorded = recordedCpu() } = {}) {
  const cpu = cpuRows(recorded);
  const measured = cpu.filter((r) => r.measured).length;
  const bg = cpu.filter((r) => r.kind === "bgModel");
  const bgOutputKnown = bg.filter((r) => typeof r.size.outputBytes === "number").length;
  // Whether this run's records carry every background removal's PNG size, some of them, or none.
  const bgOutput = bgOutputKnown === bg.length ? "all" : bgOutputKnown ? "some" : "none";
  const bgOutputText = {
    all: "A sticker's PNG size was not recorded by the bench",
    some: "A sticker's PNG size was not recorded by the bench, nor a background removal's where its CPU figure is from an earlier run",
    none: "A background removal's or a sticker's PNG size was not recorded by the bench",
  }[bgOutput];
  const bgStorageText = {
    all: "its R2 Class A and storage are those of the PNG this run downloaded",
    some: "its R2 Class A and storage are those of the PNG this run downloaded, or span the unrecorded PNG size where its figure is from an earlier run",
    none: "its R2 Class A and storage span the unrecorded PNG size",
  }[bgOutput];
  return `## CPU bill per job (prices read ${PRICES_READ}; \`bench/bill.mjs\`)

What each job kind costs on Cloudflare's Workers Paid plan (Standard usage
model), so that a shop can set it beside what it pays per image elsewhere.
Written by bench/bill.mjs, the last section of \`bench/run.mjs\`, which holds
the prices below (with their source and the date they were read) and the
billable operations one job makes (counted from the code paths, each with
its file and function), and takes the CPU milliseconds from the sections
above: each records what it measured as it runs, so the figures are this
run's. A kind or size this run did not measure (its section was not run,
or its job failed) keeps the figure transcribed from an earlier run's
RESULTS.md, marked so in the CPU table with the row it comes from;
\`node bench/bill.mjs\` alone prints every figure so. No CPU figure is
estimated: a kind or size without a measure says so.

**Prices** (Cloudflare's published prices for the Workers Paid plan, read on
${PRICES_READ} from a stored copy of Cloudflare's documentation source;
USD, usage rounded up to the next billing unit per month):

${pricesTable()}

Durable Object duration ($12.50 per million GB-s beyond 400,000 GB-s, billed
at 128 MB while an object is active) and D1 or Durable Object rows read
($0.001 per million beyond 25 billion) are not in the tables: the wallet
object's active time per job was not measured, and 1 s of it per job would
be 0.125 GB-s, $0.0016 per 1,000 jobs beyond the allowance; rows read stay
far inside 25 billion a month. Storage of rows is left out too: Durable
Object SQLite storage ($0.20 per GB-month beyond 5 GB, billed since January
2026) and D1 storage ($0.75 per GB-month beyond 5 GB) hold a few rows per
job (the ledger, the hold, the job row with its result).

**What one job makes.** A job as a client runs it: the API request, every
queue delivery (each a consumer invocation, which Cloudflare bills as a
request with its CPU time), one GET of the finished job and one download of
each output (a client polling more often adds a request and a Durable
Object request per poll, $0.45 per million polls; a webhook instead of
polls is below). The two count tables are for a source of 256 KiB to 8 MiB
fetched by URL (as the bench sends them) and outputs under 5 MiB; the bill
counts each size's own. By block, then by kind:

${blocksTable()}

${kindsTable()}

- **An AI fix starts from a check**: its source is the file the check
  stored with its report, so a fix's bill adds to its check's (the check is
  its own row). Approving a fix (POST …/approve) runs a check of the
  corrected file, which copies it to the new report's key.
- **Larger files.** A source of 8 MiB or more is staged in 8 MiB parts:
  2 + ⌈size / 8 MiB⌉ Class A instead of 1. An output PNG of 5 MiB or more
  goes up in 5 MiB parts: 2 + ⌈size / 5 MiB⌉.
  ${bgOutputText}: the bill gives the range from one PutObject to the most
  the PNG can be (the raw RGBA rows, since the encoder stores a block that
  would not shrink).
- **An upload as the source** (POST /v1/services/uploads first, its signed
  link as \`image_url\` / \`fileUrl\`): the upload is 1 request, 1 Durable
  Object request and 1 Class A; the job then opens it with one ranged GET
  (Class B) instead of staging it (no Class A), and a check copies it to the
  report's key once analysed (src/files/copy.ts copyObject: 1 Class B + 1
  Class A). The sweeper deletes uploads after UPLOAD_RETENTION_DAYS (free).
- **Webhooks**, per subscribed endpoint and event (src/webhooks/outbox.ts
  queueDelivery, deliver.ts attemptDelivery): a delivery row (4 D1 rows), one
  message (3 Queue operations), at most one consumer invocation (the
  webhook queue delivers up to 10 messages a batch), and 3 D1 rows when
  delivered (the job's body stored at the first attempt, the status: 2 for a
  check's event, whose body is stored with the row); no CPU measured.
- **An Idempotency-Key header** on a create adds 2 Durable Object requests
  (beginRequest, finishRequest) and 7 rows over the key's day (the log's
  row with its key and index, its answer, its deletion:
  src/middleware/idempotency.ts, src/wallet/request-log.ts).
- **Wallet alarms**: counted at their most; when one account's jobs
  overlap, alarms set within 5 s of each other fire once. deleteAlarm is not
  counted as a row (the pricing names setAlarm only).
- **Fixed, not per job**: the sweeper's cron every 5 minutes (8,640
  invocations a month, each listing \`uploads/\` and \`work/\` in R2: Class
  A), and the $5 plan.
- Retries add a queue read, a delivery and its work; failed jobs are
  refunded, and their R2 and D1 writes are what they got to.

**CPU per job**: ${measured} of ${cpu.length} figures from the sections of this run, ${cpu.length - measured}
transcribed from an earlier run. Every figure was taken in the local
runtime (workerd) on cores shared with other work (2 for the earlier runs;
this run's machine is at the top of RESULTS.md): the runtime process's CPU
covers both Workers, the Durable Object and the local D1, R2 and queue
simulations, so it is more than the Workers' own CPU time that Cloudflare
bills; Cloudflare's CPUs are not these. Read them as upper bounds on the
machine they ran on.

${cpuTable(cpu)}

**${jobs.toLocaleString("en-US")} jobs beyond the included allowances** (the marginal price: each
cell is count per job: $ for ${jobs.toLocaleString("en-US")} jobs; "rows written" is Durable Object
SQLite rows + D1 rows; "earlier run" marks a transcribed CPU figure).
Background removal's CPU is its consumer's prepare and composite plus the
model step, and ${bgStorageText}; storage is what ${jobs.toLocaleString("en-US")} jobs leave in
R2 (outputs, or a check's file kept with its report; nothing deletes them)
for each month it is kept:

${billTable(cpu, jobs)}

**A shop doing ${monthJobs.toLocaleString("en-US")} such jobs a month** (that kind and size alone,
the month's allowances applied, the $5 plan included; storage apart):

${monthTable(cpu, monthJobs)}

${reading(cpu, jobs, monthJobs)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf("--jobs");
  const monthJobs = at > 0 ? Number(process.argv[at + 1]) : 10_000;
  process.stdout.write(render({ monthJobs }));
}
