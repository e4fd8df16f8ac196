import { sniffType, MIME_TYPES, type SniffedType } from "../imaging/sniff";
import type { Env } from "../platform/env";
import { AppError, validationError } from "../platform/errors";
import { randomId } from "../platform/ids";
import { readSettings } from "../platform/settings";
import { uploadKey } from "./keys";
import { fileLink } from "./links";
import { R2StreamWriter } from "./r2-writer";

/** What callers may upload: what the services can read. */
export const UPLOADABLE_TYPES: readonly SniffedType[] = ["jpeg", "png", "webp", "tiff", "pdf"];

/** Enough of a file's start to tell its type (sniffType looks at 12 bytes at most). */
const SNIFF_BYTES = 16;

export interface StoredUpload {
  fileUrl: string;
  expiresAt: string;
  bytes: number;
  contentType: string;
}

export interface UploadBody {
  stream: ReadableStream<Uint8Array> | null;
  /** The declared length (Content-Length), or null for a body of unknown length (chunked). */
  length: number | null;
}

const MIB = 1024 * 1024;

/** A 413 naming the setting that bounds the file. */
export function uploadTooLarge(limitBytes: number, setting: "MAX_SOURCE_BYTES" | "MAX_PDF_BYTES", message?: string): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", message ?? `Uploads are limited to ${Math.floor(limitBytes / MIB)} MB (${setting}).`, { details: { limitBytes } });
}

/**
 * Stores a caller's file in R2 and returns a signed link to it that every
 * service accepts as `image_url` / `fileUrl` (and reads straight from R2).
 * The type is taken from the first bytes, not from what the request claims,
 * and refused before anything is stored. The body goes to R2 as it arrives
 * and is never held whole: files run to MAX_SOURCE_BYTES (100 MB), and the
 * API's isolate serves other requests beside it.
 */
export async function storeUpload(env: Env, origin: string, accountId: string, body: UploadBody): Promise<StoredUpload> {
  const settings = readSettings(env);
  if (body.length !== null && body.length > Math.max(settings.maxSourceBytes, settings.maxPdfBytes)) {
    await body.stream?.cancel();
    throw uploadTooLarge(settings.maxSourceBytes, "MAX_SOURCE_BYTES");
  }
  const reader = body.stream?.getReader();
  const first = reader ? await readStart(reader, SNIFF_BYTES) : new Uint8Array(0);
  if (first.byteLength === 0) throw validationError([{ path: "file", message: "is empty" }], "The upload is empty.");
  const type = sniffType(first);
  if (!type || !UPLOADABLE_TYPES.includes(type)) {
    await reader!.cancel();
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Upload a JPEG, PNG, WebP, TIFF or PDF file.");
  }
  const limit = type === "pdf" ? settings.maxPdfBytes : settings.maxSourceBytes;
  const tooLarge = () =>
    type === "pdf"
      ? uploadTooLarge(limit, "MAX_PDF_BYTES", `PDF uploads are limited to ${Math.floor(limit / MIB)} MB (MAX_PDF_BYTES): a PDF is read whole to be checked.`)
      : uploadTooLarge(limit, "MAX_SOURCE_BYTES");
  if (body.length !== null && body.length > limit) {
    await reader!.cancel();
    throw tooLarge();
  }

  const contentType = MIME_TYPES[type];
  const key = uploadKey(accountId, randomId());
  const options = { httpMetadata: { contentType }, customMetadata: { accountId } };
  const chunks = bodyChunks(first, reader!);
  const bytes = body.length !== null ? await putKnownLength(env.FILES, key, options, chunks, body.length) : await putStreamed(env.FILES, key, options, chunks, limit, tooLarge);
  const link = await fileLink(env, origin, key);
  return { fileUrl: link.url, expiresAt: link.expiresAt, bytes, contentType };
}

/** Reads until at least `bytes` bytes (or the whole body, if shorter) are at hand. */
async function readStart(reader: ReadableStreamDefaultReader<Uint8Array>, bytes: number): Promise<Uint8Array> {
  let start: Uint8Array = new Uint8Array(0);
  while (start.byteLength < bytes) {
    const { done, value } = await reader.read();
    if (done) break;
    if (start.byteLength === 0) start = value;
    else {
      const joined = new Uint8Array(start.byteLength + value.byteLength);
      joined.set(start);
      joined.set(value, start.byteLength);
      start = joined;
    }
  }
  return start;
}

/** The bytes already read, then the rest of the body; the reader is cancelled when the consumer stops early. */
async function* bodyChunks(first: Uint8Array, reader: ReadableStreamDefaultReader<Uint8Array>): AsyncGenerator<Uint8Array> {
  let finished = false;
  try {
    yield first;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield value;
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}

const lengthMismatch = (length: number) =>
  validationError([{ path: "file", message: `does not match its Content-Length (${length} bytes)` }], "The body's length differs from its Content-Length.");

/** One put of a stream of known length: R2 takes a stream only when its length is known up front. */
async function putKnownLength(bucket: R2Bucket, key: string, options: R2PutOptions, chunks: AsyncGenerator<Uint8Array>, length: number): Promise<number> {
  const { readable, writable } = new FixedLengthStream(length);
  const writer = writable.getWriter();
  const put = bucket.put(key, readable, options);
  const copy = (async () => {
    try {
      let written = 0;
      for await (const chunk of chunks) {
        written += chunk.byteLength;
        if (written > length) throw lengthMismatch(length);
        await writer.write(chunk);
      }
      if (written !== length) throw lengthMismatch(length);
      await writer.close();
    } catch (error) {
      // An aborted stream fails the put, so nothing is stored.
      await writer.abort(error).catch(() => undefined);
      throw error;
    }
  })();
  const [copied, stored] = await Promise.allSettled([copy, put]);
  if (copied.status === "rejected") throw copied.reason;
  if (stored.status === "rejected") throw stored.reason;
  return length;
}

/** A body of unknown length: a multipart upload, one part in memory at a time, cut off at `limit`. */
async function putStreamed(bucket: R2Bucket, key: string, options: R2PutOptions & R2MultipartOptions, chunks: AsyncGenerator<Uint8Array>, limit: number, tooLarge: () => AppError): Promise<number> {
  const writer = new R2StreamWriter(bucket, key, options);
  try {
    for await (const chunk of chunks) {
      if (writer.bytesWritten + chunk.byteLength > limit) throw tooLarge();
      await writer.write(chunk);
    }
    return await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
