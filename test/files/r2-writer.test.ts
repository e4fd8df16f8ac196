import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PART_BYTES, R2StreamWriter } from "../../src/files/r2-writer";

/** Deterministic bytes, different in every position of a part. */
function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed * 7 + (i >> 13)) & 255;
  return bytes;
}

async function sha256(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("R2StreamWriter", () => {
  it("writes an object of several parts from odd-sized chunks, byte for byte", async () => {
    const key = `test/r2-writer/${crypto.randomUUID()}`;
    const writer = new R2StreamWriter(env.FILES, key, { httpMetadata: { contentType: "image/png" } });
    const chunks = [pattern(3_000_001, 1), pattern(PART_BYTES, 2), pattern(7_777_777, 3), pattern(5, 4)];
    const whole = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let offset = 0;
    for (const chunk of chunks) {
      await writer.write(chunk);
      whole.set(chunk, offset);
      offset += chunk.byteLength;
    }
    expect(await writer.close()).toBe(whole.byteLength);
    const stored = await env.FILES.get(key);
    expect(stored?.size).toBe(whole.byteLength);
    expect(stored?.httpMetadata?.contentType).toBe("image/png");
    expect(await sha256(await stored!.arrayBuffer())).toBe(await sha256(whole));
  });

  it("writes a small object with one put", async () => {
    const key = `test/r2-writer/${crypto.randomUUID()}`;
    const writer = new R2StreamWriter(env.FILES, key, {});
    await writer.write(pattern(1000, 9));
    expect(await writer.close()).toBe(1000);
    expect(new Uint8Array(await (await env.FILES.get(key))!.arrayBuffer())).toEqual(pattern(1000, 9));
  });

  it.each([
    ["small chunks, within one part (one put)", 3 * 1024 * 1024 + 17],
    ["small chunks, past one part (multipart)", PART_BYTES + 3 * 1024 * 1024 + 17],
  ])("writes %s byte for byte as its first buffer grows", async (_, length) => {
    const key = `test/r2-writer/${crypto.randomUUID()}`;
    const writer = new R2StreamWriter(env.FILES, key, {});
    const whole = pattern(length, 11);
    // 40 KB, then ever larger pieces: every growth step of the first buffer is crossed mid-chunk.
    let offset = 0;
    for (let size = 40_000; offset < length; size = Math.ceil(size * 1.7)) {
      const chunk = whole.subarray(offset, Math.min(length, offset + size));
      await writer.write(chunk);
      offset += chunk.byteLength;
    }
    expect(await writer.close()).toBe(length);
    expect(await sha256(await (await env.FILES.get(key))!.arrayBuffer())).toBe(await sha256(whole));
  });

  it("leaves nothing behind when aborted", async () => {
    const key = `test/r2-writer/${crypto.randomUUID()}`;
    const writer = new R2StreamWriter(env.FILES, key, {});
    await writer.write(pattern(PART_BYTES + 10, 5));
    await writer.abort();
    expect(await env.FILES.head(key)).toBeNull();
  });
});
