import { base64UrlDecode, base64UrlEncode, fromUtf8, timingSafeEqual, utf8 } from "../platform/encoding";

/**
 * Widget tokens are JWTs that can never pass for account access tokens,
 * three times over:
 * - the header's `typ` is `widget+jwt` (RFC 8725 §3.11 explicit typing), and
 *   the account verifier accepts only `JWT` or none;
 * - they are signed with a key derived from JWT_SECRET for this purpose
 *   only, so even a verifier that ignored `typ` would find the signature wrong;
 * - `sub` is the widget token's id (wt_…), which names no account.
 * `aud` says the same thing once more for anyone reading a token.
 */
export const WIDGET_TOKEN_TYP = "widget+jwt";
export const WIDGET_TOKEN_AUDIENCE = "printcart-widget";

/** As for account tokens: HMAC keys shorter than the hash output weaken HS256 (RFC 7518 §3.2). */
const MIN_SECRET_BYTES = 32;
const KEY_LABEL = "printcart widget token signing key v1";

export interface WidgetClaims {
  /** The widget token's id: its row in widget_tokens. */
  sub: string;
  /** The account that minted it and pays for its calls. */
  acc: string;
  aud: typeof WIDGET_TOKEN_AUDIENCE;
  iat: number;
  exp: number;
}

export type WidgetVerifyResult =
  | { ok: true; claims: WidgetClaims }
  | { ok: false; reason: "malformed" | "signature" | "expired" | "claims" };

async function signingKey(secret: string): Promise<CryptoKey> {
  const bytes = utf8(secret);
  if (bytes.byteLength < MIN_SECRET_BYTES) {
    throw new Error(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes; refusing to sign or verify widget tokens.`);
  }
  const master = await crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const derived = await crypto.subtle.sign("HMAC", master, utf8(KEY_LABEL));
  return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

function part(value: unknown): string {
  return base64UrlEncode(utf8(JSON.stringify(value)));
}

function parseJson(segment: string): Record<string, unknown> | null {
  const bytes = base64UrlDecode(segment);
  if (!bytes) return null;
  try {
    const value: unknown = JSON.parse(fromUtf8(bytes));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null; // not JSON: reported as malformed
  }
}

/** Whether a bearer token says it is a widget token (before anything is verified). */
export function looksLikeWidgetToken(token: string): boolean {
  const header = parseJson(token.split(".")[0] ?? "");
  return header?.typ === WIDGET_TOKEN_TYP;
}

export async function signWidgetToken(claims: Omit<WidgetClaims, "aud">, secret: string): Promise<string> {
  const input = `${part({ alg: "HS256", typ: WIDGET_TOKEN_TYP })}.${part({ ...claims, aud: WIDGET_TOKEN_AUDIENCE })}`;
  const signature = await crypto.subtle.sign("HMAC", await signingKey(secret), utf8(input));
  return `${input}.${base64UrlEncode(signature)}`;
}

export async function verifyWidgetToken(token: string, secret: string, nowSeconds: number): Promise<WidgetVerifyResult> {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "malformed" };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = parseJson(headerPart);
  if (!header || header.alg !== "HS256" || header.typ !== WIDGET_TOKEN_TYP) return { ok: false, reason: "malformed" };

  const signature = base64UrlDecode(signaturePart);
  if (!signature) return { ok: false, reason: "malformed" };
  const expected = new Uint8Array(await crypto.subtle.sign("HMAC", await signingKey(secret), utf8(`${headerPart}.${payloadPart}`)));
  if (!timingSafeEqual(expected, signature)) return { ok: false, reason: "signature" };

  const payload = parseJson(payloadPart);
  if (!payload) return { ok: false, reason: "malformed" };
  const { sub, acc, aud, iat, exp } = payload;
  if (typeof sub !== "string" || !sub.startsWith("wt_") || typeof acc !== "string" || acc === "" || aud !== WIDGET_TOKEN_AUDIENCE) {
    return { ok: false, reason: "claims" };
  }
  if (typeof iat !== "number" || typeof exp !== "number" || !Number.isFinite(iat) || !Number.isFinite(exp)) return { ok: false, reason: "claims" };
  if (exp <= nowSeconds) return { ok: false, reason: "expired" };
  return { ok: true, claims: { sub, acc, aud, iat, exp } };
}
