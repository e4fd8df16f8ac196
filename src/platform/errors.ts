/**
 * The one error type of the service. Domain code throws it; only the HTTP
 * error handler (src/middleware/errors.ts) turns it into a response, so the
 * code → status table below is the whole contract of api-contract.md.
 */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  INSUFFICIENT_TOKENS: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_INPUT: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export interface ValidationIssue {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Extra top-level fields of the JSON body (the 402 body is flat, as the reference shows). */
  readonly details: Record<string, unknown>;
  /** Extra response headers, e.g. Retry-After for RATE_LIMITED. */
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options.details ?? {};
    this.headers = options.headers ?? {};
  }

  get status(): ErrorStatus {
    return ERROR_STATUS[this.code];
  }
}

export function validationError(issues: ValidationIssue[], message = "The request is not valid.", cause?: unknown): AppError {
  return new AppError("VALIDATION_ERROR", message, { details: { issues }, cause });
}

/**
 * Schema issues (zod's shape: a key path and a message) as the API's
 * `issues`. Several checks of one field can fail with the same words; each
 * is said once.
 */
export function fromSchemaIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues
    .map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }))
    .filter((issue) => {
      const key = `${issue.path}\n${issue.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

export function notFound(what: string): AppError {
  return new AppError("NOT_FOUND", `${what} was not found.`);
}

export function unauthorized(message = "A valid bearer token is required."): AppError {
  return new AppError("UNAUTHORIZED", message, { headers: { "WWW-Authenticate": 'Bearer realm="api"' } });
}

export function rateLimited(retryAfterSeconds: number, message: string): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new AppError("RATE_LIMITED", message, {
    details: { retryAfterSeconds: seconds },
    headers: { "Retry-After": String(seconds) },
  });
}
