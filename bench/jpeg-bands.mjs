#!/usr/bin/env node
// Decode time of the JPEG band adapter (src/imaging/jpeg-bands.ts: upright
// RGBA bands, EXIF orientation applied in passes) against jSquash's mozjpeg
// whole-frame decode, the one the services use today, on the same 25 MP
// files, in Node (the same V8 as workerd). The goal: within 2× of jSquash.
//
// Times are the best of RUNS in CPU time (user + system) of the child
// process, which other work on a shared machine stretches far less than
// wall time; the median wall time is given too.
//
// Inputs are made once into bench/out/jpeg-bands/ (gitignored) as
// bench/jpeg-stream.mjs makes them: test/fixtures/bg/chelsea.jpg enlarged with
// film grain by ImageMagick, cjpeg quality 90, 4:2:0; then an EXIF APP1 with
// the orientation is put after SOI. Each measurement runs in a child process
// of its own, so each wasm heap starts empty. The adapter reads the file
// from memory in 64 KB chunks (bytesFile), as an R2 body arrives; reading it
// again for each pass costs nothing here, in production it is one more R2 GET.
//
//   node bench/jpeg-bands.mjs [name ...]     e.g. `node bench/jpeg-bands.mjs 25mp-baseline-420`
//
// Needs (Debian): imagemagick libjpeg-turbo-progs; node_modules (esbuild, @jsquash/jpeg).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { bundleForNode, median } from "./lib/node-bundle.mjs";

const root = path.resolve(import.meta.dirname, "..");
const outDir = path.join(root, "bench", "out", "jpeg-bands");
const CONVERT = process.env.IM_CONVERT ?? "/usr/bin/convert";
const MiB = 1024 * 1024;

const FILES = [
  { name: "25mp-baseline-420", width: 6124, height: 4082, cjpeg: ["-sample", "2x2"] },
  { name: "25mp-progressive-420", width: 6124, height: 4082, cjpeg: ["-sample", "2x2", "-progressive"] },
];
// Orientation 6 is a portrait phone photo; 3 shows the row passes. Baseline slabs at three budgets.
const CASES = [
  { orientation: 1 },
  { orientation: 3 },
  { orientation: 6, slabMiB: 16 },
  { orientation: 6, slabMiB: 24 },
  { orientation: 6, slabMiB: 32 },
];
const RUNS = 5;

/** CPU milliseconds (user + system) of this process so far. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

function makeFile({ name, width, height, cjpeg }) {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${name}.jpg`);
  if (existsSync(file)) return file;
  const ppm = path.join(outDir, `${width}x${height}.ppm`);
  if (!existsSync(ppm)) {
    const env = { ...process.env, LC_ALL: "C", TZ: "UTC" };
    execFileSync(CONVERT, [path.join(root, "test/fixtures/bg/chelsea.jpg"), "-strip", "-filter", "Lanczos", "-resize", `${width}x${height}!`,
      "-seed", "1", "-attenuate", "0.25", "+noise", "Gaussian", `PPM:${ppm}.partial`], { env });
    renameSync(`${ppm}.partial`, ppm);
  }
  execFileSync("cjpeg", ["-quality", "90", ...cjpeg, "-outfile", `${file}.partial`, ppm]);
  renameSync(`${file}.partial`, file);
  return file;
}

/** The JPEG with an EXIF APP1 saying `orientation` right after SOI (little-endian TIFF, one IFD entry). */
function withOrientation(jpeg, orientation) {
  const tiff = [0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0];
  const data = [...new TextEncoder().encode("Exif\0\0"), ...tiff];
  const app1 = [0xff, 0xe1, (data.length + 2) >> 8, (data.length + 2) & 0xff, ...data];
  const out = new Uint8Array(jpeg.length + app1.length);
  out.set(jpeg.subarray(0, 2));
  out.set(app1, 2);
  out.set(jpeg.subarray(2), 2 + app1.length);
  return out;
}

const bundlePath = path.join(outDir, "jpeg-bands.bundle.mjs");
const bundle = () => bundleForNode(["src/imaging/jpeg-bands.ts", "src/imaging/jpeg-stream.ts", "src/imaging/source-file.ts", "src/imaging/orientation.ts"], bundlePath);

/** jSquash's mozjpeg decoder instance, set up as src/imaging/codecs.ts sets it up. */
async function jsquashDecoder() {
  const { default: mozjpegDecoder } = await import(path.join(root, "node_modules/@jsquash/jpeg/codec/dec/mozjpeg_dec.js"));
  const { initEmscriptenModule } = await import(path.join(root, "node_modules/@jsquash/jpeg/utils.js"));
  const wasm = new WebAssembly.Module(readFileSync(path.join(root, "node_modules/@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm")));
  return initEmscriptenModule(mozjpegDecoder, wasm);
}

