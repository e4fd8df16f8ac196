import { base64UrlDecode, base64UrlEncode, timingSafeEqual, utf8 } from "../platform/encoding";

/**
 * Signed links to files in R2, served by this Worker at /v1/files/<key>.
 * The signature is HMAC-SHA256 over the key and the expiry, so changing
 * either (or the signature) gives 403; no bearer token is needed.
 */
export const FILE_LINK_TTL_SECONDS = 24 * 60 * 60;
export const FILES_PATH_PREFIX = "/v1/files/";

/** HMAC keys shorter than the hash output weaken HMAC-SHA256 (RFC 2104 §3), as for JWT_SECRET. */
const MIN_SECRET_BYTES = 32;

async function mac(secret: string, key: string, expires: number): Promise<Uint8Array> {
  const bytes = utf8(secret);
  if (bytes.byteLength < MIN_SECRET_BYTES) {
    throw new Error(`URL_SIGNING_SECRET must be at least ${MIN_SECRET_BYTES} bytes; refusing to sign or verify file links.`);
  }
  const cryptoKey = await crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, utf8(`${key}\n${expires}`)));
}

export async function signFileUrl(secret: string, origin: string, key: string, nowSeconds: number, ttlSeconds = FILE_LINK_TTL_SECONDS): Promise<{ url: string; expiresAt: string }> {
  const expires = nowSeconds + ttlSeconds;
  const signature = base64UrlEncode(await mac(secret, key, expires));
  const path = key.split("/").map(encodeURIComponent).join("/");
  return {
    url: `${origin}${FILES_PATH_PREFIX}${path}?expires=${expires}&signature=${signature}`,
    expiresAt: new Date(expires * 1000).toISOString(),
  };
}

export type FileLinkCheck = { ok: true; key: string } | { ok: false; reason: "not-a-file-link" | "expired" | "signature" };

/** Checks a link made by signFileUrl. Only the path and query matter: any host serving this API will do. */
export async function verifyFileUrl(secret: string, url: URL, nowSeconds: number): Promise<FileLinkCheck> {
  if (!url.pathname.startsWith(FILES_PATH_PREFIX)) return { ok: false, reason: "not-a-file-link" };
  let key: string;
  try {
    key = url.pathname.slice(FILES_PATH_PREFIX.length).split("/").map(decodeURIComponent).join("/");
  } catch {
    return { ok: false, reason: "signature" };
  }
  const expires = Number(url.searchParams.get("expires"));
  const signature = base64UrlDecode(url.searchParams.get("signature") ?? "");
  if (!key || key.split("/").some((part) => part === "" || part === "." || part === "..")) return { ok: false, reason: "signature" };
  if (!Number.isSafeInteger(expires) || !signature) return { ok: false, reason: "signature" };
  if (!timingSafeEqual(await mac(secret, key, expires), signature)) return { ok: false, reason: "signature" };
  if (expires <= nowSeconds) return { ok: false, reason: "expired" };
  return { ok: true, key };
}
