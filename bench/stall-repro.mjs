#!/usr/bin/env node
// The smallest sequence of the preflight bench that once left a check of a
// catalogue PDF without an answer: a server started as the bench starts it,
// the DPI score under load, then full checks of the catalogue PDFs. Each
// check has a deadline; one that misses it is a stall, and the run says
// what the server still answered at that moment.
//
//   node bench/stall-repro.mjs [--pages 1,10,50,200] [--runs 3] [--timeout 60] [--rounds N]
//       [--no-keepalive] [--keep-inspection] [--no-load] [--tools] [--bg-before]
//       [--gap-sweep from,to,step [--gap-file pages] [--gap-async]]
//
// Exits 1 when a check stalled. The switches take one suspect away or add
// one part of the full bench back: load clients on fresh connections,
// wrangler's Network inspection left on, no load at all, the bench's own
// poppler/identify runs between checks, background removals first.
//
// The stall was the local workerd wedged in a GC (scripts/workerd-with-v8-flags.sh):
// scripts/dev.mjs now gives it --single-threaded-gc. PRINTCART_WORKERD_V8_FLAGS
// replaces that list: "" runs workerd as before (the wedge is then rare and
// timing-dependent), and "--stress-concurrent-allocation" (which the default
// flag turns off) wedges it within seconds of start, so the server never
// gets ready: that is the same deadlock on demand.
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { checkBody } from "./preflight/api.mjs";
import { benchPdf, printFilesDir, tinyPng } from "./preflight/files.mjs";
import { loadTest } from "./preflight/load.mjs";
import { IDENTIFY_COMMANDS, POPPLER_COMMANDS, timeCommands } from "./preflight/tools.mjs";
import { processCpuMs } from "./lib/cpu.mjs";
import { stopNetworkInspection } from "./lib/inspector.mjs";
import { withBenchContext } from "./lib/api-server.mjs";
import { api, demoToken, freePort, startApi } from "./lib/servers.mjs";

const { values: opts } = parseArgs({
  options: {
    pages: { type: "string", default: "1,10,50,200" },
    runs: { type: "string", default: "3" },
    timeout: { type: "string", default: "60" },
    clients: { type: "string", default: "50" },
    seconds: { type: "string", default: "10" },
    "no-keepalive": { type: "boolean", default: false },
    "keep-inspection": { type: "boolean", default: false },
    "no-load": { type: "boolean", default: false },
    rounds: { type: "string", default: "1" },
    // Runs poppler and identify between checks as the preflight bench does: the bench process is blocked meanwhile.
    tools: { type: "boolean", default: false },
    // from,to,step in ms: checks of one PDF (--gap-file pages) with the bench process blocked that long
    // before each (or only waiting, --gap-async): idle pooled connections time out after about 5 s.
    "gap-sweep": { type: "string" },
    "gap-file": { type: "string", default: "1" },
    "gap-async": { type: "boolean", default: false },
    // Background removals of a 1 MP photo on a server of their own first, as the bench's section before preflight.
    "bg-before": { type: "boolean", default: false },
  },
});
const timeoutMs = Number(opts.timeout) * 1000;
const pdfs = opts.pages.split(",").map(Number).map((n) => benchPdf(n));
const tiny = tinyPng();
const vars = { RATE_LIMIT_PER_MINUTE: "100000000", PREFLIGHT_CHECKS_PER_DAY: "1000000" };
const DPI_BODY = { widthPx: 4000, heightPx: 3000, canvasWidthInches: 30, canvasHeightInches: 20, productType: "photo_on_canvas" };
const t0 = performance.now();
const log = (m) => console.log(`[${((performance.now() - t0) / 1000).toFixed(1)}s] ${m}`);

async function probe(base, what) {
  const started = performance.now();
  try {
    const res = await api(base, "/v1/health", { timeoutMs: 5000 });
    return `${what} /v1/health ${res.status} in ${Math.round(performance.now() - started)} ms`;
  } catch (e) {
    return `${what} /v1/health: ${e.message}`;
  }
}

