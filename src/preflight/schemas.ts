import { z } from "@hono/zod-openapi";
import { PRODUCT_TYPES } from "./dpi";

/** A million pixels per side and 1,000 inches (83 ft) per canvas side bound every real print. */
export const MAX_PIXELS_PER_SIDE = 1_000_000;
export const MAX_CANVAS_INCHES = 1_000;

const Pixels = z.number().int().min(1).max(MAX_PIXELS_PER_SIDE);
const Inches = z.number().gt(0).max(MAX_CANVAS_INCHES);

export const DpiScoreRequest = z
  .object({
    widthPx: Pixels.openapi({ example: 4000 }),
    heightPx: Pixels.openapi({ example: 3000 }),
    canvasWidthInches: Inches.openapi({ example: 30 }),
    canvasHeightInches: Inches.openapi({ example: 20 }),
    productType: z.enum(PRODUCT_TYPES).openapi({ example: "photo_on_canvas" }),
  })
  .openapi("DpiScoreRequest");

export const DpiScoreResponse = z
  .object({
    data: z.object({
      stars: z.number().int().min(1).max(5),
      label: z.string(),
      effectivePpi: z.number().int(),
      minPpi: z.number().int(),
      productType: z.enum(PRODUCT_TYPES),
      maxPrintSizeInches: z.object({ width: z.number(), height: z.number() }),
      cropPercent: z.number(),
    }),
  })
  .openapi("DpiScore");
