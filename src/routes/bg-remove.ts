import { createRoute } from "@hono/zod-openapi";
import { createBgRemoval, toBgRemovalResponse } from "../bg-removal/jobs";
import { BgRemovalCreated, BgRemovalJob, CreateBgRemoval, JobIdParam } from "../bg-removal/schemas";
import { findAccountJob } from "../jobs/store";
import { requireService } from "../middleware/auth";
import { idempotency } from "../middleware/idempotency";
import { notFound } from "../platform/errors";
import {
  bearerAuth,
  bearerErrors,
  chargeErrors,
  createRouter,
  idempotencyKeyHeader,
  idempotentReplayedHeader,
  jsonBody,
  jsonBodyErrors,
  pathErrors,
} from "./openapi";
import { forCaller } from "./widget-view";

export const bgRemoveRoutes = createRouter();

bgRemoveRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/services/bg-remove",
    tags: ["Background Removal"],
    summary: "Create a background-removal job (150 tokens)",
    description: "Runs asynchronously: the response is immediate, with status \"processing\"; poll the job until it is completed or failed.",
    security: bearerAuth,
    middleware: [requireService("bg-remove"), idempotency] as const,
    request: { body: jsonBody(CreateBgRemoval) },
    parameters: [idempotencyKeyHeader],
    responses: {
      202: { description: "Accepted", headers: idempotentReplayedHeader, content: { "application/json": { schema: BgRemovalCreated } } },
      ...chargeErrors,
      ...jsonBodyErrors,
      ...bearerErrors,
    },
  }),
  async (c) => {
    const widget = c.var.widget;
    const job = await createBgRemoval(c.env, c.var.account.id, c.req.valid("json"), c.var.chargeKey, widget);
    const { job_id, status, output_url, tokens_deducted, wallet_transaction_id, provider, created_at } = forCaller(
      await toBgRemovalResponse(c.env, new URL(c.req.url).origin, job),
      widget,
    );
    return c.json({ job_id, status, output_url, tokens_deducted, wallet_transaction_id, provider, created_at }, 202);
  },
);

bgRemoveRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/services/bg-remove/{jobId}",
    tags: ["Background Removal"],
    summary: "Get a background-removal job",
    description: "output_url is a signed link valid for 24 hours from this response.",
    security: bearerAuth,
    middleware: [requireService("bg-remove")] as const,
    request: { params: JobIdParam },
    responses: {
      200: { description: "The job", content: { "application/json": { schema: BgRemovalJob } } },
      ...pathErrors,
      ...bearerErrors,
    },
  }),
  async (c) => {
    const job = await findAccountJob(c.env, c.var.account.id, c.req.valid("param").jobId, "bg_remove", c.var.widget);
    if (!job) throw notFound("The job");
    return c.json(forCaller(await toBgRemovalResponse(c.env, new URL(c.req.url).origin, job), c.var.widget), 200);
  },
);