let stalls = 0;
if (opts["bg-before"]) {
  const { benchImages } = await import("./bg-removal.mjs");
  const { measureApi } = await import("./bg-removal/api.mjs");
  const images = benchImages([1]);
  const imagesDir = path.dirname(images[0].file);
  const result = await measureApi({ images, warmup: images[0].file, runs: 3, imagesDir, outDir: path.join(imagesDir, "..", "stall-outputs") });
  log(`background removal first: ${JSON.stringify(result.results.map((r) => r.medianMs))}`);
}
await withBenchContext({ name: "stall", filesDir: printFilesDir, vars }, async ({ files, stateDir, projectDir }) => {
  const inspectorPort = await freePort();
  const server = await startApi({ port: await freePort(), stateDir, vars, projectDir, inspectorPort });
  try {
    if (!opts["keep-inspection"]) await stopNetworkInspection(inspectorPort);
    const base = server.base;
    const pid = server.workerdPid();
    const token = await demoToken(base);
    const url = (file) => `${files.base}/${path.basename(file)}`;
    log(`server ${base}, runtime pid ${pid}, load ${os.loadavg()[0].toFixed(1)}`);

    const check = async (file, kind) => {
      const started = performance.now();
      const cpu = processCpuMs(pid);
      try {
        const res = await api(base, "/v1/services/preflight/checks", { token, body: checkBody(url(file), kind), timeoutMs });
        log(`check ${path.basename(file)}: ${res.status} in ${Math.round(performance.now() - started)} ms (runtime CPU ${Math.round(processCpuMs(pid) - cpu)} ms)`);
      } catch (e) {
        stalls++;
        log(`STALL check ${path.basename(file)}: ${e.message} (runtime CPU meanwhile ${Math.round(processCpuMs(pid) - cpu)} ms)`);
        log(await probe(base, "after the stall:"));
      }
    };

    await check(pdfs[0].file, "pdf");
    await check(tiny, "raster");

    if (opts["gap-sweep"]) {
      const [from, to, step] = opts["gap-sweep"].split(",").map(Number);
      const file = benchPdf(Number(opts["gap-file"])).file;
      for (let gap = from; gap <= to; gap += step) {
        if (opts["gap-async"]) await new Promise((r) => setTimeout(r, gap));
        else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, gap);
        log(`gap ${gap} ms`);
        await check(file, "pdf");
      }
    }

    for (let round = 1; round <= Number(opts.rounds); round++) {
    log(`round ${round}, load ${os.loadavg()[0].toFixed(1)}`);
    if (!opts["no-load"]) {
      const auth = { authorization: `Bearer ${token}` };
      const load = { clients: Number(opts.clients), method: "POST", headers: auth, body: DPI_BODY, keepAlive: !opts["no-keepalive"] };
      const dpiUrl = `${base}/v1/services/preflight/dpi-score`;
      log(`dpi warm-up: ${JSON.stringify(await loadTest(dpiUrl, { ...load, seconds: 2 }))}`);
      log(`dpi: ${JSON.stringify(await loadTest(dpiUrl, { ...load, seconds: Number(opts.seconds) }))}`);
      log(`dpi alone: ${JSON.stringify(await loadTest(dpiUrl, { ...load, clients: 1, seconds: 5 }))}`);
      log(`health: ${JSON.stringify(await loadTest(`${base}/v1/health`, { clients: load.clients, seconds: Number(opts.seconds), keepAlive: load.keepAlive }))}`);
    }

    for (let r = 0; r < 6; r++) await check(tiny, "raster");
    if (opts.tools) log(`identify: ${timeCommands(IDENTIFY_COMMANDS.format(tiny), 5).medianMs} ms`);
    for (const pdf of pdfs) {
      if (opts.tools) log(`poppler ${pdf.pages}p: ${timeCommands(POPPLER_COMMANDS(pdf.file, pdf.pages), Number(opts.runs)).medianMs} ms`);
      for (let r = 0; r < 1 + Number(opts.runs); r++) await check(pdf.file, "pdf");
    }
    }
  } finally {
    server.stop();
    await new Promise((r) => setTimeout(r, 1000));
  }
});
log(`${stalls} stalled check${stalls === 1 ? "" : "s"}`);
process.exitCode = stalls ? 1 : 0;
