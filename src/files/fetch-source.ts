import type { Env } from "../platform/env";
import { AppError, validationError } from "../platform/errors";
import { readSettings } from "../platform/settings";
import { checkFetchUrl } from "../platform/url-policy";
import { bytesFile, r2File, type SourceFile } from "../imaging/source-file";
import { concatBytes } from "../platform/encoding";
import { R2StreamWriter } from "./r2-writer";
import { verifyFileUrl } from "./signing";

/** Why a source could not be had; callers map it to an HTTP error or a failed job. */
export class SourceError extends Error {
  constructor(
    readonly kind: "refused" | "unreachable" | "too_large" | "timeout" | "http_status" | "missing",
    message: string,
  ) {
    super(message);
    this.name = "SourceError";
  }
}

export interface FetchedSource {
  bytes: Uint8Array;
  contentType: string | null;
}

const MAX_REDIRECTS = 5;

type SourceTarget = { kind: "own"; key: string } | { kind: "remote"; url: URL } | { kind: "refused"; reason: string };

/**
 * Where a caller's URL points, by the part of the policy that needs no
 * network: one of this service's own signed file links (read from R2), a
 * remote URL the SSRF policy allows, or refused (with the reason, phrased to
 * follow "The URL …" or a field name).
 */
async function classifySource(env: Env, rawUrl: string): Promise<SourceTarget> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { kind: "refused", reason: "is not a valid URL" };
  }
  const ownFile = await verifyFileUrl(env.URL_SIGNING_SECRET, url, Math.floor(Date.now() / 1000));
  if (ownFile.ok) return { kind: "own", key: ownFile.key };
  if (ownFile.reason === "expired") return { kind: "refused", reason: "is an upload link that has expired; upload the file again" };
  // A link of this service's own form whose signature does not check out was altered: refused like an
  // expired one, rather than fetched over the network as somebody else's file, charged and failed later.
  if (ownFile.reason === "signature" && url.searchParams.has("signature")) {
    return { kind: "refused", reason: "is a file link whose signature is not valid; send the fileUrl exactly as it was returned" };
  }
  const verdict = checkFetchUrl(rawUrl, readSettings(env).fetchAllowHosts);
  return verdict.ok ? { kind: "remote", url: verdict.url } : { kind: "refused", reason: verdict.reason };
}

/**
 * Fetches a caller's file whole (PDFs, which are parsed in memory). Links to
 * this service's own files (uploads) are read straight from R2; the body of
 * a remote one is counted while it streams, so an oversized or endless body
 * is cut off at the limit rather than buffered.
 */
export async function fetchSource(env: Env, rawUrl: string, limits: { maxBytes: number; timeoutMs: number }): Promise<FetchedSource> {
  const target = await classifySource(env, rawUrl);
  if (target.kind === "refused") throw new SourceError("refused", `The URL ${target.reason}.`);
  if (target.kind === "own") return readOwnFile(env, target.key, limits.maxBytes);
  return withRemote(env, target.url, limits, async (response) => ({
    bytes: await readLimited(response, limits.maxBytes),
    contentType: response.headers.get("content-type"),
  }));
}

/**
 * Fetches a remote URL the policy allowed and hands the final response (2xx,
 * redirects followed) to `use`. Other URLs must pass the SSRF policy, on
 * every redirect hop too; the whole fetch, body included (so `use` too), has
 * one deadline.
 */
async function withRemote<T>(env: Env, start: URL, limits: { timeoutMs: number }, use: (response: Response) => Promise<T>): Promise<T> {
  const settings = readSettings(env);
  let url = start;
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const response = await fetch(url.toString(), { redirect: "manual", signal, headers: { accept: "image/*, application/pdf, */*;q=0.5" } });
      if (response.status >= 300 && response.status < 400 && response.headers.has("location")) {
        await response.body?.cancel();
        // Every hop passes the same policy as the URL itself.
        const verdict = checkFetchUrl(new URL(response.headers.get("location")!, url).toString(), settings.fetchAllowHosts);
        if (!verdict.ok) throw new SourceError("refused", `The URL redirects to an address that ${verdict.reason}.`);
        url = verdict.url;
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new SourceError("http_status", `Fetching the file returned HTTP ${response.status}.`);
      }
      return await use(response);
    }
    throw new SourceError("unreachable", `The URL redirects more than ${MAX_REDIRECTS} times.`);
  } catch (error) {
    if (error instanceof SourceError || error instanceof NotTheSource) throw error;
    if (signal.aborted) throw new SourceError("timeout", `Fetching the file took longer than ${Math.round(limits.timeoutMs / 1000)} s.`);
    throw new SourceError("unreachable", `The file could not be fetched (${error instanceof Error ? error.message : "network error"}).`);
  }
}

