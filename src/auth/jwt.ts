import { base64UrlDecode, base64UrlEncode, fromUtf8, timingSafeEqual, utf8 } from "../platform/encoding";

/**
 * HS256 JSON Web Tokens (RFC 7519) over WebCrypto. Only HS256 is accepted:
 * the header is checked before the signature, so `alg: none` and every other
 * algorithm are refused rather than "verified" with the wrong key type.
 */
export interface AccessClaims {
  sub: string;
  iat: number;
  exp: number;
}

/** HMAC keys shorter than the hash output weaken HS256 (RFC 7518 §3.2). */
const MIN_SECRET_BYTES = 32;

/** How far ahead of this server's clock `iat` and `nbf` may be, for clocks that drift apart. */
export const CLOCK_SKEW_SECONDS = 60;

export type VerifyResult =
  | { ok: true; claims: AccessClaims }
  | { ok: false; reason: "malformed" | "algorithm" | "signature" | "expired" | "not_yet_valid" | "claims" };

async function hmacKey(secret: string): Promise<CryptoKey> {
  const bytes = utf8(secret);
  if (bytes.byteLength < MIN_SECRET_BYTES) {
    throw new Error(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes; refusing to sign or verify tokens.`);
  }
  return crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

function encodeJson(value: unknown): string {
  return base64UrlEncode(utf8(JSON.stringify(value)));
}

function decodeJson(part: string): unknown {
  const bytes = base64UrlDecode(part);
  if (!bytes) return null;
  try {
    return JSON.parse(fromUtf8(bytes));
  } catch {
    return null; // not JSON: the caller reports the token as malformed
  }
}

export async function signAccessToken(subject: string, ttlSeconds: number, secret: string, nowSeconds: number): Promise<string> {
  const key = await hmacKey(secret);
  const claims: AccessClaims = { sub: subject, iat: nowSeconds, exp: nowSeconds + ttlSeconds };
  const signingInput = `${encodeJson({ alg: "HS256", typ: "JWT" })}.${encodeJson(claims)}`;
  const signature = await crypto.subtle.sign("HMAC", key, utf8(signingInput));
  return `${signingInput}.${base64UrlEncode(signature)}`;
}

export async function verifyAccessToken(token: string, secret: string, nowSeconds: number): Promise<VerifyResult> {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "malformed" };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];

  const header = decodeJson(headerPart);
  if (!header || typeof header !== "object") return { ok: false, reason: "malformed" };
  const { alg, typ } = header as { alg?: unknown; typ?: unknown };
  if (alg !== "HS256" || (typ !== undefined && typ !== "JWT")) return { ok: false, reason: "algorithm" };

  const signature = base64UrlDecode(signaturePart);
  if (!signature) return { ok: false, reason: "malformed" };
  const key = await hmacKey(secret);
  const expected = new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(`${headerPart}.${payloadPart}`)));
  if (!timingSafeEqual(expected, signature)) return { ok: false, reason: "signature" };

  const payload = decodeJson(payloadPart);
  if (!payload || typeof payload !== "object") return { ok: false, reason: "malformed" };
  const { sub, iat, exp, nbf } = payload as Record<string, unknown>;
  if (typeof sub !== "string" || sub === "" || !Number.isFinite(iat) || !Number.isFinite(exp) || (nbf !== undefined && !Number.isFinite(nbf))) {
    return { ok: false, reason: "claims" };
  }
  if ((exp as number) <= nowSeconds) return { ok: false, reason: "expired" };
  // This service issues tokens by its own clock: one issued or valid only in the future, past clock drift, is not one of its own.
  if ((iat as number) > nowSeconds + CLOCK_SKEW_SECONDS || (nbf !== undefined && (nbf as number) > nowSeconds + CLOCK_SKEW_SECONDS)) {
    return { ok: false, reason: "not_yet_valid" };
  }
  return { ok: true, claims: { sub, iat: iat as number, exp: exp as number } };
}
