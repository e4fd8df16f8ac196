import type { Env } from "./env";

/** Settings with their defaults; each name carries its unit. */
export interface Settings {
  rateLimitPerMinute: number;
  accessTokenTtlSeconds: number;
  topUpUrl: string | null;
  fetchAllowHosts: string[];
  /** Largest source file fetched or uploaded: rasters, which are streamed and never held whole. */
  maxSourceBytes: number;
  /** Largest PDF fetched or uploaded: pdf-lib parses a PDF whole, in memory. */
  maxPdfBytes: number;
  /** Largest source image, in pixels, checked from the file header before decoding (preflight pixel checks, AI fixes). */
  maxSourcePixels: number;
  /** Largest source image a background-removal job takes. */
  bgRemoveMaxPixels: number;
  /** Deadline for fetching a source URL, body included. */
  fetchTimeoutMs: number;
  /** Largest image an AI fix job may produce (a 4× upscale of 12 MP is 192 MP), checked before tokens are taken. */
  maxOutputPixels: number;
  /** Full preflight checks an account may run per UTC day (the plan's quota). */
  preflightChecksPerDay: number;
  /** A job not finished this long after its charge fails, and its hold is refunded. */
  jobDeadlineSeconds: number;
  /** Uploaded source files are deleted this long after upload. */
  uploadRetentionDays: number;
  /** Failed logins for one email address per hour, from anywhere. */
  loginFailuresPerEmailPerHour: number;
  /** Login attempts from one client IP per minute, whatever the email. */
  loginAttemptsPerIpPerMinute: number;
  /** Accounts created from one client IP per hour. */
  signupsPerIpPerHour: number;
  /** Of those, how many the account's storefront widgets may run together per UTC day. */
  widgetPreflightChecksPerDay: number;
  /** Delays before each retry of a failed webhook delivery; after the last, the delivery has failed. */
  webhookRetryScheduleSeconds: number[];
}

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 120;
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 3600;
/** Print files run to 25 MP and 100 MB; uploads, checks and their decoders stream them. */
export const DEFAULT_MAX_SOURCE_BYTES = 100 * 1024 * 1024;
/** pdf-lib holds the file and its parsed objects at once, several times the file's size. */
export const DEFAULT_MAX_PDF_BYTES = 25 * 1024 * 1024;
/**
 * Every job decodes in bands and never holds a frame (src/imaging/open-raster.ts),
 * so the pixel limits are what the slowest-to-stream formats fit in 128 MB:
 * a progressive JPEG keeps its DCT coefficients (3 bytes a pixel at 4:2:0,
 * 73 MB at 25 MP) and an interlaced PNG its first six passes (48 MiB at
 * 25 MP RGBA). Measured per job kind at 12 and 25 MP: bench/RESULTS.md,
 * Memory. Larger files are checked from their header alone.
 */
export const DEFAULT_MAX_SOURCE_PIXELS = 25_000_000;
/**
 * Background removal decodes the source twice in the image Worker (into a
 * 2048 px guide, then band by band into the output) and runs the model on
 * a tensor of that guide in the model Worker, so the source's size reaches
 * neither the model's isolate nor a frame (src/bg-removal/stages.ts).
 */
export const DEFAULT_BG_REMOVE_MAX_PIXELS = 25_000_000;
export const DEFAULT_FETCH_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_OUTPUT_PIXELS = 200_000_000;
export const DEFAULT_PREFLIGHT_CHECKS_PER_DAY = 500;
/**
 * A background removal takes seconds and a 4× upscale of 12 MP under a
 * minute; four deliveries with their retries and the dead-letter queue fit
 * in well under an hour. A job still unfinished then is stuck, and the shop
 * gets its tokens back rather than wait.
 */
export const DEFAULT_JOB_DEADLINE_SECONDS = 3600;
/** Upload links expire after 24 h; the file is kept a week for support questions, then deleted. */
export const DEFAULT_UPLOAD_RETENTION_DAYS = 7;
/**
 * Password guessing: 10 wrong passwords an hour per email stops an online
 * attack on one account while a person who mistypes a few times is never
 * held up; 30 attempts a minute per IP caps one client's PBKDF2 CPU across
 * emails; 20 sign-ups an hour per IP stops scripted account farming.
 */
