import { createRoute, z } from "@hono/zod-openapi";
import { readModelManifest } from "../bg-removal/manifest";
import { activateModel, putModelFile } from "../bg-removal/provision";
import { requireAdminKey } from "../middleware/auth";
import { AppError, validationError } from "../platform/errors";
import { createRouter, errorResponses } from "./openapi";

export const adminModelRoutes = createRouter();

const adminKey = [{ adminKey: [] }];
const ManifestBody = z.record(z.string(), z.unknown()).openapi("ModelManifest");

adminModelRoutes.openapi(
  createRoute({
    method: "put",
    path: "/v1/admin/models/{name}/files/{path}",
    tags: ["Admin"],
    summary: "Store one segmentation model file",
    description: "Raw body; X-Content-SHA256 is checked by R2 while storing. scripts/provision-model.mjs calls this.",
    security: adminKey,
    middleware: [requireAdminKey] as const,
    request: { params: z.object({ name: z.string(), path: z.string() }) },
    responses: {
      201: { description: "Stored", content: { "application/json": { schema: z.object({ data: z.object({ key: z.string(), bytes: z.number() }) }) } } },
      400: errorResponses[400],
      401: errorResponses[401],
      422: errorResponses[422],
    },
  }),
  async (c) => {
    const { name, path } = c.req.valid("param");
    if (!c.req.raw.body) throw validationError([{ path: "body", message: "is empty" }], "The body is empty.");
    const stored = await putModelFile(c.env, name, path, c.req.header("x-content-sha256") ?? "", await c.req.arrayBuffer());
    return c.json({ data: stored }, 201);
  },
);

adminModelRoutes.openapi(
  createRoute({
    method: "put",
    path: "/v1/admin/models/active",
    tags: ["Admin"],
    summary: "Activate a model manifest",
    description: "Every file the manifest names must be stored with a matching size and SHA-256.",
    security: adminKey,
    middleware: [requireAdminKey] as const,
    request: { body: { content: { "application/json": { schema: ManifestBody } }, required: true } },
    responses: {
      200: { description: "Active", content: { "application/json": { schema: z.object({ data: ManifestBody }) } } },
      400: errorResponses[400],
      401: errorResponses[401],
      422: errorResponses[422],
    },
  }),
  async (c) => c.json({ data: await activateModel(c.env, c.req.valid("json")) }, 200),
);

adminModelRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/admin/models/active",
    tags: ["Admin"],
    summary: "The active model manifest",
    security: adminKey,
    middleware: [requireAdminKey] as const,
    responses: {
      200: { description: "Active", content: { "application/json": { schema: z.object({ data: ManifestBody }) } } },
      401: errorResponses[401],
      404: errorResponses[404],
    },
  }),
  async (c) => {
    const manifest = await readModelManifest(c.env).catch((cause) => {
      throw new AppError("NOT_FOUND", "No model is active.", { cause });
    });
    return c.json({ data: manifest }, 200);
  },
);
