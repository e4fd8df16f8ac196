#!/usr/bin/env node
// Decode speed and wasm memory of the row-streaming JPEG decoder
// (src/imaging/jpeg-stream.ts) against jSquash's mozjpeg decoder, the one the
// services use today, on the same files, in Node (the same V8 as workerd).
//
// Inputs are made once into bench/out/jpeg-stream/ (gitignored): the bench's
// photo (test/fixtures/bg/chelsea.jpg) enlarged with film grain by
// ImageMagick, encoded by cjpeg at quality 90. Each file is decoded in a
// child process of its own, so each wasm heap starts empty and its size
// after the decode is that decoder's high-water mark for the file.
//
//   node bench/jpeg-stream.mjs [name ...]     e.g. `node bench/jpeg-stream.mjs 12mp-progressive-420`
//
// Needs (Debian): imagemagick libjpeg-turbo-progs; node_modules (esbuild, @jsquash/jpeg).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { bundleForNode, median } from "./lib/node-bundle.mjs";

const root = path.resolve(import.meta.dirname, "..");
const outDir = path.join(root, "bench", "out", "jpeg-stream");
const CONVERT = process.env.IM_CONVERT ?? "/usr/bin/convert";

const FILES = [
  { name: "2mp-baseline-420", width: 1732, height: 1155, cjpeg: ["-sample", "2x2"] },
  { name: "12mp-baseline-420", width: 4243, height: 2828, cjpeg: ["-sample", "2x2"] },
  { name: "12mp-baseline-444", width: 4243, height: 2828, cjpeg: ["-sample", "1x1"] },
  { name: "12mp-progressive-420", width: 4243, height: 2828, cjpeg: ["-sample", "2x2", "-progressive"] },
  { name: "25mp-baseline-420", width: 6124, height: 4082, cjpeg: ["-sample", "2x2"] },
  { name: "25mp-progressive-420", width: 6124, height: 4082, cjpeg: ["-sample", "2x2", "-progressive"] },
];
const RUNS = (mp) => (mp > 20 ? 3 : mp > 5 ? 4 : 7);

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

const bundle = () => bundleForNode(["src/imaging/jpeg-stream.ts"], path.join(outDir, "jpeg-stream.bundle.mjs"));

/** jSquash's mozjpeg decoder instance, set up as src/imaging/codecs.ts sets it up. */
async function jsquashDecoder() {
  const { default: mozjpegDecoder } = await import(path.join(root, "node_modules/@jsquash/jpeg/codec/dec/mozjpeg_dec.js"));
  const { initEmscriptenModule } = await import(path.join(root, "node_modules/@jsquash/jpeg/utils.js"));
  const wasm = new WebAssembly.Module(readFileSync(path.join(root, "node_modules/@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm")));
  return initEmscriptenModule(mozjpegDecoder, wasm);
}

/** Child: decodes one file with one decoder, prints JSON. */
async function child(decoderName, file, runs) {
  const bytes = new Uint8Array(readFileSync(file));
  const times = [];
  let heap = 0;
  let check = 0;
  let maxDiff = 0;
  if (decoderName === "stream") {
    const { JpegStreamDecoder } = await import(path.join(outDir, "jpeg-stream.bundle.mjs"));
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const decoder = new JpegStreamDecoder({ bandRows: 16 });
      // 64 KB pieces, as a response body arrives.
      for (let i = 0; i < bytes.length; i += 65536) {
        decoder.push(bytes.subarray(i, i + 65536));
        if (i + 65536 >= bytes.length) decoder.end();
        for (let band = decoder.readBand(); band; band = decoder.readBand()) check += band.data[band.data.length >> 1];
      }
      if (!decoder.done) throw new Error("not done");
      times.push(performance.now() - t0);
      // The decoder's heap never shrinks while its instance lives: its size now is the high-water mark.
      heap = Math.max(heap, (await import(path.join(outDir, "jpeg-stream.bundle.mjs"))).jpegStreamHeapBytes());
      decoder.close();
    }
    // Same pixels as jSquash? Both are libjpeg-turbo's islow IDCT with fancy upsampling.
    const reference = (await jsquashDecoder()).decode(bytes, false).data;
    const decoder = new JpegStreamDecoder({ bandRows: 64 });
    decoder.push(bytes);
    decoder.end();
    for (let band = decoder.readBand(); band; band = decoder.readBand()) {
      const at = (band.y * band.data.length) / band.rows;
      for (let i = 0; i < band.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(band.data[i] - reference[at + i]));
    }
    decoder.close();
  } else {
    const module = await jsquashDecoder();
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      // As src/imaging/codecs.ts calls it (orientation not applied by the decoder).
      const image = module.decode(bytes, false);
      times.push(performance.now() - t0);
      check += image.data[image.data.length >> 1];
      heap = Math.max(heap, module.HEAPU8.buffer.byteLength);
    }
  }
  console.log(JSON.stringify({ ms: median(times), all: times.map((t) => Math.round(t)), heap, check, maxDiff }));
}

async function main() {
  const wanted = process.argv.slice(2);
  const files = wanted.length ? FILES.filter((f) => wanted.includes(f.name)) : FILES;
  if (!files.length) throw new Error(`unknown file; one of ${FILES.map((f) => f.name).join(", ")}`);
  rmSync(path.join(outDir, "jpeg-stream.bundle.mjs"), { force: true });
  mkdirSync(outDir, { recursive: true });
  await bundle();
  const mb = (n) => (n / 1048576).toFixed(1);
  console.log("| file | size | jSquash ms | stream ms | ratio | jSquash heap MB | stream heap MB | max diff vs jSquash |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const spec of files) {
    const file = makeFile(spec);
    const mp = (spec.width * spec.height) / 1e6;
    const run = (decoder) => {
      const r = spawnSync(process.execPath, [import.meta.filename, "--child", decoder, file, String(RUNS(mp))], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${decoder} on ${spec.name}: ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split("\n").pop());
    };
    const jsquash = run("jsquash");
    const stream = run("stream");
    console.log(`| ${spec.name} (${spec.width}×${spec.height}) | ${(statSync(file).size / 1e6).toFixed(1)} MB | ${jsquash.ms.toFixed(0)} | ${stream.ms.toFixed(0)} | ${(stream.ms / jsquash.ms).toFixed(2)} | ${mb(jsquash.heap)} | ${mb(stream.heap)} | ${stream.maxDiff} |`);
  }
}

if (process.argv[2] === "--child") await child(process.argv[3], process.argv[4], Number(process.argv[5]));
else await main();
