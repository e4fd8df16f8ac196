// The two ONNX files the background-removal peers load, written from the
// npm package by the project's own prepare script.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
export const modelsDir = path.join(root, "bench", "out", "models");
export const modelManifest = path.join(modelsDir, "manifest.json");

/**
 * The API's print model untiled (the Worker runs it as 27 stages, its high-resolution ones over bands:
 * the same arithmetic), and the unmodified model at its native size.
 */
export const SAME_MODEL = { name: "isnet-quint8-1024-ftiled", prepare: ["--size", "1024", "--float-conv", "tiled"] };
export const NATIVE_MODEL = { name: "isnet-quint8-1024", prepare: ["--size", "1024", "--keep-all-outputs"] };

/**
 * The shipped fp16 model (what imgly calls "medium") computed in fp32: its weights widened
 * exactly, every operation in full precision, at its native 1024×1024. The quality
 * reference of the segmentation-quality section.
 */
export const NATIVE_FP32_MODEL = { name: "isnet-fp32-1024", prepare: ["--model", "medium", "--fp32", "--size", "1024", "--keep-all-outputs"] };

export function ensureModelsPrepared(models = [SAME_MODEL, NATIVE_MODEL]) {
  const present = existsSync(modelManifest) ? JSON.parse(readFileSync(modelManifest, "utf8")).models.map((m) => m.name) : [];
  for (const model of models) {
    if (present.includes(model.name) && existsSync(path.join(modelsDir, `${model.name}.onnx`))) continue;
    const result = spawnSync(process.execPath, ["scripts/model/prepare-isnet.mjs", ...model.prepare, "--out", modelsDir], { cwd: root, stdio: "inherit" });
    if (result.status !== 0) throw new Error(`preparing ${model.name} failed`);
  }
}
