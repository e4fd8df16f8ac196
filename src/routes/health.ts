import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "./openapi";

export const healthRoutes = createRouter();

healthRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/health",
    tags: ["Meta"],
    summary: "Liveness",
    responses: { 200: { description: "Up", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } } },
  }),
  (c) => c.json({ status: "ok" as const }, 200),
);