/** A failure while a fetched body was being handled that is not the source's (R2 refusing a write): it passes through withRemote as it is, and is retried, not blamed on the caller. */
class NotTheSource extends Error {}

/** Runs `store`, marking what it throws as not the source's fault. */
async function storing<T>(store: () => Promise<T>): Promise<T> {
  try {
    return await store();
  } catch (error) {
    throw new NotTheSource("storing the source failed", { cause: error });
  }
}

export interface StagedSource {
  /** Where the file is in R2: the caller's key for a fetched file, the upload's own key for an upload. */
  key: string;
  file: SourceFile;
  /** The file's first bytes (up to HEAD_BYTES), for sniffing and header checks. */
  head: Uint8Array;
  /** Whether this call wrote `key` (a fetched file), so the caller deletes it when done. */
  copied: boolean;
  contentType: string | null;
}

/** How much of a staged file's start is kept in memory: every header a check reads before the image data. */
export const HEAD_BYTES = 256 * 1024;

/** What stageSource may also do with a file as it arrives. */
export interface StageOptions {
  /**
   * Files `accepts` takes by their first bytes (at least SNIFF_BYTES of
   * them) and of at most `maxBytes` are also kept whole in memory, stored
   * with one put once complete, and read from memory afterwards (the
   * StagedSource's `file`): for files a caller parses whole anyway (PDFs),
   * which reading back from R2 would only transfer a second time. Past
   * `maxBytes` a file is streamed as any other.
   */
  keepWhole?: { maxBytes: number; accepts: (head: Uint8Array) => boolean };
}

/** How much of a file's start `keepWhole.accepts` is given (the whole file when it is shorter). */
export const SNIFF_BYTES = 16;

/**
 * Makes a caller's file readable from R2 without ever holding it whole: an
 * upload is already there; a remote file is streamed into `key` as it
 * arrives (one multipart part in memory at a time), counted against
 * `maxBytes` on the way. Decoders then read it as a stream or by ranges,
 * as often as they need (SourceFile). `options.keepWhole` keeps some files
 * whole instead.
 */
export async function stageSource(env: Env, rawUrl: string, key: string, limits: { maxBytes: number; timeoutMs: number }, options: StageOptions = {}): Promise<StagedSource> {
  const target = await classifySource(env, rawUrl);
  if (target.kind === "refused") throw new SourceError("refused", `The URL ${target.reason}.`);
  if (target.kind === "own") {
    const stored = await openStored(env.FILES, target.key);
    if (!stored) throw new SourceError("missing", "The uploaded file no longer exists; upload it again.");
    if (stored.file.size > limits.maxBytes) throw tooLarge(limits.maxBytes);
    return stored;
  }
  return withRemote(env, target.url, limits, async (response): Promise<StagedSource> => {
    const declared = Number(response.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      await response.body?.cancel();
      throw tooLarge(limits.maxBytes);
    }
    const length = response.headers.has("content-length") && Number.isSafeInteger(declared) ? declared : null;
    const contentType = response.headers.get("content-type");
    const putOptions = contentType ? { httpMetadata: { contentType } } : {};
    const keep = options.keepWhole;
    // Until the first bytes are in, a file may be either kind: it is held (a few bytes) until then.
    let undecided: Uint8Array[] | null = keep ? [] : null;
    let whole: WholeFile | null = null;
    let writer: R2StreamWriter | null = keep ? null : new R2StreamWriter(env.FILES, key, putOptions);
    const streamFrom = async (parts: Uint8Array[]) => {
      writer = new R2StreamWriter(env.FILES, key, putOptions);
      for (const part of parts) await storing(() => writer!.write(part));
    };
    const head = new Uint8Array(HEAD_BYTES);
    let headBytes = 0;
    let received = 0;
    try {
      if (response.body) {
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (received + value.byteLength > limits.maxBytes) {
            await reader.cancel();
            throw tooLarge(limits.maxBytes);
          }
          received += value.byteLength;
          if (headBytes < HEAD_BYTES) {
            const n = Math.min(HEAD_BYTES - headBytes, value.byteLength);
            head.set(value.subarray(0, n), headBytes);
            headBytes += n;
          }
          if (undecided) {
            undecided.push(value);
            if (headBytes < SNIFF_BYTES) continue;
            const parts = undecided;
            undecided = null;
            if (keep!.accepts(head.subarray(0, headBytes)) && (length === null || length <= keep!.maxBytes)) {
              whole = new WholeFile(null);
              for (const part of parts) whole.add(part);
              if (length !== null && received <= length) {
                reader.releaseLock();
                whole = new WholeFile(await readRest(response.body, parts, length));
                break;
              }
            } else {
              await streamFrom(parts);
            }
          } else if (whole) {
            whole.add(value);
          } else {
            await storing(() => writer!.write(value));
          }
          if (whole && whole.length > keep!.maxBytes) {
            const parts = whole.parts();
            whole = null;
            await streamFrom(parts);
          }
        }
      }
      if (undecided) {
        // A file shorter than SNIFF_BYTES.
        if (keep!.accepts(head.subarray(0, headBytes))) {
          whole = new WholeFile(null);
          for (const part of undecided) whole.add(part);
        } else {
          await streamFrom(undecided);
        }
      }
      if (whole) {
        const bytes = whole.bytes();
        await storing(() => env.FILES.put(key, bytes, putOptions));
        return { key, file: bytesFile(bytes), head: head.slice(0, headBytes), copied: true, contentType };
      }
      const size = await storing(() => writer!.close());
      return { key, file: r2File(env.FILES, key, size), head: head.slice(0, headBytes), copied: true, contentType };
    } catch (error) {
      await (writer as R2StreamWriter | null)?.abort();
      throw error;
    }
  }).catch((error: unknown) => {
    throw error instanceof NotTheSource ? error.cause : error;
  });
}

