#!/usr/bin/env node
// The API's output PNG written again by sharp with adaptive filters (libpng's
// per-row choice, zlib level 6): the same pixels through sharp's encoder, so
// that file sizes compare encoders, not resamplers.
import { statSync } from "node:fs";
import sharp from "sharp";
import { runChild } from "./child.mjs";

await runChild(async ({ source, output }) => {
  await sharp(source, { limitInputPixels: false }).png({ adaptiveFiltering: true }).toFile(output);
  return { bytes: statSync(output).size };
});
