import { yieldToRuntime } from "../platform/yield";
import type { SubjectType } from "./schemas";
import { colourKeyAlpha, flatBackgroundColour, refineByColourModel } from "./colour-matte";
import { graphicMatte } from "./graphic-matte";
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

export type MatteMethod = "model" | "model+guided" | "model+colour" | "model+regions" | "colour_key" | "own_alpha";

export interface Matte {
  /** Alpha at the image's size before edge softness. */
  alpha: Uint8Array;
  method: MatteMethod;
  /** Edges meant to be crisp (products, graphics): softness feathers a hard cut instead of the soft matte. */
  crisp: boolean;
  /** The flat background a colour key was made against (method "colour_key"). */
  keyColour: [number, number, number] | null;
}

/**
 * How each subject type changes the cut (docs/background-removal.md):
 * - logo, text: on a flat background, a colour key (keeps holes such as the
 *   inside of an "o", exact edges); otherwise the model, corrected by a
 *   colour model of the graphic (restores thin strokes, keeps holes), with
 *   crisp edges.
 * - product: the model, thresholded to a crisp edge before softening.
 * - person, hair_heavy, or high_detail_mode: the model, then a guided filter
 *   on the uncertain edge band, so hair and fur follow the photo's own
 *   edges; hair_heavy and high detail use a wider band and a finer filter.
 * - auto: the model with a light guided refinement.
 *
 * `image` is the job's guide (the source scaled to at most 2048 px,
 * src/bg-removal/guide.ts); the full-resolution alpha is made from this
 * matte band by band while the output is written.
 */
export async function cutOutMatte(image: Rgba, options: CutOutOptions, predict: ForegroundPredictor): Promise<Matte> {
  const { width, height } = image;
  let alpha: Uint8Array | null = null;
  let method: MatteMethod = "model";
  let crisp = options.subject_type === "product";
  let keyColour: [number, number, number] | null = null;

  if (options.subject_type === "logo" || options.subject_type === "text") {
    crisp = true;
    keyColour = flatBackgroundColour(image);
    if (keyColour) {
      alpha = colourKeyAlpha(image, keyColour);
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
      const graphic = graphicMatte(image, alpha, { lettering: options.subject_type === "text" });
      if (graphic) {
        release(alpha);
        alpha = graphic;
        method = "model+regions";
      } else {
        refineByColourModel(image, alpha);
        method = "model+colour";
      }
    } else if (detailed || options.subject_type === "person" || options.subject_type === "auto") {
      const refinement = detailed
        ? { workSide: 2048, radius: 2, epsilon: 1e-4, band: [3, 252] as [number, number] }
        : { workSide: 1024, radius: 4, epsilon: 1e-3, band: [12, 243] as [number, number] };
      // The guided filter adds detail only where it works finer than the model saw: after the model at its
      // native 1024 px it would only smooth away what the model resolved (a launch tower's lattice, one or two
      // pixels wide, lost 0.977 → 0.750 of the native fp32 mask on rocket.jpg).
      if (size < refinement.workSide) {
        await refineEdges(image, alpha, refinement);
        method = "model+guided";
      }
    }
  }
  await yieldToRuntime();
  return { alpha, method, crisp, keyColour };
}

/** Whether a subject type may need the model: graphics on a flat background are colour-keyed instead. */
export function needsModel(image: Rgba, options: Pick<CutOutOptions, "subject_type">): boolean {
  return !((options.subject_type === "logo" || options.subject_type === "text") && flatBackgroundColour(image));
}

/** Applies edge_softness to the matte's alpha in place: graphics and products feather a hard cut, photos their soft matte. */
export function softenMatte(matte: Matte, width: number, height: number, softness: number): void {
  applyEdgeSoftness(matte.alpha, width, height, softness, !matte.crisp && matte.method !== "colour_key");
}