/**
 * The rest of a body of known `length`, after `first` was read, in one
 * buffer: one read inside the runtime (workerd's readAtLeast) rather than
 * chunk by chunk through JS and then joined; fewer bytes if the body ends
 * early.
 */
async function readRest(body: ReadableStream<Uint8Array>, first: Uint8Array[], length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let filled = 0;
  for (const part of first) {
    bytes.set(part, filled);
    filled += part.byteLength;
  }
  if (filled === length) return bytes;
  const reader = body.getReader({ mode: "byob" });
  try {
    // The read takes the buffer over (transfers it); the bytes are in what it hands back.
    const { value } = await reader.readAtLeast(length - filled, new Uint8Array(bytes.buffer, filled, length - filled));
    if (!value) return new Uint8Array(0);
    return new Uint8Array(value.buffer, 0, filled + value.byteLength);
  } finally {
    reader.releaseLock();
  }
}

/** A file gathered whole: chunks joined at the end, or one buffer read whole. */
class WholeFile {
  length = 0;
  private readonly chunks: Uint8Array[] = [];

  constructor(whole: Uint8Array | null) {
    if (whole) this.add(whole);
  }

  add(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.byteLength;
  }

  parts(): Uint8Array[] {
    return this.chunks;
  }

  bytes(): Uint8Array {
    return this.chunks.length === 1 ? this.chunks[0]! : concatBytes(this.chunks);
  }
}

/** A file already in R2 (an upload, a job's output) as a StagedSource: its first bytes and size from one ranged read. */
export async function openStored(bucket: R2Bucket, key: string): Promise<StagedSource | null> {
  const head = await bucket.get(key, { range: { offset: 0, length: HEAD_BYTES } });
  if (!head) return null;
  return {
    key,
    file: r2File(bucket, key, head.size),
    head: new Uint8Array(await head.arrayBuffer()),
    copied: false,
    contentType: head.httpMetadata?.contentType ?? null,
  };
}

function tooLarge(maxBytes: number): SourceError {
  return new SourceError("too_large", `The file is larger than the ${Math.floor(maxBytes / (1024 * 1024))} MB limit (MAX_SOURCE_BYTES).`);
}

async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(maxBytes);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

async function readOwnFile(env: Env, key: string, maxBytes: number): Promise<FetchedSource> {
  const object = await env.FILES.get(key);
  if (!object) throw new SourceError("missing", "The uploaded file no longer exists; upload it again.");
  if (object.size > maxBytes) {
    await object.body.cancel();
    throw tooLarge(maxBytes);
  }
  return { bytes: new Uint8Array(await object.arrayBuffer()), contentType: object.httpMetadata?.contentType ?? null };
}

/**
 * The part of the fetch policy that can be checked when a request arrives,
 * so a refused URL is a 400 before any token is taken.
 */
export async function assertFetchableUrl(env: Env, rawUrl: string, field: string): Promise<void> {
  const target = await classifySource(env, rawUrl);
  if (target.kind === "refused") throw validationError([{ path: field, message: target.reason }]);
}

/**
 * A source that could not be had, as the HTTP error of a request that needed
 * it right away (preflight checks): a refused URL is the caller's input
 * (400 on the field), an oversized file 413, anything else 422.
 */
export function sourceHttpError(error: SourceError, field: string): AppError {
  if (error.kind === "refused") return validationError([{ path: field, message: error.message }], error.message, error);
  if (error.kind === "too_large") return new AppError("PAYLOAD_TOO_LARGE", error.message, { cause: error });
  return new AppError("UNPROCESSABLE_INPUT", error.message, { cause: error });
}
