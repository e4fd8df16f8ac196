import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { PART_BYTES } from "../../src/files/r2-writer";
import { api, apiWith, signUp } from "../helpers/api";
import { download } from "../helpers/jobs";
import { storedPng } from "../helpers/png";

const UPLOADS = "/v1/services/uploads";
const MIB = 1024 * 1024;

let account: { token: string; id: string };
beforeAll(async () => {
  account = await signUp("uploads");
});

async function sha256(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Pseudo-random RGBA rows (alpha opaque): nothing in them compresses, so the PNG is as large as its pixels. */
function noisyPng(width: number, height: number): Uint8Array {
  let seed = width * 31 + height;
  return storedPng(width, height, (_y, rgba) => {
    for (let i = 0; i < rgba.length; i++) rgba[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  });
}

/** `bytes` as a request body of unknown length (no Content-Length), in chunks of `chunkBytes`. */
function chunked(bytes: Uint8Array, chunkBytes = 1 * MIB): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunkBytes));
      at += chunkBytes;
    },
  });
}

/** What the account has stored under its uploads. */
async function storedUploads(accountId: string): Promise<string[]> {
  return (await env.FILES.list({ prefix: `uploads/${accountId}/` })).objects.map((o) => o.key);
}

describe("POST /v1/services/uploads streams the body to R2", () => {
  it("stores a 36 MB PNG sent with its Content-Length byte for byte", async () => {
    const png = noisyPng(3000, 3000);
    // 3000 × 3000 px × 4 bytes of pixels, stored uncompressed: over 32 MiB.
    expect(png.byteLength).toBeGreaterThan(3000 * 3000 * 4);
    expect(png.byteLength).toBeGreaterThan(32 * MIB);
    const res = await api(UPLOADS, { token: account.token, rawBody: png, headers: { "content-type": "image/png" } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data).toMatchObject({ bytes: png.byteLength, contentType: "image/png" });
    const back = await download(res.body.data.fileUrl);
    expect(back.status).toBe(200);
    expect(back.bytes.byteLength).toBe(png.byteLength);
    expect(await sha256(back.bytes)).toBe(await sha256(png));
  });

  it("stores a body of unknown length (chunked), over one multipart part, byte for byte", async () => {
    const png = noisyPng(1800, 1500);
    expect(png.byteLength).toBeGreaterThan(PART_BYTES);
    const res = await api(UPLOADS, { token: account.token, rawBody: chunked(png, 300_000), headers: { "content-type": "image/png" } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data).toMatchObject({ bytes: png.byteLength, contentType: "image/png" });
    const back = await download(res.body.data.fileUrl);
    expect(await sha256(back.bytes)).toBe(await sha256(png));
  });

  it("takes the type from the bytes, whatever the Content-Type says", async () => {
    const png = noisyPng(40, 30);
    const res = await api(UPLOADS, { token: account.token, rawBody: chunked(png, 5), headers: { "content-type": "application/octet-stream" } });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ bytes: png.byteLength, contentType: "image/png" });
  });
});

describe("upload limits", () => {
  const call = apiWith({ MAX_SOURCE_BYTES: String(4 * MIB), MAX_PDF_BYTES: String(1 * MIB) });

  it.each([
    ["with its Content-Length", (bytes: Uint8Array) => bytes],
    ["without (chunked)", (bytes: Uint8Array) => chunked(bytes, 512 * 1024)],
  ])("413 for a raster over MAX_SOURCE_BYTES sent %s, and nothing stored", async (_how, body) => {
    const shop = await signUp("upload-limit");
    const png = noisyPng(1100, 1000);
    expect(png.byteLength).toBeGreaterThan(4 * MIB);
    const res = await call(UPLOADS, { token: shop.token, rawBody: body(png), headers: { "content-type": "image/png" } });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: "PAYLOAD_TOO_LARGE", limitBytes: 4 * MIB });
    expect(res.body.message).toMatch(/MAX_SOURCE_BYTES/);
    expect(await storedUploads(shop.id)).toEqual([]);
  });

  it.each([
    ["with its Content-Length", (bytes: Uint8Array) => bytes],
    ["without (chunked)", (bytes: Uint8Array) => chunked(bytes, 256 * 1024)],
  ])("413 naming MAX_PDF_BYTES for a PDF over it sent %s, while a raster as large is taken", async (_how, body) => {
    const shop = await signUp("upload-pdf");
    const pdf = new Uint8Array(1.5 * MIB).fill(0x20);
    pdf.set(new TextEncoder().encode("%PDF-1.7\n"));
    const refused = await call(UPLOADS, { token: shop.token, rawBody: body(pdf), headers: { "content-type": "application/pdf" } });
    expect(refused.status).toBe(413);
    expect(refused.body).toMatchObject({ error: "PAYLOAD_TOO_LARGE", limitBytes: 1 * MIB });
    expect(refused.body.message).toMatch(/MAX_PDF_BYTES/);
    expect(await storedUploads(shop.id)).toEqual([]);

    const png = noisyPng(700, 600);
    expect(png.byteLength).toBeGreaterThan(1.5 * MIB);
    const taken = await call(UPLOADS, { token: shop.token, rawBody: body(png), headers: { "content-type": "image/png" } });
    expect(taken.status).toBe(201);
    expect(await storedUploads(shop.id)).toHaveLength(1);
  });

  it("415 from the first bytes, before anything is stored", async () => {
    const shop = await signUp("upload-type");
    const gif = new Uint8Array(2 * MIB);
    gif.set(new TextEncoder().encode("GIF89a"));
    const res = await call(UPLOADS, { token: shop.token, rawBody: chunked(gif), headers: { "content-type": "image/gif" } });
    expect(res.status).toBe(415);
    expect(res.body.error).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(await storedUploads(shop.id)).toEqual([]);
  });
});

describe("multipart uploads (read whole, so bounded by MAX_PDF_BYTES)", () => {
  const call = apiWith({ MAX_PDF_BYTES: String(1 * MIB) });

  it("stores the `file` field", async () => {
    const png = noisyPng(200, 150);
    const form = new FormData();
    form.set("file", new File([png], "shopper.png", { type: "image/png" }));
    const res = await call(UPLOADS, { token: account.token, rawBody: form });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data).toMatchObject({ bytes: png.byteLength, contentType: "image/png" });
    expect(await sha256((await download(res.body.data.fileUrl)).bytes)).toBe(await sha256(png));
  });

  it("413 past the bound, telling the caller to send the raw body", async () => {
    const png = noisyPng(700, 600);
    const form = new FormData();
    form.set("file", new File([png], "large.png", { type: "image/png" }));
    const res = await call(UPLOADS, { token: account.token, rawBody: form });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: "PAYLOAD_TOO_LARGE", limitBytes: 1 * MIB });
    expect(res.body.message).toMatch(/MAX_PDF_BYTES.*raw request body/);
  });
});
