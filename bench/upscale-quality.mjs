#!/usr/bin/env node
// After `node bench/fixes.mjs`: for each upscale the API wrote into
// bench/out/fixes/, its PSNR against ImageMagick's own enlargement of the
// same photo (`convert photo.jpg -filter Lanczos -resize 200%`, its 8-bit
// PNG, as test/fixes/upscale.test.ts compares), and the size of the API's
// pixels written again by sharp with adaptive filters (the same pixels
// through libpng and zlib level 6, beside the API's own encoder).
//
//   node bench/upscale-quality.mjs [megapixels=1,4,12] [factors=2,4] [maxOutputMP=64]
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { benchPhoto } from "./preflight/files.mjs";
import { runPeer } from "./lib/peers.mjs";
import { table } from "./lib/markdown.mjs";

const root = path.resolve(import.meta.dirname, "..");
const outDir = path.join(root, "bench", "out", "fixes");
const list = (i, d) => (process.argv[i] ? process.argv[i].split(",").map(Number) : d);
const megapixels = list(2, [1, 4, 12]);
const factors = list(3, [2, 4]);
// ImageMagick's policy (Debian's) refuses frames over 128 MP: no reference for a 4× of 12 MP.
const maxOutputMP = Number(process.argv[4] ?? 64);
const MiB = (n) => (n / 2 ** 20).toFixed(2);

const rows = [];
for (const mp of megapixels) {
  const photo = benchPhoto(mp, "jpeg");
  for (const factor of factors) {
    const api = path.join(outDir, `api-photo-${mp}mp-${factor}x.png`);
    const sharpAdaptive = path.join(outDir, `sharp-adaptive-photo-${mp}mp-${factor}x.png`);
    if (!existsSync(api)) continue;
    const reencoded = path.join(outDir, `api-photo-${mp}mp-${factor}x-sharp-adaptive.png`);
    const { bytes: reencodedBytes } = await runPeer("png-reencode.mjs", { source: api, output: reencoded });
    let psnr = "–";
    if ((photo.width * photo.height * factor * factor) / 1e6 <= maxOutputMP) {
      const reference = path.join(outDir, `im-lanczos-photo-${mp}mp-${factor}x.png`);
      if (!existsSync(reference)) execFileSync("convert", [photo.file, "-filter", "Lanczos", "-resize", `${factor * 100}%`, `PNG24:${reference}`]);
      // Decoded by sharp and compared there: ImageMagick's `compare` runs past its policy's 1 GiB pixel cache from 48 MP on.
      const { psnrDb, maxDiff } = await runPeer("psnr.mjs", { a: api, b: reference });
      psnr = `${psnrDb.toFixed(1)} dB (max Δ ${maxDiff})`;
    }
    const apiBytes = statSync(api).size;
    const sharpBytes = existsSync(sharpAdaptive) ? statSync(sharpAdaptive).size : NaN;
    rows.push({
      job: `${mp} MP ${factor}×`,
      psnr,
      api: MiB(apiBytes),
      reencoded: `${MiB(reencodedBytes)} (${(apiBytes / reencodedBytes).toFixed(2)}×)`,
      sharp: `${MiB(sharpBytes)} (${(apiBytes / sharpBytes).toFixed(2)}×)`,
    });
    console.error(JSON.stringify(rows.at(-1)));
  }
}
console.log(table(rows, {
  job: "upscale",
  psnr: "PSNR API vs ImageMagick `-filter Lanczos -resize`",
  api: "API's PNG MiB",
  reencoded: "API's pixels, sharp adaptive MiB (API ÷ it)",
  sharp: "sharp's own upscale, adaptive MiB (API ÷ it)",
}));
