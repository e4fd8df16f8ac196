import { createRoute } from "@hono/zod-openapi";
import { JobIdParam } from "../bg-removal/schemas";
import { findAccountJob } from "../jobs/store";
import { requireService } from "../middleware/auth";
import { idempotency } from "../middleware/idempotency";
import { notFound } from "../platform/errors";
import { createSticker, toStickerResponse } from "../stickers/jobs";
import { CreateSticker, StickerCreated, StickerJob } from "../stickers/schemas";
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

export const stickerRoutes = createRouter();

stickerRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/services/stickers",
    tags: ["Stickers"],
    summary: "Create a die-cut sticker (180 tokens; 30 when the artwork's own alpha is used)",
    description:
      "Cuts the artwork out, adds a border and bleed, and traces a cut line: a PNG at the requested dpi, the cut line as SVG, and a print PDF with the line in a CutContour separation. Runs asynchronously: poll the job until it is completed or failed. 180 tokens are held; 150 of them come back when the model did not run (the source's own alpha or a flat background was enough).",
    security: bearerAuth,
    middleware: [requireService("stickers"), idempotency] as const,
    request: { body: jsonBody(CreateSticker) },
    parameters: [idempotencyKeyHeader],
    responses: {
      202: { description: "Accepted", headers: idempotentReplayedHeader, content: { "application/json": { schema: StickerCreated } } },
      ...chargeErrors,
      ...jsonBodyErrors,
      ...bearerErrors,
    },
  }),
  async (c) => {
    const widget = c.var.widget;
    const job = await createSticker(c.env, c.var.account.id, c.req.valid("json"), c.var.chargeKey, widget);
    const { job_id, status, tokens_deducted, wallet_transaction_id, created_at } = forCaller(await toStickerResponse(c.env, new URL(c.req.url).origin, job), widget);
    return c.json({ job_id, status, tokens_deducted, wallet_transaction_id, created_at }, 202);
  },
);

stickerRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/services/stickers/{jobId}",
    tags: ["Stickers"],
    summary: "Get a sticker job",
    description: "output_url, cut_svg_url and cut_pdf_url are signed links valid for 24 hours from this response.",
    security: bearerAuth,
    middleware: [requireService("stickers")] as const,
    request: { params: JobIdParam },
    responses: {
      200: { description: "The job", content: { "application/json": { schema: StickerJob } } },
      ...pathErrors,
      ...bearerErrors,
    },
  }),
  async (c) => {
    const job = await findAccountJob(c.env, c.var.account.id, c.req.valid("param").jobId, "sticker", c.var.widget);
    if (!job) throw notFound("The job");
    return c.json(forCaller(await toStickerResponse(c.env, new URL(c.req.url).origin, job), c.var.widget), 200);
  },
);
