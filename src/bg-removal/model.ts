import type { Env } from "../platform/env";
import { yieldToRuntime } from "../platform/yield";
import { release } from "../imaging/release";
import { ModelUnavailableError, readModelManifest, storedSha256, type ModelManifest } from "./manifest";
import { onnxRuntime } from "./onnx-runtime";

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
 * A tensor kept in JS between two stages. Float tensors that only cross a
 * stage boundary are held as 8 bits with a scale and zero point, as the
 * original graph's DynamicQuantizeLinear turns them anyway before the next
 * quantized convolution: at 384 px that is 4.3 MB instead of 17 MB, with no
 * measurable change in the mask (scripts/model/, mean IoU 0.909 either way).
 */
type HeldTensor =
  | { kind: "float"; data: Float32Array; dims: readonly number[] }
  | { kind: "u8"; data: Uint8Array; scale: number; zeroPoint: number; dims: readonly number[] };

/** DynamicQuantizeLinear's rule: the range always includes 0, zero point rounded and saturated. */
function quantize(values: Float32Array, dims: readonly number[]): HeldTensor {
  let min = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = (max - min) / 255 || 1;
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-min / scale)));
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(values[i]! / scale) + zeroPoint));
  return { kind: "u8", data, scale, zeroPoint, dims };
}

function toFloat(tensor: HeldTensor): Float32Array {
  if (tensor.kind === "float") return tensor.data;
  const values = new Float32Array(tensor.data.length);
  for (let i = 0; i < values.length; i++) values[i] = (tensor.data[i]! - tensor.zeroPoint) * tensor.scale;
  return values;
}

/**
 * One stage's session. The model bytes are only referenced in here and are
 * freed as soon as the session holds its own copy (in ORT's heap), before it
 * runs: at their largest (stage 2, 24 MB) they would otherwise sit as
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
 */
export async function runModel(env: Env, input: Float32Array, manifest?: ModelManifest): Promise<Prediction> {
  const ort = onnxRuntime();
  manifest ??= await readModelManifest(env);
  const n = manifest.inputSize;
  if (input.length !== 3 * n * n) throw new ModelUnavailableError(`the model takes ${n}×${n} inputs; this one has ${input.length} values`);
  const held = new Map<string, HeldTensor>([[manifest.inputName, { kind: "float", data: input, dims: [1, 3, n, n] }]]);
  for (const [s, stage] of manifest.stages.entries()) {
    const session = await createStageSession(env, manifest, stage.files);
    const fed: Float32Array[] = [];
    let outputs: Record<string, InstanceType<typeof ort.Tensor>>;
    try {
      const feeds = Object.fromEntries(
        stage.inputs.map((t) => {
          const tensor = held.get(t.name);
          if (!tensor) throw new ModelUnavailableError(`stage ${s + 1} needs ${t.name}, which no earlier stage produced`);
          const values = toFloat(tensor);
          if (tensor.kind === "u8") fed.push(values);
          return [t.name, new ort.Tensor("float32", values, tensor.dims)];
        }),
      );
      outputs = await session.run(feeds, stage.outputs.map((t) => t.name));
    } finally {
      // ORT copied the inputs into its heap for the run; the float copies made for it are done with.
      for (const values of fed) release(values);
      await session.release();
    }
    // Drop what no later stage reads, then keep the new outputs compactly.
    const needed = new Set(manifest.stages.slice(s + 1).flatMap((later) => later.inputs.map((t) => t.name)));
    for (const [name, tensor] of held) {
      if (needed.has(name)) continue;
      held.delete(name);
      release(tensor.data);
    }
    for (const [name, tensor] of Object.entries(outputs)) {
      const data = tensor.data;
      if (!(data instanceof Float32Array)) throw new ModelUnavailableError(`${name} is ${tensor.type}; the stages must hand over float32 tensors`);
      if (name === manifest.outputName) held.set(name, { kind: "float", data, dims: tensor.dims });
      else if (needed.has(name)) held.set(name, quantize(data, tensor.dims));
      if (name !== manifest.outputName) release(data);
    }
    await yieldToRuntime();
  }
  const output = held.get(manifest.outputName);
  if (!output || output.kind !== "float") throw new ModelUnavailableError(`the model did not produce ${manifest.outputName}`);
  for (const [name, tensor] of held) if (name !== manifest.outputName) release(tensor.data);
  return { mask: output.data, size: n, model: manifest.name };
}
