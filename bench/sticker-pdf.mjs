#!/usr/bin/env node
// Peak memory of building a sticker's print PDF (src/stickers/pdf.ts) in a
// workerd isolate of its own (Miniflare), sampled from inside through the
// runtime's inspector as bench/memory.mjs samples job kinds: the image is
// deflated first and held, then only the build is measured against what
// the isolate held before it.
//
//   node bench/sticker-pdf.mjs [megapixels] [noiseBits]     e.g. node bench/sticker-pdf.mjs 16 3
import { createRequire } from "node:module";
import path from "node:path";
import { peakOf, sampleIsolate } from "./lib/isolate-memory.mjs";

const root = path.resolve(import.meta.dirname, "..");
const require = createRequire(path.join(root, "package.json"));
const { Miniflare } = require("miniflare");
const { build } = require("esbuild");

const megapixels = Number(process.argv[2] ?? 16);
const noiseBits = Number(process.argv[3] ?? 3);
const width = Math.round(Math.sqrt(megapixels * 1e6 * 1.5));
const height = Math.round((megapixels * 1e6) / width);
const MB = (bytes) => (bytes / 2 ** 20).toFixed(1);
const NAME = "sticker-pdf-bench";

const bundle = await build({ entryPoints: [path.join(root, "bench/stickers/pdf-worker.ts")], bundle: true, format: "esm", platform: "browser", conditions: ["workerd", "worker", "browser"], write: false, logLevel: "warning" });
const mf = new Miniflare({
  name: NAME,
  modules: true,
  script: bundle.outputFiles[0].text,
  compatibilityDate: "2026-04-20",
  inspectorPort: 0, // any free port; getInspectorURL() says which
});
try {
  await mf.ready;
  const inspector = await mf.getInspectorURL();
  const targets = await (await fetch(`http://${inspector.host}/json/list`)).json();
  const target = targets.find((t) => t.id === `core:user:${NAME}`);
  if (!target) throw new Error(`no inspector target; the runtime offers ${targets.map((t) => t.id).join(", ")}`);
  const sampler = await sampleIsolate(target.webSocketDebuggerUrl);

  const prepared = await (await mf.dispatchFetch(`http://bench/prepare?width=${width}&height=${height}&noiseBits=${noiseBits}`)).json();
  const compressed = prepared.rgbBytes + prepared.alphaBytes;
  sampler.collectBeforeSamples(true);
  await sampler.collectGarbage();
  await sampler.settled({ collected: true });
  const from = sampler.mark();
  const started = performance.now();
  const built = await (await mf.dispatchFetch("http://bench/build")).json();
  const buildMs = performance.now() - started;
  await sampler.settled({ collected: true });
  const { peak, rest, samples, stops } = peakOf(sampler.samples, from, undefined, { collected: true });
  await sampler.stop();
  // Timed again with the sampler gone: its stops (a heap snapshot each) stretch the measured request.
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await (await mf.dispatchFetch("http://bench/build")).json();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);

  console.log(`${width}×${height} (${(width * height / 1e6).toFixed(1)} MP), noise ${noiseBits} bits: deflated RGB ${MB(prepared.rgbBytes)} MB + alpha ${MB(prepared.alphaBytes)} MB = ${MB(compressed)} MB; PDF ${MB(built.pdfBytes)} MB`);
  console.log(`isolate before the build: ${rest.totalMB.toFixed(1)} MB (JS heap ${rest.jsHeapMB.toFixed(1)}, buffers ${rest.buffersMB.toFixed(1)})`);
  console.log(`peak during the build:    ${peak.totalMB.toFixed(1)} MB (JS heap ${peak.jsHeapMB.toFixed(1)}, buffers ${peak.buffersMB.toFixed(1)}) at "${peak.at}"; ${samples} samples, ${stops} stops`);
  console.log(`build added ${(peak.totalMB - rest.totalMB).toFixed(1)} MB = ${((peak.totalMB - rest.totalMB) / (compressed / 2 ** 20)).toFixed(2)} × the compressed image; peak = ${(peak.totalMB / (compressed / 2 ** 20)).toFixed(2)} × it`);
  console.log(`build request: ${buildMs.toFixed(0)} ms sampled, unsampled ${times.map((t) => t.toFixed(0)).join(", ")} ms (5 runs)`);
} finally {
  await mf.dispose();
}
