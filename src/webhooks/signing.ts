/**
 * Standard Webhooks signatures (standardwebhooks.com): a secret is `whsec_`
 * + base64 of random bytes; a delivery is signed with HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${body}`, and `webhook-signature` is a
 * space-separated list of `v1,<base64 signature>`, one per secret that
 * signs (two for a day after a rotation), so a receiver holding either
 * secret verifies it.
 */
import { base64Encode } from "../platform/encoding";

const PREFIX = "whsec_";
const SECRET_BYTES = 32;

export function newSecret(): string {
  return PREFIX + base64Encode(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

export async function signature(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", secretBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return `v1,${base64Encode(new Uint8Array(mac))}`;
}

/** The three headers of a delivery attempt, signed with every secret given. */
export async function signedHeaders(secrets: readonly string[], id: string, timestamp: number, body: string): Promise<Record<string, string>> {
  const signatures = await Promise.all(secrets.map((secret) => signature(secret, id, timestamp, body)));
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signatures.join(" ") };
}

function secretBytes(secret: string): Uint8Array {
  const encoded = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  return Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
}
