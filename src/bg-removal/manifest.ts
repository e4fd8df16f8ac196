import { z } from "zod";
import { toHex } from "../platform/encoding";
import type { Env } from "../platform/env";

/**
 * The segmentation model is described by a manifest in R2 (`models/active.json`),
 * written by scripts/provision-model.mjs next to the model files. Swapping
 * the model means provisioning other files and another manifest; no code
 * changes as long as the model maps an RGB image to a 0..1 foreground map.
 *
 * A model may be split into stages (separate ONNX graphs run one after
 * another, each session released before the next is created) so that no
 * single session needs the whole model's memory at once; the tensors that
 * cross a boundary are kept in JS meanwhile. A stage with `tile` runs over
 * bands of rows, so that its full-size activations never exist at once.
 */
export const MODEL_MANIFEST_KEY = "models/active.json";

const TensorInfo = z.object({ name: z.string(), shape: z.array(z.number().int()) });
export const ModelManifest = z.object({
  name: z.string().min(1),
  licence: z.string(),
  keyPrefix: z.string().min(1),
  inputSize: z.number().int().positive().multipleOf(32),
  inputName: z.string(),
  outputName: z.string(),
  mean: z.array(z.number()).length(3),
  std: z.array(z.number()).length(3),
  files: z.array(z.object({ path: z.string(), bytes: z.number().int().positive(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  stages: z
    .array(
      z.object({
        index: z.number().int(),
        files: z.array(z.string()).min(1),
        inputs: z.array(TensorInfo),
        outputs: z.array(TensorInfo),
        /** Run over bands of rows (src/bg-removal/stage-runner.ts); absent: whole. */
        tile: z.object({ unitRows: z.number().int().positive(), bandRows: z.number().int().positive(), haloRows: z.number().int().nonnegative() }).optional(),
      }),
    )
    .min(1),
});
export type ModelManifest = z.infer<typeof ModelManifest>;

export class ModelUnavailableError extends Error {
  override name = "ModelUnavailableError";
}

export async function readModelManifest(env: Env): Promise<ModelManifest> {
  const object = await env.FILES.get(MODEL_MANIFEST_KEY);
  if (!object) throw new ModelUnavailableError("No segmentation model is provisioned (models/active.json is missing in R2); run `npm run model:provision`.");
  const parsed = ModelManifest.safeParse(await object.json());
  if (!parsed.success) throw new ModelUnavailableError(`models/active.json is not a valid model manifest: ${parsed.error.message}`);
  return parsed.data;
}

/** The SHA-256 R2 verified and recorded when the object was stored, in hex. */
export function storedSha256(object: R2Object): string | null {
  return object.checksums.sha256 ? toHex(object.checksums.sha256) : null;
}
