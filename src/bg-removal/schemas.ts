import { z } from "@hono/zod-openapi";

export const SUBJECT_TYPES = ["auto", "person", "product", "logo", "text", "hair_heavy"] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];
export const OUTPUT_BACKGROUNDS = ["transparent", "white"] as const;
export type OutputBackground = (typeof OUTPUT_BACKGROUNDS)[number];

export const HttpUrl = z
  .url({ protocol: /^https?$/, message: "must be an http or https URL" })
  .max(2048);

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
  });
export type CreateBgRemoval = z.infer<typeof CreateBgRemoval>;

export const BG_REMOVE_STATUSES = ["pending", "processing", "completed", "failed"] as const;

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
    width: z.number().int().nullable().openapi({ description: "Output width in pixels (the source's, upright)" }),
    height: z.number().int().nullable(),
  })
  .openapi("BgRemovalJob");

export const JobIdParam = z.object({
  jobId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { message: "is not a job id" })
    .openapi({ param: { name: "jobId", in: "path" }, example: "JgSluQxRQ_mkvwpsGIOny" }),
});
