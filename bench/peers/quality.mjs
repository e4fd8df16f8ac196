#!/usr/bin/env node
// Quality reference: the unmodified ISNet (as @imgly/background-removal-data
// ships it, all outputs kept) at its native 1024×1024 in onnxruntime-node.
// For each source photo its mask is computed once, stretched to the photo's
// size, and compared with each tool's output PNG: IoU of alpha ≥ 128.
import { mkdirSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { runChild } from "./child.mjs";
import { iou, plane } from "./masks.mjs";
import { fullSizeMask, loadModel, predictMask } from "./ort-node.mjs";

runChild(async ({ manifest, model, sources, outDir }) => {
  mkdirSync(outDir, { recursive: true });
  const loaded = await loadModel(manifest, model);
  const results = [];
  for (const { source, outputs } of sources) {
    const { width, height } = await sharp(source).rotate().metadata().then((m) => (m.orientation >= 5 ? { width: m.height, height: m.width } : m));
    const reference = await fullSizeMask(await predictMask(loaded, source), width, height);
    const referenceFile = path.join(outDir, `reference-${path.basename(source).replace(/\.[^.]+$/, "")}.png`);
    await sharp(reference, { raw: { width, height, channels: 1 } }).png().toFile(referenceFile);
    const ious = {};
    for (const [tool, png] of Object.entries(outputs)) {
      const alpha = await plane(png, 3);
      if (alpha.width !== width || alpha.height !== height) throw new Error(`${png} is ${alpha.width}×${alpha.height}, the source ${width}×${height}`);
      ious[tool] = Number(iou(alpha.data, reference).toFixed(4));
    }
    results.push({ source, width, height, referenceFile, iou: ious });
  }
  return { model, results };
});
