import { createRoute } from "@hono/zod-openapi";
import { requireAccount } from "../middleware/auth";
import { scoreDpi } from "../preflight/dpi";
import { DpiScoreRequest, DpiScoreResponse } from "../preflight/schemas";
import { bearerAuth, createRouter, errorResponses, jsonBody } from "./openapi";

export const preflightRoutes = createRouter();

preflightRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/services/preflight/dpi-score",
    tags: ["Preflight"],
    summary: "Quick DPI score (free)",
    description: "A file-free rating from pixel dimensions and the canvas size. minPpi by productType: photo_on_canvas and stock_canvas 100, poster, framed_print and wrapping_paper 150, wallpaper 75.",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    request: { body: jsonBody(DpiScoreRequest) },
    responses: {
      200: { description: "The score", content: { "application/json": { schema: DpiScoreResponse } } },
      400: errorResponses[400],
      401: errorResponses[401],
      429: errorResponses[429],
    },
  }),
  (c) => c.json({ data: scoreDpi(c.req.valid("json")) }, 200),
);
