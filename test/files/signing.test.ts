import { describe, expect, it } from "vitest";
import { signFileUrl, verifyFileUrl } from "../../src/files/signing";

const NOW = 1_800_000_000;
const ORIGIN = "http://api.test";

// HMAC-SHA256 keys shorter than the hash output (32 bytes) are weak (RFC 2104 §3); the same floor as JWT_SECRET.
describe("file link signing secret", () => {
  it.each([
    ["empty", ""],
    ["short", "short"],
    ["31 bytes", "x".repeat(31)],
    ["31 bytes of 2-byte characters and one of 1 byte", "é".repeat(15) + "x"],
  ])("refuses to sign with a secret that is %s", async (_name, secret) => {
    await expect(signFileUrl(secret, ORIGIN, "uploads/a.png", NOW)).rejects.toThrow(/URL_SIGNING_SECRET must be at least 32 bytes/);
  });

  it("refuses to verify a link with a short secret", async () => {
    const { url } = await signFileUrl("x".repeat(32), ORIGIN, "uploads/a.png", NOW);
    await expect(verifyFileUrl("x".repeat(31), new URL(url), NOW)).rejects.toThrow(/URL_SIGNING_SECRET must be at least 32 bytes/);
  });

  it.each([
    ["32 bytes", "x".repeat(32)],
    ["32 bytes in 16 characters", "é".repeat(16)],
  ])("signs and verifies with a secret of %s", async (_name, secret) => {
    const { url } = await signFileUrl(secret, ORIGIN, "uploads/a.png", NOW);
    expect(await verifyFileUrl(secret, new URL(url), NOW + 10)).toEqual({ ok: true, key: "uploads/a.png" });
  });
});
