import type { Env } from "../platform/env";
import { yieldToRuntime } from "../platform/yield";
import { release } from "../imaging/release";
import { ModelUnavailableError, readModelManifest, storedSha256, type ModelManifest } from "./manifest";
import { onnxRuntime } from "./onnx-runtime";
import { runStages } from "./stage-runner";

// Runs the segmentation model that ./manifest.ts describes. Only the
// background removal consumer imports this file: it brings in onnxruntime-web,
// whose 14 MB wasm no other Worker may bundle (the API reads and writes the
// manifest through manifest.ts alone).

/**
 * Reads one model file from R2 and checks it against the manifest: size,
 * and the SHA-256 that R2 verified when the file was stored (provisioning
 * uploads every file with its checksum), so a swapped or truncated file is
 * refused without hashing 44 MB on every job.
 */
async function readModelFile(env: Env, manifest: ModelManifest, path: string): Promise<Uint8Array> {
  const expected = manifest.files.find((f) => f.path === path);
  if (!expected) throw new ModelUnavailableError(`${path} is not listed in the model manifest`);
  const object = await env.FILES.get(`${manifest.keyPrefix}${path}`);
  if (!object) throw new ModelUnavailableError(`model file ${path} is missing in R2`);
  const stored = storedSha256(object);
  if (object.size !== expected.bytes || stored !== expected.sha256) {
    await object.body.cancel();
    throw new ModelUnavailableError(`model file ${path} does not match the manifest (size ${object.size}, sha256 ${stored ?? "not recorded"})`);
  }
  return new Uint8Array(await object.arrayBuffer());
}

export interface Prediction {
  mask: Float32Array;
  size: number;
  model: string;
}

/**
 * One stage's session. The model bytes are only referenced in here and are
 * freed as soon as the session holds its own copy (in ORT's heap), before it
 * runs: at their largest (stage5d, 12 MB) they would otherwise sit as
 * garbage through the run. executionMode "parallel" lowers ORT's peak
 * (measured in scripts/model/).
 */
async function createStageSession(env: Env, manifest: ModelManifest, files: string[]) {
  const ort = onnxRuntime();
  const [graphPath, ...dataPaths] = files;
  const graph = await readModelFile(env, manifest, graphPath!);
  const externalData = await Promise.all(
    dataPaths.map(async (path) => ({ path: path.split("/").pop()!, data: await readModelFile(env, manifest, path) })),
  );
  try {
    return await ort.InferenceSession.create(graph, { externalData, executionMode: "parallel", graphOptimizationLevel: "all" });
  } finally {
    release(graph);
    for (const file of externalData) release(file.data);
  }
}

/**
 * Runs the provisioned model on its input tensor (toModelInput, made where
 * the image was decoded); returns its N×N foreground map (0..1). The input
 * is the manifest's size and is taken over (freed after the first stage).
 * The stages run one after another (stage-runner.ts), each session released
 * before the next is created, bands of the tiled ones yielding to the runtime.
 */
export async function runModel(env: Env, input: Float32Array, manifest?: ModelManifest): Promise<Prediction> {
  const ort = onnxRuntime();
  manifest ??= await readModelManifest(env);
  const n = manifest.inputSize;
  if (input.length !== 3 * n * n) throw new ModelUnavailableError(`the model takes ${n}×${n} inputs; this one has ${input.length} values`);
  const model = manifest;
  try {
    const output = await runStages(
      {
        ort,
        stages: model.stages,
        inputName: model.inputName,
        outputName: model.outputName,
        open: (stage) => createStageSession(env, model, stage.files),
        pause: yieldToRuntime,
        release,
      },
      input,
    );
    return { mask: output.data, size: n, model: model.name };
  } catch (error) {
    if (error instanceof Error && /no earlier stage produced|did not produce|is not float32|no stage reads/.test(error.message)) {
      throw new ModelUnavailableError(error.message, { cause: error });
    }
    throw error;
  }
}
