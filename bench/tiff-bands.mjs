#!/usr/bin/env node
// Decode speed, reads and memory of the banded TIFF decoder
// (src/imaging/tiff-bands.ts) against ImageMagick on the same files, in Node
// (the same V8 as workerd).
//
// Inputs are made once into bench/out/tiff-bands/ (gitignored): the bench's
// photo (test/fixtures/bg/chelsea.jpg) enlarged to 25 MP with film grain by
// ImageMagick, written uncompressed and rewritten by libtiff's tiffcp (LZW,
// LZW and Deflate with horizontal predictor, 256×256 LZW tiles). The decoder
// reads each file from memory through a SourceFile that counts its reads and
// hands every band to nothing, in a child process of its own per file (one
// file's compression does not shape the JIT's code for the next);
// ImageMagick decodes to raw RGBA (`convert x.tif -depth 8 rgba:/dev/null`)
// on one thread, as a Worker runs.
//
//   node bench/tiff-bands.mjs [name ...]     e.g. `node bench/tiff-bands.mjs 25mp-lzw`
//
// Needs (Debian): imagemagick libtiff-tools; node_modules (esbuild).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { bundleForNode, median } from "./lib/node-bundle.mjs";

const root = path.resolve(import.meta.dirname, "..");
const outDir = path.join(root, "bench", "out", "tiff-bands");
const CONVERT = process.env.IM_CONVERT ?? "/usr/bin/convert";
const WIDTH = 6124;
const HEIGHT = 4082;
const RUNS = 3;

const FILES = [
  { name: "25mp-none", tiffcp: ["-c", "none"] },
  { name: "25mp-lzw", tiffcp: ["-c", "lzw"] },
  { name: "25mp-lzw-predictor", tiffcp: ["-c", "lzw:2"] },
  { name: "25mp-deflate-predictor", tiffcp: ["-c", "zip:2"] },
  { name: "25mp-lzw-tile256", tiffcp: ["-c", "lzw", "-t", "-w", "256", "-l", "256"] },
];

function makeFile({ name, tiffcp }) {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${name}.tif`);
  if (existsSync(file)) return file;
  const base = path.join(outDir, `${WIDTH}x${HEIGHT}.tif`);
  if (!existsSync(base)) {
    const env = { ...process.env, LC_ALL: "C", TZ: "UTC" };
    execFileSync(CONVERT, [path.join(root, "test/fixtures/bg/chelsea.jpg"), "-strip", "-filter", "Lanczos", "-resize", `${WIDTH}x${HEIGHT}!`,
      "-seed", "1", "-attenuate", "0.25", "+noise", "Gaussian", "-depth", "8", "-compress", "none", `TIFF:${base}.partial`], { env });
    renameSync(`${base}.partial`, base);
  }
  execFileSync("tiffcp", [...tiffcp, base, `${file}.partial`]);
  renameSync(`${file}.partial`, file);
  return file;
}

/** Child: decodes one file RUNS times, prints JSON. */
async function decodeRuns(bundlePath, file) {
  const { openTiffRaster, bytesFile } = await import(bundlePath);
  const bytes = new Uint8Array(readFileSync(file));
  const times = [];
  let stats;
  for (let run = 0; run < RUNS; run++) {
    const base = bytesFile(bytes);
    const counts = { reads: 0, bytes: 0, largest: 0 };
    const source = {
      size: base.size,
      stream: base.stream,
      read(offset, length) {
        counts.reads++;
        counts.bytes += length;
        counts.largest = Math.max(counts.largest, length);
        return base.read(offset, length);
      },
    };
    const started = performance.now();
    const raster = await openTiffRaster(source, { maxPixels: 100_000_000 });
    let peak = 0;
    let rows = 0;
    for await (const band of raster.bands) {
      peak = Math.max(peak, raster.retainedBytes());
      rows += band.height;
    }
    times.push(performance.now() - started);
    if (rows !== HEIGHT) throw new Error(`${file}: ${rows} rows`);
    stats = { ...counts, peak };
  }
  return { ms: median(times), ...stats };
}

function magickRuns(file) {
  const times = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    execFileSync(CONVERT, ["-limit", "thread", "1", file, "-depth", "8", "rgba:/dev/null"]);
    times.push(performance.now() - started);
  }
  return median(times);
}

if (process.argv[2] === "--child") {
  console.log(JSON.stringify(await decodeRuns(process.argv[3], process.argv[4])));
  process.exit(0);
}

const wanted = process.argv.slice(2);
const files = FILES.filter((f) => !wanted.length || wanted.includes(f.name));
const bundlePath = await bundleForNode(["src/imaging/tiff-bands.ts", "src/imaging/source-file.ts"], path.join(outDir, "tiff-bands.bundle.mjs"));
const MiB = 1024 * 1024;
console.log(`${WIDTH}×${HEIGHT} RGB, median of ${RUNS}; load average ${(await import("node:os")).loadavg()[0].toFixed(1)}`);
console.log("| file | size | tiff-bands | ImageMagick (1 thread) | reads (largest) | held at most |");
console.log("|---|---|---|---|---|---|");
for (const f of files) {
  const file = makeFile(f);
  const ours = JSON.parse(execFileSync(process.execPath, [import.meta.filename, "--child", bundlePath, file], { encoding: "utf8" }));
  const magick = magickRuns(file);
  console.log(
    `| ${f.name} | ${(statSync(file).size / MiB).toFixed(1)} MiB | ${(ours.ms / 1000).toFixed(2)} s | ${(magick / 1000).toFixed(2)} s | ` +
      `${ours.reads} (${(ours.largest / MiB).toFixed(2)} MiB) | ${(ours.peak / MiB).toFixed(2)} MiB |`,
  );
}
