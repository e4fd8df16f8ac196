import { z } from "@hono/zod-openapi";
import { FIX_TYPE_TOKENS, type FixType } from "../pricing/prices";

export const FIX_TYPES = Object.keys(FIX_TYPE_TOKENS) as [FixType, ...FixType[]];
export const FIX_JOB_STATUSES = ["analyzing", "applying", "completed", "failed"] as const;

/**
 * Request body of POST /v1/services/preflight/ai-jobs. Not a named component: generators such as
 * openapi-typescript make a named schema's defaulted fields required, which
 * a request need not send; inline in the operation they stay optional.
 */
export const CreateFixJob = z
  .object({
    preflightReportId: z.string().min(1).max(64).openapi({ example: "report_V1StGXR8_Z5jdHi6B-myT" }),
    options: z
      .object({
        fixTypes: z.array(z.enum(FIX_TYPES)).min(1).max(FIX_TYPES.length).optional().openapi({ description: "Derived from the report's fixable issues when omitted." }),
        targetDpi: z.number().int().min(1).max(2400).optional().openapi({ description: "Resolution written into the corrected file; also picks 2× or 4× when fixTypes is omitted." }),
      })
      .strict()
      .default({}),
  });
export type CreateFixJob = z.infer<typeof CreateFixJob>;

const TokenRange = z.object({ min: z.number().int(), max: z.number().int() });

export const FixJobCreated = z
  .object({
    data: z.object({
      jobId: z.string().openapi({ example: "job_V1StGXR8_Z5jdHi6B-myT" }),
      status: z.enum(FIX_JOB_STATUSES).openapi({ example: "analyzing" }),
      estimatedTokenCost: TokenRange.openapi({ example: { min: 30, max: 30 } }),
      fixTypes: z.array(z.enum(FIX_TYPES)),
      tokensDeducted: z.number().int(),
      walletTransactionId: z.string(),
      preflightReportId: z.string(),
      createdAt: z.string(),
    }),
  })
  .openapi("FixJobCreated");

export const FixJob = z
  .object({
    data: z.object({
      jobId: z.string(),
      status: z.enum(FIX_JOB_STATUSES),
      correctedFileUrl: z.string().nullable().openapi({ description: "Signed link, valid 24 hours from this response; null until completed and after a rejection." }),
      tokensDeducted: z.number().int().openapi({ description: "Tokens taken when the job was created (the estimate's max)." }),
      tokensCharged: z.number().int().nullable().openapi({ description: "Final cost once the job ended (0 when it failed)." }),
      tokensRefunded: z.number().int().nullable(),
      estimatedTokenCost: TokenRange,
      fixTypes: z.array(z.enum(FIX_TYPES)),
      appliedFixTypes: z.array(z.enum(FIX_TYPES)).nullable(),
      preflightReportId: z.string(),
      decision: z.enum(["approved", "rejected"]).nullable(),
      approvedReportId: z.string().nullable().openapi({ description: "The preflight report of the corrected file, once approved." }),
      result: z.record(z.string(), z.unknown()).nullable(),
      errorMessage: z.string().nullable(),
      createdAt: z.string(),
      completedAt: z.string().nullable(),
    }),
  })
  .openapi("FixJob");

export const FixJobIdParam = z.object({
  jobId: z.string().min(1).max(64).openapi({ param: { name: "jobId", in: "path" }, example: "job_V1StGXR8_Z5jdHi6B-myT" }),
});
