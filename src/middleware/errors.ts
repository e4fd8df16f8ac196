import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../platform/env";
import { AppError } from "../platform/errors";
import { readSettings } from "../platform/settings";

/** Where a 402 sends the caller: the TOP_UP_URL setting, else this deployment's dashboard. */
export function topUpUrl(c: Context<AppEnv>): string {
  return readSettings(c.env).topUpUrl ?? new URL("/dashboard/wallet?tab=buy", c.req.url).toString();
}

/** Hono raises HTTPException for framework-level failures (malformed JSON, body limit). */
function fromHttpException(error: HTTPException): AppError {
  switch (error.status) {
    case 400:
      return new AppError("VALIDATION_ERROR", "The request body is not valid JSON.", {
        details: { issues: [{ path: "", message: error.message }] },
      });
    case 413:
      return new AppError("PAYLOAD_TOO_LARGE", error.message);
    case 401:
      return new AppError("UNAUTHORIZED", error.message);
    default:
      return new AppError(error.status >= 500 ? "INTERNAL_ERROR" : "VALIDATION_ERROR", error.message);
  }
}

/**
 * The only place that writes error bodies: `{ error, message, requestId, ...details }`,
 * flat like the reference's 402. Unknown errors are logged with their stack
 * and answered with a bare 500 that reveals nothing.
 */
export const handleError: ErrorHandler<AppEnv> = (error, c) => {
  let appError: AppError;
  if (error instanceof AppError) appError = error;
  else if (error instanceof HTTPException) appError = fromHttpException(error);
  else {
    console.error(`request ${c.get("requestId")} failed`, error);
    appError = new AppError("INTERNAL_ERROR", "Something went wrong on our side. Please retry; the request id helps support find it.");
  }

  const body: Record<string, unknown> = {
    error: appError.code,
    message: appError.message,
    ...appError.details,
    requestId: c.get("requestId"),
  };
  if (appError.code === "INSUFFICIENT_TOKENS") body.top_up_url ??= topUpUrl(c);
  for (const [name, value] of Object.entries(appError.headers)) c.header(name, value);
  return c.json(body, appError.status as ContentfulStatusCode);
};

export const handleNotFound: NotFoundHandler<AppEnv> = (c) =>
  handleError(new AppError("NOT_FOUND", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`), c);
