#!/usr/bin/env node
// PSNR over R, G and B of two images of the same size, both decoded by sharp.
import sharp from "sharp";
import { runChild } from "./child.mjs";

await runChild(async ({ a, b }) => {
  // 192 MP outputs are past sharp's default input limit (268 MP) only with alpha; lift it anyway.
  const raw = (file) => sharp(file, { limitInputPixels: false }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [x, y] = await Promise.all([raw(a), raw(b)]);
  if (x.info.width !== y.info.width || x.info.height !== y.info.height) throw new Error(`sizes differ: ${x.info.width}×${x.info.height} vs ${y.info.width}×${y.info.height}`);
  let sum = 0;
  let maxDiff = 0;
  for (let i = 0; i < x.data.length; i++) {
    const d = x.data[i] - y.data[i];
    sum += d * d;
    if (Math.abs(d) > maxDiff) maxDiff = Math.abs(d);
  }
  const mse = sum / x.data.length;
  return { psnrDb: mse === 0 ? null : 10 * Math.log10((255 * 255) / mse), maxDiff, width: x.info.width, height: x.info.height };
});
