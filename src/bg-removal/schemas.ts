import { z } from "@hono/zod-openapi";
import { MAX_CROP_MARGIN_PERCENT, MAX_CROP_MARGIN_PX, parseCropMargin } from "./crop";

export const SUBJECT_TYPES = ["auto", "person", "product", "logo", "text", "hair_heavy"] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];
export const OUTPUT_BACKGROUNDS = ["transparent", "white"] as const;
export type OutputBackground = (typeof OUTPUT_BACKGROUNDS)[number];

export const HttpUrl = z
  .url({ protocol: /^https?$/, message: "must be an http or https URL" })
  .max(2048);

const CropMarginText = z
  .string()
  .max(64)
  .superRefine((value, ctx) => {
    const margin = parseCropMargin(value);
    if (typeof margin === "string") ctx.addIssue({ code: "custom", message: margin });
  })
  .openapi({
    description: `Room around the subject when crop is true, as remove.bg takes it: pixels ("30px" or "30", at most ${MAX_CROP_MARGIN_PX}) or a percentage of the subject's width (left, right) and height (top, bottom) ("10%", at most ${MAX_CROP_MARGIN_PERCENT}%); one value for all sides, two (top/bottom left/right) or four (top right bottom left), separated by spaces`,
    example: "10%",
  });

/**
 * Request body of POST /v1/services/bg-remove (snake_case, as the public reference).
 * Not a named component: generators such as openapi-typescript make a
 * named schema's defaulted fields required, which a request need not send;
 * inline in the operation they stay optional.
 */
export const CreateBgRemoval = z
  .object({
    image_url: HttpUrl.openapi({ description: "Source image (JPEG / PNG / WebP)", example: "https://example.com/photo.jpg" }),
    subject_type: z.enum(SUBJECT_TYPES).default("auto"),
    edge_softness: z.number().int().min(0).max(10).default(3).openapi({ description: "0 = hard cut, 10 = feathered" }),
    high_detail_mode: z.boolean().default(false).openapi({ description: "true for fine hair / fur" }),
    output_background: z.enum(OUTPUT_BACKGROUNDS).default("transparent"),
    crop: z.boolean().default(false).openapi({ description: "true: the output is cut down to the subject's bounding box plus crop_margin, within the image" }),
    crop_margin: CropMarginText.default("0"),
    keep_existing_alpha: z.boolean().optional().openapi({
      description:
        "A PNG or WebP that already has real transparency (at least 1 % of its pixels under half opaque) keeps its own alpha: no model runs and the output's alpha is the source's (a hard cut when edge_softness is 0). Default true for logo and text, false otherwise",
    }),
  });
export type CreateBgRemoval = z.infer<typeof CreateBgRemoval>;

export const BG_REMOVE_STATUSES = ["pending", "processing", "completed", "failed"] as const;

const CropBoxSchema = z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int(), height: z.number().int() }).openapi("CropBox");

export const BgRemovalCreated = z
  .object({
    job_id: z.string().openapi({ example: "JgSluQxRQ_mkvwpsGIOny" }),
    status: z.enum(BG_REMOVE_STATUSES).openapi({ example: "processing" }),
    output_url: z.string().nullable(),
    tokens_deducted: z.number().int().openapi({ example: 150 }),
    wallet_transaction_id: z.string().openapi({ example: "TX-00011" }),
    provider: z.literal("self_hosted"),
    created_at: z.string(),
  })
  .openapi("BgRemovalCreated");

export const BgRemovalJob = BgRemovalCreated.omit({ provider: true })
  .extend({
    subject_type: z.enum(SUBJECT_TYPES),
    edge_softness: z.number().int(),
    high_detail_mode: z.boolean(),
    output_background: z.enum(OUTPUT_BACKGROUNDS),
    completed_at: z.string().nullable(),
    error_message: z.string().nullable(),
    provider: z.literal("self_hosted"),
    crop: z.boolean(),
    crop_margin: z.string(),
    width: z.number().int().nullable().openapi({ description: "Output width in pixels (the source's, upright, or the crop's)" }),
    height: z.number().int().nullable(),
    crop_box: CropBoxSchema.nullable().openapi({ description: "With crop, once completed: the part of the source (upright, in its pixels) the output shows" }),
    keep_existing_alpha: z.boolean().openapi({ description: "As sent, or its default for the subject_type" }),
    alpha_source: z
      .enum(["own_alpha", "colour_key", "model"])
      .nullable()
      .openapi({ description: "Once completed: where the cut's alpha came from: the source's own alpha, a flat background's colour, or the model" }),
  })
  .openapi("BgRemovalJob");

export const JobIdParam = z.object({
  jobId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { message: "is not a job id" })
    .openapi({ param: { name: "jobId", in: "path" }, example: "JgSluQxRQ_mkvwpsGIOny" }),
});
