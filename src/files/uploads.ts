import { sniff, MIME_TYPES, type SniffedType } from "../imaging/sniff";
import type { Env } from "../platform/env";
import { AppError, validationError } from "../platform/errors";
import { randomId } from "../platform/ids";
import { uploadKey } from "./keys";
import { fileLink } from "./links";

/** What callers may upload: what the services can read. */
export const UPLOADABLE_TYPES: readonly SniffedType[] = ["jpeg", "png", "webp", "tiff", "pdf"];

export interface StoredUpload {
  fileUrl: string;
  expiresAt: string;
  bytes: number;
  contentType: string;
}

/**
 * Stores a caller's file in R2 and returns a signed link to it that every
 * service accepts as `image_url` / `fileUrl` (and reads straight from R2).
 * The type is taken from the bytes, not from what the request claims.
 */
export async function storeUpload(env: Env, origin: string, accountId: string, bytes: Uint8Array): Promise<StoredUpload> {
  if (bytes.byteLength === 0) throw validationError([{ path: "file", message: "is empty" }], "The upload is empty.");
  const sniffed = sniff(bytes);
  if (!sniffed || !UPLOADABLE_TYPES.includes(sniffed.type)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Upload a JPEG, PNG, WebP, TIFF or PDF file.");
  }
  const contentType = MIME_TYPES[sniffed.type];
  const key = uploadKey(accountId, randomId());
  await env.FILES.put(key, bytes, { httpMetadata: { contentType }, customMetadata: { accountId } });
  const link = await fileLink(env, origin, key);
  return { fileUrl: link.url, expiresAt: link.expiresAt, bytes: bytes.byteLength, contentType };
}
