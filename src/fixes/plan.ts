import { addRasterBleed, bleedPixels } from "./bleed-raster";
import { checkOutputPixels, FixNotApplicableError } from "./errors";
import { removeTransparency } from "./flatten";
import type { RasterInfo, RasterStage } from "../imaging/raster-stream";
import { sharpenEdges, sharpenParamsFor, type SharpenParams } from "./sharpen";
import { upscaleLanczos, type UpscaleFactor } from "./upscale";

/**
 * The order raster fixes are applied in, whatever order they were asked
 * for: flattening first, so the resize never spreads colour from fully
 * transparent pixels; sharpening after the upscale, whose soft edges are
 * what it is for; bleed last, so the mirrored border is an exact copy of
 * the finished image's edge.
 */
export const RASTER_FIX_ORDER = ["remove_transparency", "upscale_resolution_2x", "upscale_resolution_4x", "sharpen_edges", "add_bleed"] as const;
export type RasterFixType = (typeof RASTER_FIX_ORDER)[number];

export interface RasterFixOptions {
  /** The source's print resolution (px per inch), from the preflight report. */
  readonly sourcePpi: number;
  /** Bleed per side; needed with `add_bleed`. */
  readonly bleedMm?: number;
  readonly maxOutputPixels: number;
}

export interface RasterFixPlan {
  /** The requested fixes in the order they run. */
  readonly fixes: readonly RasterFixType[];
  readonly stages: readonly RasterStage[];
  readonly output: RasterInfo;
  /** The output prints at the source's size, so an upscale multiplies its ppi; the value to write with `setPrintResolution`. */
  readonly outputPpi: number;
  readonly scale: 1 | UpscaleFactor;
  readonly bleedPx: number;
  readonly sharpen?: SharpenParams;
}

/**
 * Works out every stage and the output geometry from the source's header
 * alone, and refuses an output over `maxOutputPixels` before any pixel is
 * decoded or processed.
 */
export function planRasterFixes(source: RasterInfo, requested: readonly RasterFixType[], options: RasterFixOptions): RasterFixPlan {
  const fixes = RASTER_FIX_ORDER.filter((fix) => requested.includes(fix));
  if (fixes.includes("upscale_resolution_2x") && fixes.includes("upscale_resolution_4x")) {
    throw new FixNotApplicableError("Choose one of upscale_resolution_2x and upscale_resolution_4x.");
  }
  if (!(options.sourcePpi > 0 && Number.isFinite(options.sourcePpi))) throw new RangeError(`sourcePpi must be a positive number, not ${options.sourcePpi}`);

  let { width, height, hasAlpha } = source;
  let scale: 1 | UpscaleFactor = 1;
  let bleedPx = 0;
  let sharpen: SharpenParams | undefined;
  const stages: RasterStage[] = [];
  for (const fix of fixes) {
    switch (fix) {
      case "remove_transparency":
        hasAlpha = false;
        stages.push(removeTransparency());
        break;
      case "upscale_resolution_2x":
      case "upscale_resolution_4x":
        scale = fix === "upscale_resolution_2x" ? 2 : 4;
        width *= scale;
        height *= scale;
        stages.push(upscaleLanczos(scale));
        break;
      case "sharpen_edges":
        sharpen = sharpenParamsFor(width, height);
        stages.push(sharpenEdges(sharpen));
        break;
      case "add_bleed": {
        const bleedMm = options.bleedMm;
        if (bleedMm === undefined || !(bleedMm > 0 && Number.isFinite(bleedMm))) throw new RangeError(`add_bleed needs a positive bleedMm, not ${bleedMm}`);
        bleedPx = bleedPixels(bleedMm, options.sourcePpi * scale);
        width += 2 * bleedPx;
        height += 2 * bleedPx;
        stages.push(addRasterBleed(bleedPx));
        break;
      }
    }
  }
  checkOutputPixels(width, height, options.maxOutputPixels);
  return { fixes, stages, output: { width, height, hasAlpha }, outputPpi: options.sourcePpi * scale, scale, bleedPx, sharpen };
}