export const DEFAULT_LOGIN_FAILURES_PER_EMAIL_PER_HOUR = 10;
export const DEFAULT_LOGIN_ATTEMPTS_PER_IP_PER_MINUTE = 30;
export const DEFAULT_SIGNUPS_PER_IP_PER_HOUR = 20;
/**
 * Widget checks are made by shoppers, whom the shop does not control: at
 * most a fifth of the default quota, so a busy or hostile storefront still
 * leaves the shop 400 checks a day of its own. 100 covers a small shop's
 * day of shoppers uploading print files; a larger one raises both settings
 * (keeping this one below PREFLIGHT_CHECKS_PER_DAY).
 */
export const DEFAULT_WIDGET_PREFLIGHT_CHECKS_PER_DAY = 100;

/**
 * Standard Webhooks' suggested schedule: 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 10 h: eight attempts over about 28 hours, so a receiver that is down
 * for a day still gets every event.
 */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18000, 36000, 36000];

/** A comma-separated list of whole seconds, each at most a queue's 12 h delay; the default if any is not. */
function secondsList(raw: string | undefined, fallback: number[]): number[] {
  if (raw === undefined || raw.trim() === "") return fallback;
  const values = raw.split(",").map((v) => Number(v.trim()));
  return values.every((v) => Number.isSafeInteger(v) && v >= 0 && v <= 43_200) ? values : fallback;
}

function positiveInt(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

export function readSettings(env: Env): Settings {
  return {
    rateLimitPerMinute: positiveInt(env.RATE_LIMIT_PER_MINUTE, DEFAULT_RATE_LIMIT_PER_MINUTE),
    accessTokenTtlSeconds: positiveInt(env.ACCESS_TOKEN_TTL_SECONDS, DEFAULT_ACCESS_TOKEN_TTL_SECONDS),
    topUpUrl: env.TOP_UP_URL?.trim() ? env.TOP_UP_URL.trim() : null,
    fetchAllowHosts: (env.FETCH_ALLOW_HOSTS ?? "")
      .split(",")
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
    maxSourceBytes: positiveInt(env.MAX_SOURCE_BYTES, DEFAULT_MAX_SOURCE_BYTES),
    maxPdfBytes: positiveInt(env.MAX_PDF_BYTES, DEFAULT_MAX_PDF_BYTES),
    maxSourcePixels: positiveInt(env.MAX_SOURCE_PIXELS, DEFAULT_MAX_SOURCE_PIXELS),
    bgRemoveMaxPixels: positiveInt(env.BG_REMOVE_MAX_PIXELS, DEFAULT_BG_REMOVE_MAX_PIXELS),
    fetchTimeoutMs: positiveInt(env.FETCH_TIMEOUT_MS, DEFAULT_FETCH_TIMEOUT_MS),
    maxOutputPixels: positiveInt(env.MAX_OUTPUT_PIXELS, DEFAULT_MAX_OUTPUT_PIXELS),
    preflightChecksPerDay: positiveInt(env.PREFLIGHT_CHECKS_PER_DAY, DEFAULT_PREFLIGHT_CHECKS_PER_DAY),
    jobDeadlineSeconds: positiveInt(env.JOB_DEADLINE_SECONDS, DEFAULT_JOB_DEADLINE_SECONDS),
    uploadRetentionDays: positiveInt(env.UPLOAD_RETENTION_DAYS, DEFAULT_UPLOAD_RETENTION_DAYS),
    loginFailuresPerEmailPerHour: positiveInt(env.LOGIN_FAILURES_PER_EMAIL_PER_HOUR, DEFAULT_LOGIN_FAILURES_PER_EMAIL_PER_HOUR),
    loginAttemptsPerIpPerMinute: positiveInt(env.LOGIN_ATTEMPTS_PER_IP_PER_MINUTE, DEFAULT_LOGIN_ATTEMPTS_PER_IP_PER_MINUTE),
    signupsPerIpPerHour: positiveInt(env.SIGNUPS_PER_IP_PER_HOUR, DEFAULT_SIGNUPS_PER_IP_PER_HOUR),
    widgetPreflightChecksPerDay: positiveInt(env.WIDGET_PREFLIGHT_CHECKS_PER_DAY, DEFAULT_WIDGET_PREFLIGHT_CHECKS_PER_DAY),
    webhookRetryScheduleSeconds: secondsList(env.WEBHOOK_RETRY_SCHEDULE_SECONDS, DEFAULT_WEBHOOK_RETRY_SCHEDULE_SECONDS),
  };
}
