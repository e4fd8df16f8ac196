import { createRoute, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { verifyFileUrl } from "../files/signing";
import { storeUpload } from "../files/uploads";
import { requireService } from "../middleware/auth";
import { AppError, validationError } from "../platform/errors";
import { readSettings } from "../platform/settings";
import { bearerAuth, bearerErrors, createRouter, errorResponses } from "./openapi";

export const fileRoutes = createRouter();

const Upload = z
  .object({
    data: z.object({
      fileUrl: z.string().openapi({ description: "Signed link, accepted as image_url / fileUrl by every service" }),
      expiresAt: z.string(),
      bytes: z.number().int(),
      contentType: z.string(),
    }),
  })
  .openapi("Upload");

/** The body's Content-Type, for the document; any type is taken, since the bytes decide. */
const UPLOAD_MEDIA_TYPES = ["image/jpeg", "image/png", "image/webp", "image/tiff", "application/pdf", "application/octet-stream"];

function tooLarge(limit: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `Uploads are limited to ${Math.floor(limit / (1024 * 1024))} MB (MAX_SOURCE_BYTES).`, {
    details: { limitBytes: limit },
  });
}

fileRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/services/uploads",
    tags: ["Files"],
    summary: "Upload a source file",
    description: "Send the file as the raw body with its Content-Type, or as multipart/form-data field `file`.",
    security: bearerAuth,
    middleware: [
      // A widget uploads the shopper's file before it asks for a cut-out or a check.
      requireService("bg-remove", "preflight"),
      // The limit is a setting, so the middleware is built per request.
      async (c, next) => {
        const limit = readSettings(c.env).maxSourceBytes;
        return bodyLimit({ maxSize: limit, onError: () => { throw tooLarge(limit); } })(c, next);
      },
    ] as const,
    // No zod schemas: the handler reads the body itself, so no validator is added for it.
    request: {
      body: {
        required: true,
        description: "The file: JPEG, PNG, WebP, TIFF or PDF (the type is taken from its bytes).",
        content: {
          // Raw bytes need no schema (OpenAPI 3.1); a multipart file is a string of some media type.
          ...Object.fromEntries(UPLOAD_MEDIA_TYPES.map((type) => [type, {}])),
          "multipart/form-data": {
            schema: { type: "object", properties: { file: { type: "string", contentMediaType: "application/octet-stream" } }, required: ["file"] },
          },
        },
      },
    },
    responses: {
      201: { description: "Stored", content: { "application/json": { schema: Upload } } },
      400: errorResponses[400],
      ...bearerErrors,
      413: errorResponses[413],
      415: errorResponses[415],
    },
  }),
  async (c) => {
    const contentType = c.req.header("content-type") ?? "";
    let bytes: Uint8Array;
    if (contentType.startsWith("multipart/form-data")) {
      const form = await c.req.formData().catch((cause) => {
        throw validationError([{ path: "file", message: "malformed multipart body" }], "The multipart body could not be read.", cause);
      });
      const file = form.get("file");
      if (!file || typeof file === "string") {
        throw validationError([{ path: "file", message: "is required" }], "Send the file in the multipart field `file`.");
      }
      bytes = new Uint8Array(await file.arrayBuffer());
    } else {
      bytes = new Uint8Array(await c.req.arrayBuffer());
    }
    return c.json({ data: await storeUpload(c.env, new URL(c.req.url).origin, c.var.account.id, bytes) }, 201);
  },
);

/**
 * Signed file links (outputs and uploads). No bearer token: the signature is
 * the permission. Not part of the OpenAPI document; links are only ever
 * handed out by the API.
 */
fileRoutes.get("/v1/files/*", async (c) => {
  const check = await verifyFileUrl(c.env.URL_SIGNING_SECRET, new URL(c.req.url), Math.floor(Date.now() / 1000));
  if (!check.ok) {
    throw new AppError("FORBIDDEN", check.reason === "expired" ? "This link has expired." : "This link is not valid.");
  }
  const object = await c.env.FILES.get(check.key);
  if (!object) throw new AppError("NOT_FOUND", "The file no longer exists.");
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  headers.set("etag", object.httpEtag);
  headers.set("content-length", String(object.size));
  headers.set("cache-control", "private, max-age=3600");
  headers.set("x-content-type-options", "nosniff");
  return new Response(object.body, { headers });
});
