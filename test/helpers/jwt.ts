import { base64UrlEncode, utf8 } from "../../src/platform/encoding";

export const TEST_JWT_SECRET = "test-jwt-secret-0123456789abcdef0123456789";

function part(value: unknown): string {
  return base64UrlEncode(utf8(JSON.stringify(value)));
}

/** Builds a JWT by hand, for tokens the service must refuse. */
export async function craftToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  options: { secret?: string; hash?: "SHA-256" | "SHA-512"; signature?: string } = {},
): Promise<string> {
  const input = `${part(header)}.${part(payload)}`;
  if (options.signature !== undefined) return `${input}.${options.signature}`;
  const key = await crypto.subtle.importKey(
    "raw",
    utf8(options.secret ?? TEST_JWT_SECRET),
    { name: "HMAC", hash: options.hash ?? "SHA-256" },
    false,
    ["sign"],
  );
  return `${input}.${base64UrlEncode(await crypto.subtle.sign("HMAC", key, utf8(input)))}`;
}
