import { base64UrlDecode, base64UrlEncode, timingSafeEqual, utf8 } from "../platform/encoding";

/**
 * Passwords are stored as PBKDF2-HMAC-SHA256 with a random 16-byte salt.
 * 100,000 iterations is the most the Workers runtime allows for PBKDF2
 * (it rejects larger counts), and the count is stored with each hash so it
 * can be raised later without invalidating old ones.
 */
export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;
const SCHEME = "pbkdf2-sha256";

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", utf8(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return `${SCHEME}$${PBKDF2_ITERATIONS}$${base64UrlEncode(salt)}$${base64UrlEncode(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterationsText, saltText, hashText] = stored.split("$");
  const iterations = Number(iterationsText);
  const salt = base64UrlDecode(saltText ?? "");
  const expected = base64UrlDecode(hashText ?? "");
  if (scheme !== SCHEME || !Number.isSafeInteger(iterations) || !salt || !expected) return false;
  return timingSafeEqual(await derive(password, salt, iterations), expected);
}

/**
 * Logins for unknown emails verify against this instead, so they cost the
 * same PBKDF2 work as real ones and do not reveal which emails have
 * accounts. The hash part is arbitrary bytes that no password derives to.
 */
export const DECOY_PASSWORD_HASH = `${SCHEME}$${PBKDF2_ITERATIONS}$3q2-7wAAAAAAAAAAAAAAAA$${"A".repeat(43)}`;
