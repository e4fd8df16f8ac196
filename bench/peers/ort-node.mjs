#!/usr/bin/env node
// onnxruntime-node on the API's own model (the 1024 px graph the Worker runs,
// untiled: in Node memory is no reason to split it) and the same input:
// decode and stretch to N×N with sharp, normalise with the manifest's
// mean/std; then what a Node user writes around it with sharp: upscale the
// mask to the full resolution, put it in as alpha, encode a PNG.
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import sharp from "sharp";
import { measure, runChild } from "./child.mjs";

/** Loads one model of a prepare-isnet manifest into an onnxruntime-node session. */
export async function loadModel(manifestPath, name, sessionOptions = {}) {
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  const entry = manifest.models.find((m) => m.name === name);
  if (!entry) throw new Error(`${name} is not in ${manifestPath}`);
  const file = new URL(entry.files.find((f) => f.role === "model").path, `file://${manifestPath}`).pathname;
  const session = await ort.InferenceSession.create(file, sessionOptions);
  return { entry, session };
}

/** The model's N×N foreground map as 8-bit alpha (value·255, truncated, as the API does). */
export async function predictMask({ entry, session }, file) {
  const n = entry.inputSize;
  const { mean, std } = entry;
  const rgb = await sharp(file).rotate().removeAlpha().resize(n, n, { fit: "fill", kernel: "linear" }).raw().toBuffer();
  const plane = n * n;
  const input = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) input[c * plane + i] = (rgb[i * 3 + c] - mean[c]) / std[c];
  }
  const out = await session.run({ [entry.inputName]: new ort.Tensor("float32", input, [1, 3, n, n]) }, [entry.outputName]);
  const prob = out[entry.outputName].data;
  const mask = new Uint8Array(plane);
  for (let i = 0; i < plane; i++) mask[i] = Math.min(255, Math.max(0, prob[i] * 255));
  return { mask, size: n };
}

/** The mask stretched back to the photo's size (bilinear), one byte per pixel. */
export async function fullSizeMask({ mask, size }, width, height) {
  // Without b-w, libvips hands single-channel raw input back as sRGB (3 bytes per pixel).
  return sharp(mask, { raw: { width: size, height: size, channels: 1 } })
    .resize(width, height, { fit: "fill", kernel: "linear" })
    .toColourspace("b-w")
    .raw()
    .toBuffer();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runChild(async ({ manifest, model, threads, ...job }) => {
    // threads: 1 measures what one core does, as a Worker's single thread has to.
    const loaded = await loadModel(manifest, model, threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {});
    const removeBackground = async (file) => {
      const meta = await sharp(file).metadata();
      const [width, height] = meta.orientation >= 5 ? [meta.height, meta.width] : [meta.width, meta.height];
      const alpha = await fullSizeMask(await predictMask(loaded, file), width, height);
      // sharp applies removeAlpha after joinChannel, so a source with its own alpha is flattened to RGB first.
      const rgb = meta.hasAlpha
        ? sharp(await sharp(file).rotate().removeAlpha().raw().toBuffer(), { raw: { width, height, channels: 3 } })
        : sharp(file).rotate();
      return rgb.joinChannel(alpha, { raw: { width, height, channels: 1 } }).png().toBuffer();
    };
    const result = await measure("ort-node", removeBackground, job);
    return { ...result, model, threads: threads ?? "onnxruntime default (intra-op = physical cores)" };
  });
}
