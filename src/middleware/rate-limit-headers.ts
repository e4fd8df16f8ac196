import type { Context } from "hono";
import type { LimitState } from "../platform/rate-limit";

/**
 * The limits that applied to a request, as the IETF RateLimit header fields
 * (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` names each
 * quota policy with its quota `q` and window `w` in seconds, and `RateLimit`
 * what is left of it, `r` requests, and `t` seconds until one more fits.
 * Both are Structured Field lists, so a client paces itself instead of
 * running into 429.
 */
export function setRateLimitHeaders(c: Context, states: readonly LimitState[]): void {
  if (states.length === 0) return;
  c.header("RateLimit-Policy", states.map((s) => `${sfString(s.policy)};q=${s.limit};w=${s.windowSeconds}`).join(", "));
  c.header("RateLimit", states.map((s) => `${sfString(s.policy)};r=${s.remaining};t=${s.resetSeconds}`).join(", "));
}

/** An RFC 9651 String: printable ASCII, with `"` and `\` escaped. */
function sfString(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, "").replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
}
