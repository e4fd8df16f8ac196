import { createRoute, z } from "@hono/zod-openapi";
import { verifyFileUrl } from "../files/signing";
import { storeUpload, uploadTooLarge, type UploadBody } from "../files/uploads";
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

/**
 * The `file` field of a multipart body. formData() holds the whole body in
 * memory, so multipart bodies are bounded by MAX_PDF_BYTES (25 MB); the raw
 * body is streamed to R2 and takes files up to MAX_SOURCE_BYTES.
 */
async function multipartFile(request: Request, declaredLength: number | null, limit: number): Promise<File> {
  const tooLarge = () =>
    uploadTooLarge(
      limit,
      "MAX_PDF_BYTES",
      `Multipart uploads are limited to ${Math.floor(limit / (1024 * 1024))} MB (MAX_PDF_BYTES); send larger files as the raw request body with their Content-Type.`,
    );
  if (declaredLength !== null && declaredLength > limit) throw tooLarge();
  let received = 0;
  let over = false;
  const counted = request.body?.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > limit) {
          over = true;
          controller.error(new Error("multipart body over its limit"));
        } else controller.enqueue(chunk);
      },
    }),
  );
  const form = await new Response(counted, { headers: { "content-type": request.headers.get("content-type") ?? "" } }).formData().catch((cause) => {
    if (over) throw tooLarge();
    throw validationError([{ path: "file", message: "malformed multipart body" }], "The multipart body could not be read.", cause);
  });
  const file = form.get("file");
  if (!file || typeof file === "string") {
    throw validationError([{ path: "file", message: "is required" }], "Send the file in the multipart field `file`.");
  }
  return file;
}

/** Content-Length as a number, or null when the body's length is not declared (chunked). */
function declaredLength(request: Request): number | null {
  const header = request.headers.get("content-length");
  const length = header === null ? NaN : Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : null;
}

fileRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/services/uploads",
    tags: ["Files"],
    summary: "Upload a source file",
    description:
      "Send the file as the raw body with its Content-Type (up to MAX_SOURCE_BYTES, 100 MB; PDFs up to MAX_PDF_BYTES, 25 MB), or as multipart/form-data field `file` (up to MAX_PDF_BYTES, as multipart bodies are read whole).",
    security: bearerAuth,
    middleware: [
      // A widget uploads the shopper's file before it asks for a cut-out, a sticker or a check.
      requireService("bg-remove", "stickers", "preflight"),
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
    const length = declaredLength(c.req.raw);
    let body: UploadBody = { stream: c.req.raw.body, length };
    if ((c.req.header("content-type") ?? "").startsWith("multipart/form-data")) {
      const file = await multipartFile(c.req.raw, length, readSettings(c.env).maxPdfBytes);
      body = { stream: file.stream(), length: file.size };
    }
    return c.json({ data: await storeUpload(c.env, new URL(c.req.url).origin, c.var.account.id, body) }, 201);
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
