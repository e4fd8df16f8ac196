import { createRoute, z } from "@hono/zod-openapi";
import { readModelManifest } from "../bg-removal/manifest";
import { activateModel, putModelFile } from "../bg-removal/provision";
import { requireAdminKey } from "../middleware/auth";
import { AppError, validationError } from "../platform/errors";
import { adminKeyErrors, createRouter, errorResponses, jsonBodyErrors } from "./openapi";

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
    // The file itself is the body; no zod schema, so no validator reads it before the handler.
    request: {
      params: z.object({ name: z.string(), path: z.string() }),
      body: { required: true, content: { "application/octet-stream": {} } },
    },
    parameters: [
      {
        in: "header",
        name: "X-Content-SHA256",
        required: true,
        description: "The file's SHA-256 in hex; R2 refuses a body that does not match (422).",
        schema: { type: "string", pattern: "^[0-9a-f]{64}$" },
      },
    ],
    responses: {
      201: { description: "Stored", content: { "application/json": { schema: z.object({ data: z.object({ key: z.string(), bytes: z.number() }) }) } } },
      400: errorResponses[400],
      ...adminKeyErrors,
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
      ...jsonBodyErrors,
      ...adminKeyErrors,
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
      ...adminKeyErrors,
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
