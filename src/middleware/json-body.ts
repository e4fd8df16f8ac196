import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../platform/env";
import { AppError } from "../platform/errors";

/** JSON bodies of this API are small; anything larger is refused before it is read. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

function hasBody(headers: Headers): boolean {
  const length = headers.get("content-length");
  return headers.has("transfer-encoding") || (length !== null && length !== "0");
}

/**
 * For JSON endpoints: a body must say it is JSON (415 otherwise, rather than
 * a confusing "field required"), and may be at most MAX_JSON_BODY_BYTES.
 */
/** Endpoints that take raw file bodies instead of JSON: uploads and model files. */
function takesRawBody(path: string): boolean {
  return path === "/v1/services/uploads" || /^\/v1\/admin\/models\/[^/]+\/files\//.test(path);
}

export const jsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (takesRawBody(c.req.path)) return next();
  if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS" || !hasBody(c.req.raw.headers)) {
    return next();
  }
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0]!.trim();
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the request body as JSON with Content-Type: application/json.");
  }
  return bodyLimit({
    maxSize: MAX_JSON_BODY_BYTES,
    onError: () => {
      throw new AppError("PAYLOAD_TOO_LARGE", `JSON bodies are limited to ${MAX_JSON_BODY_BYTES} bytes.`, {
        details: { limitBytes: MAX_JSON_BODY_BYTES },
      });
    },
  })(c, next);
});
