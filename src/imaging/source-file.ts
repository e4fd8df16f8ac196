/**
 * A stored file that decoders read as a stream (from the start or from an
 * offset) or by ranges, and may read more than once: an R2 object, or bytes
 * already in memory (small files, tests). Print files run to 100 MB, more
 * than an isolate can hold beside anything else, so no decoder here takes
 * a file as one buffer: JPEG and PNG stream it, TIFF reads its strips and
 * tiles by range, and a second pass (EXIF rotation, the cut-out's full
 * resolution composite) reads it again.
 */
export interface SourceFile {
  readonly size: number;
  /** The bytes from `offset` (default 0) to the end, in chunks of whatever size the store delivers. */
  stream(offset?: number): Promise<ReadableStream<Uint8Array>>;
  /** `length` bytes at `offset`, fewer only at the end of the file. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Bytes in memory as a SourceFile; streams hand out views in chunks of `chunkBytes`. */
export function bytesFile(bytes: Uint8Array, chunkBytes = 64 * 1024): SourceFile {
  return {
    size: bytes.byteLength,
    async stream(offset = 0) {
      let at = Math.min(offset, bytes.byteLength);
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= bytes.byteLength) return controller.close();
          const end = Math.min(bytes.byteLength, at + chunkBytes);
          controller.enqueue(bytes.subarray(at, end));
          at = end;
        },
      });
    },
    async read(offset, length) {
      return bytes.subarray(Math.min(offset, bytes.byteLength), Math.min(bytes.byteLength, offset + length));
    },
  };
}

/** Thrown when an R2 object disappears between two reads of one decode (deleted under a running job). */
export class SourceGoneError extends Error {
  override name = "SourceGoneError";
}

/** An R2 object as a SourceFile. `size` is the object's size from a head() or get() already made. */
export function r2File(bucket: R2Bucket, key: string, size: number): SourceFile {
  const get = async (range: R2Range) => {
    const object = await bucket.get(key, { range });
    if (!object) throw new SourceGoneError(`${key} is no longer stored`);
    return object;
  };
  return {
    size,
    async stream(offset = 0) {
      if (offset >= size) return new ReadableStream<Uint8Array>({ start: (c) => c.close() });
      return (await get({ offset })).body;
    },
    async read(offset, length) {
      const end = Math.min(size, offset + length);
      if (end <= offset) return new Uint8Array(0);
      return new Uint8Array(await (await get({ offset, length: end - offset })).arrayBuffer());
    },
  };
}

/** An R2 object as a SourceFile, or null when there is no such object. */
export async function openR2File(bucket: R2Bucket, key: string): Promise<SourceFile | null> {
  const head = await bucket.head(key);
  return head ? r2File(bucket, key, head.size) : null;
}

/** Reads a whole SourceFile into one buffer: only for files known to be small. */
export async function readAll(file: SourceFile): Promise<Uint8Array> {
  return file.read(0, file.size);
}
