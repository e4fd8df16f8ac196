#!/usr/bin/env node
// Scores of the segmentation-quality section. For each composite of the
// evaluation set (test/fixtures/bg/eval): the reference model's own cut-out
// (the shipped ISNet at its native 1024×1024 in fp32, onnxruntime-node, its
// mask stretched to the image's size as the other ORT peer does), then for
// every tool's output PNG the IoU of alpha ≥ 128 against the exact mask and
// the share of counter pixels left transparent (alpha < 128). For each real
// photo: the reference's mask, and each tool's IoU against it (fidelity).
import { mkdirSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { runChild } from "./child.mjs";
import { iou, plane } from "./masks.mjs";
import { fullSizeMask, loadModel, predictMask } from "./ort-node.mjs";

function transparentShare(alpha, counters) {
  let inside = 0;
  let clear = 0;
  for (let i = 0; i < counters.length; i++) {
    if (counters[i] < 128) continue;
    inside++;
    if (alpha[i] < 128) clear++;
  }
  return inside === 0 ? null : clear / inside;
}

const round = (v) => (v === null ? null : Number(v.toFixed(4)));

runChild(async ({ manifest, model, composites, photos, outDir }) => {
  mkdirSync(outDir, { recursive: true });
  const loaded = await loadModel(manifest, model);
  const nativeAlpha = async (file) => {
    const { width, height } = await sharp(file).metadata();
    const started = performance.now();
    const alpha = await fullSizeMask(await predictMask(loaded, file), width, height);
    return { alpha, width, height, ms: Math.round(performance.now() - started) };
  };

  const compositeResults = [];
  for (const c of composites) {
    const native = await nativeAlpha(c.source);
    const nativeFile = path.join(outDir, `native-${path.basename(c.source).replace(/\.[^.]+$/, "")}.png`);
    await sharp(native.alpha, { raw: { width: native.width, height: native.height, channels: 1 } }).png().toFile(nativeFile);
    const truth = await plane(c.mask, 0);
    const counters = c.counters ? await plane(c.counters, 0) : null;
    const alphas = { native: native.alpha };
    for (const [tool, png] of Object.entries(c.outputs)) {
      const a = await plane(png, 3);
      if (a.width !== truth.width || a.height !== truth.height) throw new Error(`${png} is ${a.width}×${a.height}, the mask ${truth.width}×${truth.height}`);
      alphas[tool] = a.data;
    }
    const scores = {};
    for (const [tool, alpha] of Object.entries(alphas)) {
      scores[tool] = { iou: round(iou(alpha, truth.data)), counters: counters ? round(transparentShare(alpha, counters.data)) : null };
    }
    compositeResults.push({ source: c.source, scores, nativeMs: native.ms });
  }

  const photoResults = [];
  for (const p of photos) {
    const native = await nativeAlpha(p.source);
    const ious = {};
    for (const [tool, png] of Object.entries(p.outputs)) {
      const a = await plane(png, 3);
      if (a.width !== native.width || a.height !== native.height) throw new Error(`${png} is ${a.width}×${a.height}, the photo ${native.width}×${native.height}`);
      ious[tool] = round(iou(a.data, native.alpha));
    }
    photoResults.push({ source: p.source, width: native.width, height: native.height, iou: ious });
  }
  return { model, composites: compositeResults, photos: photoResults };
});
