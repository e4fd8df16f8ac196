import { createRoute } from "@hono/zod-openapi";
import { requireAccount, requireService } from "../middleware/auth";
import { scoreDpi } from "../preflight/dpi";
import { deleteReport, getReport, listReports, runCheck } from "../preflight/checks";
import { emitEvent } from "../webhooks/events";
import { CreateCheck, DpiScoreRequest, DpiScoreResponse, ReportDeleted, ReportEnvelope, ReportIdParam, ReportPage } from "../preflight/schemas";
import { PageQuery } from "../platform/pagination";
import { bearerAuth, bearerErrors, createRouter, errorResponses, jsonBody, jsonBodyErrors, pathErrors } from "./openapi";

export const preflightRoutes = createRouter();

preflightRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/services/preflight/dpi-score",
    tags: ["Preflight"],
    summary: "Quick DPI score (free)",
    description: "A file-free rating from pixel dimensions and the canvas size. minPpi by productType: photo_on_canvas and stock_canvas 100, poster, framed_print and wrapping_paper 150, wallpaper 75.",
    security: bearerAuth,
    middleware: [requireService("dpi-score")] as const,
    request: { body: jsonBody(DpiScoreRequest) },
    responses: {
      200: { description: "The score", content: { "application/json": { schema: DpiScoreResponse } } },
      ...jsonBodyErrors,
      ...bearerErrors,
    },
  }),
  (c) => c.json({ data: scoreDpi(c.req.valid("json")) }, 200),
);

preflightRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/services/preflight/checks",
    tags: ["Preflight"],
    summary: "Full preflight check (no token charge; daily quota per account)",
    description:
      "Fetches the file, detects its type from its bytes and checks it against the product profile (defaults: requiredDpi from productType or 300, requiredColorMode any, bleedMm 3). Returns the stored report. Checks made with a storefront widget token count against the account's daily quota and against the widgets' smaller daily share; past either, 429 with Retry-After.",
    security: bearerAuth,
    middleware: [requireService("preflight")] as const,
    request: { body: jsonBody(CreateCheck) },
    responses: {
      201: { description: "The report", content: { "application/json": { schema: ReportEnvelope } } },
      ...jsonBodyErrors,
      ...bearerErrors,
      422: errorResponses[422],
    },
  }),
  async (c) => {
    const report = await runCheck(c.env, c.var.account.id, c.req.valid("json"), c.get("widget") !== undefined);
    await emitEvent(c.env, c.var.account.id, "preflight.check.completed", { data: report });
    return c.json({ data: report }, 201);
  },
);

preflightRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/services/preflight/checks",
    tags: ["Preflight"],
    summary: "List recent reports, newest first",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    request: { query: PageQuery },
    responses: {
      200: { description: "A page of reports", content: { "application/json": { schema: ReportPage } } },
      400: errorResponses[400],
      ...bearerErrors,
    },
  }),
  async (c) => c.json(await listReports(c.env, c.var.account.id, c.req.valid("query")), 200),
);

preflightRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/services/preflight/checks/{reportId}",
    tags: ["Preflight"],
    summary: "Get a report",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    request: { params: ReportIdParam },
    responses: {
      200: { description: "The report", content: { "application/json": { schema: ReportEnvelope } } },
      ...pathErrors,
      ...bearerErrors,
    },
  }),
  async (c) => c.json({ data: await getReport(c.env, c.var.account.id, c.req.valid("param").reportId) }, 200),
);

preflightRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/v1/services/preflight/checks/{reportId}",
    tags: ["Preflight"],
    summary: "Delete a report and its stored file",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    request: { params: ReportIdParam },
    responses: {
      200: { description: "Deleted", content: { "application/json": { schema: ReportDeleted } } },
      ...pathErrors,
      ...bearerErrors,
    },
  }),
  async (c) => {
    const { reportId } = c.req.valid("param");
    await deleteReport(c.env, c.var.account.id, reportId);
    return c.json({ data: { reportId, deleted: true as const } }, 200);
  },
);
