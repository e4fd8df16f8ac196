import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../platform/env";
import { fromSchemaIssues, validationError } from "../platform/errors";

/**
 * Every area's router is made here so they share the validation hook: a
 * failed zod parse of body, query or path becomes 400 VALIDATION_ERROR with
 * `issues: [{ path, message }]`.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(fromSchemaIssues(result.error.issues));
    },
  });
}

export const ErrorBody = z
  .object({
    error: z.string().openapi({ example: "VALIDATION_ERROR" }),
    message: z.string(),
    requestId: z.string().optional(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .passthrough()
  .openapi("Error");

export const InsufficientTokensBody = z
  .object({
    error: z.literal("INSUFFICIENT_TOKENS"),
    balance: z.number().int(),
    shortfall: z.number().int(),
    top_up_url: z.string(),
    message: z.string().optional(),
  })
  .openapi("InsufficientTokens");

const errorContent = { "application/json": { schema: ErrorBody } };
const retryAfter = {
  "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "integer" as const, minimum: 1 } },
};

/** Documented error responses shared by the routes; the bodies all come from handleError. */
export const errorResponses = {
  400: { description: "VALIDATION_ERROR", content: errorContent },
  401: { description: "UNAUTHORIZED", content: errorContent },
  403: { description: "FORBIDDEN", content: errorContent },
  404: { description: "NOT_FOUND", content: errorContent },
  409: { description: "CONFLICT", content: errorContent },
  413: { description: "PAYLOAD_TOO_LARGE", content: errorContent },
  415: { description: "UNSUPPORTED_MEDIA_TYPE", content: errorContent },
  422: { description: "UNPROCESSABLE_INPUT", content: errorContent },
  429: { description: "RATE_LIMITED", headers: retryAfter, content: errorContent },
  503: { description: "SERVICE_UNAVAILABLE: the job could not be recorded or queued; its tokens were refunded", content: errorContent },
} as const;

export const insufficientTokensResponse = {
  402: { description: "INSUFFICIENT_TOKENS", content: { "application/json": { schema: InsufficientTokensBody } } },
} as const;

// What the middleware in front of a route can answer, so that each route
// documents every status a caller can get from it (test/openapi.test.ts).

/** requireAccount / requireService: no or bad token; a widget token or page origin refused; the rate limit. */
export const bearerErrors = { 401: errorResponses[401], 403: errorResponses[403], 429: errorResponses[429] } as const;
/** requireAdminKey: no X-Admin-Key; a wrong one. */
export const adminKeyErrors = { 401: errorResponses[401], 403: errorResponses[403] } as const;
/** A JSON body: malformed or invalid (400), over 64 KiB (413), not JSON (415). */
export const jsonBodyErrors = { 400: errorResponses[400], 413: errorResponses[413], 415: errorResponses[415] } as const;
/** Path parameters: malformed (400), or nothing of the caller's by that id (404). */
export const pathErrors = { 400: errorResponses[400], 404: errorResponses[404] } as const;
/**
 * A charging POST: a malformed Idempotency-Key (400), the key reused for
 * another request or still running (409), the wallet short (402), the job not
 * recorded or queued (503).
 */
export const chargeErrors = { ...insufficientTokensResponse, 400: errorResponses[400], 409: errorResponses[409], 503: errorResponses[503] } as const;

/** The optional Idempotency-Key header of charging POSTs (src/middleware/idempotency.ts). */
export const idempotencyKeyHeader = {
  in: "header" as const,
  name: "Idempotency-Key",
  required: false,
  description: "Within 24 hours a replay with the same key returns the first response (with Idempotent-Replayed: true) and charges nothing more.",
  schema: { type: "string" as const, minLength: 1, maxLength: 255, pattern: "^[\\x21-\\x7e]+$" },
};

/** Set on a response that replays the first response to an Idempotency-Key. */
export const idempotentReplayedHeader = {
  "Idempotent-Replayed": { description: "true when this is the stored response to an earlier request with the same Idempotency-Key", schema: { type: "string" as const, enum: ["true"] } },
};

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { content: { "application/json": { schema } }, required: true } as const;
}

export const bearerAuth = [{ bearerAuth: [] }];
