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
  429: { description: "RATE_LIMITED", content: errorContent },
} as const;

export const insufficientTokensResponse = {
  402: { description: "INSUFFICIENT_TOKENS", content: { "application/json": { schema: InsufficientTokensBody } } },
} as const;

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { content: { "application/json": { schema } }, required: true } as const;
}

export const bearerAuth = [{ bearerAuth: [] }];
