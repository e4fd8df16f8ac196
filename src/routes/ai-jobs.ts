import { createRoute, z } from "@hono/zod-openapi";
import { approveFixJob, createFixJob, findFixJob, rejectFixJob, toFixJobResponse } from "../ai-fix/jobs";
import { CreateFixJob, FixJob, FixJobCreated, FixJobIdParam } from "../ai-fix/schemas";
import { requireAccount } from "../middleware/auth";
import { idempotency } from "../middleware/idempotency";
import { Report } from "../preflight/schemas";
import {
  bearerAuth,
  bearerErrors,
  chargeErrors,
  createRouter,
  errorResponses,
  idempotencyKeyHeader,
  idempotentReplayedHeader,
  jsonBody,
  jsonBodyErrors,
  pathErrors,
} from "./openapi";

export const aiJobRoutes = createRouter();

const TAG = ["Preflight AI fixes"];
const origin = (url: string) => new URL(url).origin;

aiJobRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/services/preflight/ai-jobs",
    tags: TAG,
    summary: "Create an AI fix job from a report",
    description:
      "Tokens for the estimate's max are deducted now; at completion fixes that had nothing to change are refunded, and a failed job refunds everything. Order: remove_transparency → upscale → sharpen_edges → add_bleed.",
    security: bearerAuth,
    middleware: [requireAccount, idempotency] as const,
    request: { body: jsonBody(CreateFixJob) },
    parameters: [idempotencyKeyHeader],
    responses: {
      202: { description: "Accepted", headers: idempotentReplayedHeader, content: { "application/json": { schema: FixJobCreated } } },
      ...chargeErrors,
      ...jsonBodyErrors,
      ...bearerErrors,
      404: { description: "NOT_FOUND: no report of the caller's by that preflightReportId", content: errorResponses[404].content },
      422: errorResponses[422],
    },
  }),
  async (c) => {
    const job = await createFixJob(c.env, c.var.account.id, c.req.valid("json"), c.var.chargeKey);
    const view = await toFixJobResponse(c.env, origin(c.req.url), job);
    const { jobId, status, estimatedTokenCost, fixTypes, tokensDeducted, preflightReportId, createdAt } = view;
    return c.json({ data: { jobId, status, estimatedTokenCost, fixTypes, tokensDeducted, walletTransactionId: job.walletTransactionId ?? "", preflightReportId, createdAt } }, 202);
  },
);

aiJobRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/services/preflight/ai-jobs/{jobId}",
    tags: TAG,
    summary: "Get an AI fix job",
    description: "correctedFileUrl is a signed link valid for 24 hours from this response.",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    request: { params: FixJobIdParam },
    responses: {
      200: { description: "The job", content: { "application/json": { schema: FixJob } } },
      ...pathErrors,
      ...bearerErrors,
    },
  }),
  async (c) => {
    const job = await findFixJob(c.env, c.var.account.id, c.req.valid("param").jobId);
    return c.json({ data: await toFixJobResponse(c.env, origin(c.req.url), job) }, 200);
  },
);

const Approved = z
  .object({ data: z.object({ jobId: z.string(), decision: z.literal("approved"), approvedReportId: z.string(), report: Report }) })
  .openapi("FixJobApproved");
const Rejected = z
  .object({ data: z.object({ jobId: z.string(), decision: z.literal("rejected"), tokensRefunded: z.literal(0) }) })
  .openapi("FixJobRejected");

aiJobRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/services/preflight/ai-jobs/{jobId}/approve",
    tags: TAG,
    summary: "Approve the corrected file",
    description: "Only a completed job (else 409). Creates a fresh preflight report of the corrected file and returns it. Approving again returns the same report.",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    request: { params: FixJobIdParam },
    responses: {
      200: { description: "Approved", content: { "application/json": { schema: Approved } } },
      ...pathErrors,
      ...bearerErrors,
      409: errorResponses[409],
    },
  }),
  async (c) => {
    const { job, report } = await approveFixJob(c.env, origin(c.req.url), c.var.account.id, c.req.valid("param").jobId);
    return c.json({ data: { jobId: job.id, decision: "approved" as const, approvedReportId: report.reportId, report } }, 200);
  },
);

aiJobRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/services/preflight/ai-jobs/{jobId}/reject",
    tags: TAG,
    summary: "Reject the corrected file",
    description: "Only a completed job (else 409). Deletes the corrected file. No refund: the work was done. Rejecting again is harmless.",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    request: { params: FixJobIdParam },
    responses: {
      200: { description: "Rejected", content: { "application/json": { schema: Rejected } } },
      ...pathErrors,
      ...bearerErrors,
      409: errorResponses[409],
    },
  }),
  async (c) => {
    const job = await rejectFixJob(c.env, c.var.account.id, c.req.valid("param").jobId);
    return c.json({ data: { jobId: job.id, decision: "rejected" as const, tokensRefunded: 0 as const } }, 200);
  },
);
