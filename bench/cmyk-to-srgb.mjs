#!/usr/bin/env node
// Speed and wasm memory of CMYK to sRGB (src/imaging/cmyk-to-srgb.ts) on the
// raw CMYK bands of the row-streaming decoder (src/imaging/jpeg-stream.ts), in
// Node (the same V8 as workerd).
//
// Input, made once into bench/out/cmyk-to-srgb/ (gitignored): the bench's photo
// (test/fixtures/bg/chelsea.jpg) enlarged to 12 MP with film grain and separated
// to CMYK through the default FOGRA39 profile by ImageMagick (a YCCK JPEG, as
// ImageMagick and Photoshop write them). Reported: time to create a transform
// (default profile, and the FOGRA29 profile embedded in a test fixture), time
// per megapixel of the transform alone over the decoded bands (16 rows each,
// as they come), of decoding alone and of both, and the engine's wasm heap.
//
//   node bench/cmyk-to-srgb.mjs
//
// Needs (Debian): imagemagick; node_modules (esbuild).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { bundleForNode, median } from "./lib/node-bundle.mjs";

const root = path.resolve(import.meta.dirname, "..");
const outDir = path.join(root, "bench", "out", "cmyk-to-srgb");
const CONVERT = process.env.IM_CONVERT ?? "/usr/bin/convert";
const WIDTH = 4243;
const HEIGHT = 2828;
const RUNS = 5;

function makeFile() {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${WIDTH}x${HEIGHT}-ycck.jpg`);
  if (existsSync(file)) return file;
  const env = { ...process.env, LC_ALL: "C", TZ: "UTC" };
  execFileSync(CONVERT, [path.join(root, "test/fixtures/bg/chelsea.jpg"), "-strip", "-filter", "Lanczos", "-resize", `${WIDTH}x${HEIGHT}!`,
    "-seed", "1", "-attenuate", "0.25", "+noise", "Gaussian", "-profile", "/usr/share/color/icc/sRGB.icc",
    "-intent", "relative", "-black-point-compensation", "-profile", path.join(root, "wasm/cmyk-srgb/default-cmyk.icc"), "+profile", "*",
    "-quality", "90", `JPEG:${file}.partial`], { env });
  renameSync(`${file}.partial`, file);
  return file;
}

const bundle = () => bundleForNode(["src/imaging/jpeg-stream.ts", "src/imaging/cmyk-to-srgb.ts"], path.join(outDir, "bundle.mjs"));

const file = makeFile();
const m = await import(await bundle());
const bytes = new Uint8Array(readFileSync(file));
const mp = (WIDTH * HEIGHT) / 1e6;

// Bands as the decoder gives them, copied so the transform can run on them alone.
const bands = [];
let header;
const decodeTimes = [];
for (let r = 0; r < RUNS; r++) {
  const t0 = performance.now();
  header = await m.decodeJpegStream(bytes, { onBand: (band) => void (r === 0 && bands.push(band.data.slice())) }, { bandRows: 16 });
  decodeTimes.push(performance.now() - t0);
}

const t0 = performance.now();
const first = m.cmykToSrgb(null, header.cmykInverted);
const createDefault = performance.now() - t0;
const heapOne = m.cmykToSrgbHeapBytes();
const fixture = readFileSync(path.join(root, "test/fixtures/cmyk-srgb/fogra29-adobe.jpg"));
let fogra29;
await m.decodeJpegStream(new Uint8Array(fixture), { onHeader: (h) => void (fogra29 = h.icc), onBand: () => undefined });
const t1 = performance.now();
m.cmykToSrgb(fogra29, true);
const createEmbedded = performance.now() - t1;
const t2 = performance.now();
m.cmykToSrgb(fogra29, true);
const cached = performance.now() - t2;

const out = new Uint8Array(WIDTH * 16 * 4);
const convertTimes = [];
for (let r = 0; r < RUNS; r++) {
  const t = performance.now();
  for (const band of bands) first.convert(band, out);
  convertTimes.push(performance.now() - t);
}

const bothTimes = [];
let transform;
for (let r = 0; r < RUNS; r++) {
  const t = performance.now();
  await m.decodeJpegStream(bytes, {
    onHeader: (h) => void (transform = m.cmykToSrgbForJpeg(h).transform),
    onBand: (band) => void transform.convert(band.data, out),
  }, { bandRows: 16 });
  bothTimes.push(performance.now() - t);
}

const ms = (x) => x.toFixed(0);
console.log(`${WIDTH}×${HEIGHT} (${mp.toFixed(1)} MP) ${header.colorSpace} JPEG, ${(bytes.length / 1e6).toFixed(1)} MB, ${RUNS} runs, medians`);
console.log(`transform creation: default profile ${ms(createDefault)} ms, embedded FOGRA29 ${ms(createEmbedded)} ms, cached ${cached.toFixed(2)} ms`);
console.log(`transform alone: ${ms(median(convertTimes))} ms (${(median(convertTimes) / mp).toFixed(1)} ms/MP)`);
console.log(`decode alone: ${ms(median(decodeTimes))} ms (${(median(decodeTimes) / mp).toFixed(1)} ms/MP)`);
console.log(`decode + transform, band by band: ${ms(median(bothTimes))} ms (${(median(bothTimes) / mp).toFixed(1)} ms/MP)`);
console.log(`wasm heap: engine ${(heapOne / 1048576).toFixed(2)} MiB with one transform, ${(m.cmykToSrgbHeapBytes() / 1048576).toFixed(2)} MiB with two, decoder ${(m.jpegStreamHeapBytes() / 1048576).toFixed(2)} MiB`);
