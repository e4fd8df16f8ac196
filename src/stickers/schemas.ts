import { z } from "@hono/zod-openapi";
import { BG_REMOVE_STATUSES, HttpUrl, SUBJECT_TYPES } from "../bg-removal/schemas";

/**
 * The largest cut line, in pixels on its long side at the requested dpi
 * (size_inches × dpi). A sticker's canvas is then at most about 25 MP, the
 * pixel limit every other job keeps, whatever the artwork's shape: 24 in at
 * 200 dpi, 12 in at 400, 3 in at 1,200.
 */
export const MAX_STICKER_LONG_SIDE_PX = 5000;

/** The smallest artwork a sticker carries, in mm on its long side. */
export const MIN_ARTWORK_MM = 5;

const HexColour = z
  .string()
  .regex(/^#[0-9A-Fa-f]{6}$/, { message: "must be a colour as #RRGGBB" })
  .openapi({ example: "#FFFFFF" });

/**
 * Request body of POST /v1/services/stickers: flat snake_case, like
 * background removal's. Inline in the operation (not a named component) so
 * generated clients keep the defaulted fields optional.
 */
export const CreateSticker = z
  .object({
    image_url: HttpUrl.openapi({
      description: "The artwork (JPEG / PNG / WebP): an upload's fileUrl, a completed cut-out's output_url, or a URL",
      example: "https://example.com/logo.png",
    }),
    subject_type: z.enum(SUBJECT_TYPES).default("auto"),
    keep_existing_alpha: z
      .boolean()
      .default(true)
      .openapi({ description: "A source whose alpha channel is really used is cut from its own alpha, without the model (150 tokens refunded)" }),
    size_inches: z.number().min(0.5).max(24).default(3).openapi({ description: "Long side of the cut line's bounding box, in inches" }),
    dpi: z.number().int().min(72).max(1200).default(300),
    border_mm: z.number().min(0).max(20).default(2).openapi({ description: "Border between the artwork and the cut line, in mm" }),
    border_color: HexColour.default("#FFFFFF"),
    bleed_mm: z.number().min(0).max(10).default(1.5).openapi({ description: "Colour printed beyond the cut line, in mm" }),
    min_radius_mm: z.number().min(0).max(10).default(1).openapi({ description: "Tightest concave turn of the cut line, in mm (what a blade can follow)" }),
    single_piece: z
      .boolean()
      .default(true)
      .openapi({ description: "true: one outer contour around all artwork; false: one contour per separate piece (sticker sheets)" }),
  })
  .superRefine((value, ctx) => {
    const longSidePx = value.size_inches * value.dpi;
    if (longSidePx > MAX_STICKER_LONG_SIDE_PX) {
      ctx.addIssue({
        code: "custom",
        path: ["dpi"],
        message: `size_inches × dpi is ${Math.round(longSidePx)} px; at most ${MAX_STICKER_LONG_SIDE_PX} px (e.g. ${Math.floor(MAX_STICKER_LONG_SIDE_PX / value.size_inches)} dpi at ${value.size_inches} in)`,
      });
    }
    // The artwork's long side is what is left of the size once the border is on both sides.
    if (value.size_inches * 25.4 - 2 * value.border_mm < MIN_ARTWORK_MM) {
      ctx.addIssue({ code: "custom", path: ["border_mm"], message: `leaves less than ${MIN_ARTWORK_MM} mm of artwork inside a ${value.size_inches} in sticker` });
    }
  });
export type CreateSticker = z.infer<typeof CreateSticker>;

export const StickerCreated = z
  .object({
    job_id: z.string().openapi({ example: "stk_Vx3q9LmZ0aR8" }),
    status: z.enum(BG_REMOVE_STATUSES).openapi({ example: "processing" }),
    tokens_deducted: z.number().int().openapi({ example: 180 }),
    wallet_transaction_id: z.string().openapi({ example: "TX-00012" }),
    created_at: z.string(),
  })
  .openapi("StickerCreated");

export const StickerJob = StickerCreated.extend({
  subject_type: z.enum(SUBJECT_TYPES),
  keep_existing_alpha: z.boolean(),
  size_inches: z.number(),
  dpi: z.number().int(),
  border_mm: z.number(),
  border_color: z.string(),
  bleed_mm: z.number(),
  min_radius_mm: z.number(),
  single_piece: z.boolean(),
  output_url: z.string().nullable().openapi({ description: "PNG at dpi (pHYs): artwork, border and bleed; transparent outside the bleed" }),
  cut_svg_url: z.string().nullable().openapi({ description: "The cut line: SVG in mm, one closed path per contour, id CutContour, stroke #FF00FF" }),
  cut_pdf_url: z.string().nullable().openapi({ description: "Print file: artwork with its alpha as a soft mask and the cut line in a CutContour separation (overprint, own layer)" }),
  width_px: z.number().int().nullable(),
  height_px: z.number().int().nullable(),
  cut_length_mm: z.number().nullable(),
  pieces: z.number().int().nullable(),
  alpha_source: z.enum(["own_alpha", "colour_key", "model"]).nullable().openapi({ description: "Where the artwork's outline came from: its own alpha, a flat background's colour, or the model" }),
  tokens_charged: z.number().int().nullable(),
  completed_at: z.string().nullable(),
  error_message: z.string().nullable(),
}).openapi("StickerJob");