/** Child: one decoder on one file, RUNS times; prints JSON. */
async function child(mode, file, orientation, slabMiB) {
  globalThis.ImageData ??= class { constructor(data, width, height) { Object.assign(this, { data, width, height }); } };
  const bytes = withOrientation(new Uint8Array(readFileSync(file)), orientation);
  const times = [];
  const walls = [];
  let check = 0;
  const result = {};
  if (mode === "jsquash") {
    // As src/imaging/codecs.ts does it: the whole frame, then orientInPlace for 2–8.
    const { orientInPlace } = await import(bundlePath);
    const module = await jsquashDecoder();
    const decodeTimes = [];
    for (let r = 0; r < RUNS; r++) {
      const w0 = performance.now();
      const t0 = cpuMs();
      const image = module.decode(bytes, false);
      decodeTimes.push(cpuMs() - t0);
      orientInPlace(image.data, image.width, image.height, orientation);
      times.push(cpuMs() - t0);
      walls.push(performance.now() - w0);
      check += image.data[image.data.length >> 1];
    }
    result.decodeMs = Math.min(...decodeTimes);
  } else {
    const { openJpegRaster, bytesFile, jpegStreamHeapBytes, JpegStreamDecoder } = await import(bundlePath);
    let rewinds = 0;
    const rewind = JpegStreamDecoder.prototype.rewind;
    JpegStreamDecoder.prototype.rewind = function () {
      rewinds++;
      return rewind.call(this);
    };
    for (let r = 0; r < RUNS; r++) {
      let passes = 0;
      rewinds = 0;
      const source = bytesFile(bytes);
      const file = { size: source.size, read: source.read, stream: (offset) => (passes++, source.stream(offset)) };
      let peak = 0;
      let heap = 0;
      const w0 = performance.now();
      const t0 = cpuMs();
      const raster = await openJpegRaster(file, { maxPixels: 100e6, ...(slabMiB ? { slabBytes: slabMiB * MiB } : {}) });
      for await (const band of raster.bands) {
        check += band.rows[band.rows.length >> 1];
        peak = Math.max(peak, raster.retainedBytes());
        heap = Math.max(heap, jpegStreamHeapBytes());
      }
      times.push(cpuMs() - t0);
      walls.push(performance.now() - w0);
      // Reads of the file, and output passes (a progressive file's are over its kept coefficients).
      Object.assign(result, { passes, outputPasses: passes + rewinds, peak, heap });
    }
  }
  console.log(JSON.stringify({ ms: Math.min(...times), all: times.map((t) => Math.round(t)), wallMs: median(walls), check, ...result }));
}

async function main() {
  const wanted = process.argv.slice(2);
  const files = wanted.length ? FILES.filter((f) => wanted.includes(f.name)) : FILES;
  if (!files.length) throw new Error(`unknown file; one of ${FILES.map((f) => f.name).join(", ")}`);
  mkdirSync(outDir, { recursive: true });
  rmSync(bundlePath, { force: true });
  await bundle();
  const mb = (n) => (n / MiB).toFixed(1);
  const touch = JSON.parse(spawnSync(process.execPath, [import.meta.filename, "--touch"], { encoding: "utf8" }).stdout.trim());
  console.log(`\nFirst write to every page of a fresh buffer (the slab's page faults, paid once per rotated image): ${Object.entries(touch).map(([m, t]) => `${m} MiB ${t.toFixed(0)} ms`).join(", ")}.\n`);
  console.log("| file | orientation | slab budget | reads | output passes | jSquash decode, CPU ms | jSquash + orientInPlace, CPU ms | bands, CPU ms | bands / jSquash decode | wall ms, jSquash decode + orient / bands | peak retained MiB | decoder heap MiB |");
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const spec of files) {
    const file = makeFile(spec);
    const run = (mode, orientation, slabMiB = 0) => {
      const r = spawnSync(process.execPath, [import.meta.filename, "--child", mode, file, String(orientation), String(slabMiB)], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${mode} on ${spec.name}: ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split("\n").pop());
    };
    const jsquash = new Map();
    for (const { orientation, slabMiB } of CASES) {
      if (!jsquash.has(orientation)) jsquash.set(orientation, run("jsquash", orientation));
      const j = jsquash.get(orientation);
      const b = run("bands", orientation, slabMiB);
      // Progressive slabs are capped at MULTISCAN_SLAB_BYTES (4 MiB).
      const slab = orientation <= 2 ? "–" : `${slabMiB ?? 24} MiB${spec.cjpeg.includes("-progressive") ? " (4)" : ""}`;
      console.log(`| ${spec.name} | ${orientation} | ${slab} | ${b.passes} | ${b.outputPasses} | ${j.decodeMs.toFixed(0)} | ${j.ms.toFixed(0)} | ${b.ms.toFixed(0)} | ${(b.ms / j.decodeMs).toFixed(2)} | ${j.wallMs.toFixed(0)} / ${b.wallMs.toFixed(0)} | ${mb(b.peak)} | ${mb(b.heap)} |`);
    }
  }
}

/** Child: the time to first write every page of a fresh buffer of each slab size, which a rotated image pays once per image. */
function firstTouch() {
  const ms = {};
  for (const mib of [16, 24, 32]) {
    const times = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = cpuMs();
      new Uint32Array(mib * MiB / 4).fill(1);
      times.push(cpuMs() - t0);
    }
    ms[mib] = Math.min(...times);
  }
  console.log(JSON.stringify(ms));
}

if (process.argv[2] === "--touch") firstTouch();
else if (process.argv[2] === "--child") await child(process.argv[3], process.argv[4], Number(process.argv[5]), Number(process.argv[6]));
else await main();
