import { yieldToRuntime } from "../platform/yield";
import type { SubjectType } from "./schemas";
import { colourKeyAlpha, flatBackgroundColour, refineByColourModel } from "./colour-matte";
import { applyEdgeSoftness, refineEdges, upsampleMask, type Rgba } from "./matte";
import { release } from "../imaging/release";

export interface CutOutOptions {
  subject_type: SubjectType;
  edge_softness: number;
  high_detail_mode: boolean;
  output_background: "transparent" | "white";
}

/** Returns the model's N×N foreground map in a buffer of its own, which the cut-out frees once upsampled. */
export type ForegroundPredictor = (image: Rgba) => Promise<{ mask: Float32Array; size: number }>;

export type MatteMethod = "model" | "model+guided" | "model+colour" | "colour_key";

/**
 * How each subject type changes the cut (docs/background-removal.md):
 * - logo, text: on a flat background, a colour key (keeps holes such as the
 *   inside of an "o", exact edges); otherwise the model, corrected by a
 *   colour model of the graphic (restores thin strokes, keeps holes), with
 *   crisp edges.
 * - product: the model, thresholded to a crisp edge before softening.
 * - person, hair_heavy, or high_detail_mode: the model, then a guided filter
 *   at full resolution on the uncertain edge band, so hair and fur follow the
 *   photo's own edges; hair_heavy and high detail use a wider band and a
 *   finer filter.
 * - auto: the model with a light guided refinement.
 * edge_softness then feathers the edge (0 = hard cut).
 *
 * Returns the full-resolution alpha; compositing happens while the PNG is
 * written (writeCutOutPng), so no second full-size frame is ever made.
 */
export async function cutOut(image: Rgba, options: CutOutOptions, predict: ForegroundPredictor): Promise<{ alpha: Uint8Array; method: MatteMethod; model: boolean }> {
  const { width, height } = image;
  let alpha: Uint8Array | null = null;
  let method: MatteMethod = "model";
  let crisp = options.subject_type === "product";

  if (options.subject_type === "logo" || options.subject_type === "text") {
    crisp = true;
    const background = flatBackgroundColour(image);
    if (background) {
      alpha = colourKeyAlpha(image, background);
      method = "colour_key";
    }
  }
  if (!alpha) {
    const { mask, size } = await predict(image);
    alpha = upsampleMask(mask, size, size, width, height);
    release(mask);
    await yieldToRuntime();
    const detailed = options.subject_type === "hair_heavy" || options.high_detail_mode;
    if (options.subject_type === "logo" || options.subject_type === "text") {
      refineByColourModel(image, alpha);
      method = "model+colour";
    } else if (detailed || options.subject_type === "person" || options.subject_type === "auto") {
      await refineEdges(image, alpha, {
        workSide: detailed ? 2048 : 1024,
        radius: detailed ? 2 : 4,
        epsilon: detailed ? 1e-4 : 1e-3,
        band: detailed ? [3, 252] : [12, 243],
      });
      method = "model+guided";
    }
  }
  await yieldToRuntime();
  applyEdgeSoftness(alpha, width, height, options.edge_softness, !crisp && method !== "colour_key");
  await yieldToRuntime();
  return { alpha, method, model: method !== "colour_key" };
}
