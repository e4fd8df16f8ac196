import { release } from "../imaging/release";

/**
 * Writes an object to R2 as its bytes are produced, holding at most one part
 * in memory. R2 wants every part but the last to be the same size (and at
 * least 5 MiB), so bytes are gathered into fixed-size parts; an object that
 * ends before the first part fills is written with a single put instead.
 * The first part's buffer grows with what arrives (most objects are far
 * smaller than a part: a zeroed 8 MiB buffer for a 60 KB file cost more than
 * the rest of its check), up to SMALL_BYTES and then straight to a part.
 */
export const PART_BYTES = 8 * 1024 * 1024;
/** R2's smallest part size (every part but the last): the least a writer can hold. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** The first buffer, and how far it grows by doubling before it becomes a whole part (so growing holds at most a part and this). */
const FIRST_BYTES = 64 * 1024;
const SMALL_BYTES = 1024 * 1024;

export class R2StreamWriter {
  private part: Uint8Array;
  private filled = 0;
  private total = 0;
  private upload: R2MultipartUpload | null = null;
  private readonly parts: R2UploadedPart[] = [];

  constructor(
    private readonly bucket: R2Bucket,
    private readonly key: string,
    private readonly options: R2PutOptions & R2MultipartOptions,
    private readonly partBytes = PART_BYTES,
  ) {
    this.part = new Uint8Array(Math.min(partBytes, FIRST_BYTES));
  }

  get bytesWritten(): number {
    return this.total;
  }

  async write(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.byteLength) {
      if (this.filled + chunk.byteLength - offset > this.part.byteLength && this.part.byteLength < this.partBytes) this.grow(this.filled + chunk.byteLength - offset);
      const n = Math.min(chunk.byteLength - offset, this.part.byteLength - this.filled);
      this.part.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.partBytes) await this.flushPart();
    }
    this.total += chunk.byteLength;
  }

  /** A larger first buffer for `needed` bytes: doubled while small, else a whole part. */
  private grow(needed: number): void {
    let size = this.part.byteLength * 2;
    while (size < needed && size < SMALL_BYTES) size *= 2;
    if (size < needed || size > SMALL_BYTES) size = this.partBytes;
    const larger = new Uint8Array(Math.min(size, this.partBytes));
    larger.set(this.part.subarray(0, this.filled));
    release(this.part);
    this.part = larger;
  }

  private async flushPart(): Promise<void> {
    this.upload ??= await this.bucket.createMultipartUpload(this.key, this.options);
    // uploadPart may keep a reference to what it is given until it resolves: hand it a copy-free view, then start a new buffer.
    const body = this.filled === this.partBytes ? this.part : this.part.subarray(0, this.filled);
    this.parts.push(await this.upload.uploadPart(this.parts.length + 1, body));
    // Uploaded: the part is freed now rather than left as 8 MB of garbage beside the next one.
    release(this.part);
    this.part = new Uint8Array(this.partBytes);
    this.filled = 0;
  }

  /** Finishes the object; returns its size in bytes. */
  async close(): Promise<number> {
    if (!this.upload) {
      await this.bucket.put(this.key, this.part.subarray(0, this.filled), this.options);
    } else {
      if (this.filled > 0) await this.flushPart();
      await this.upload.complete(this.parts);
    }
    this.part = new Uint8Array(0);
    return this.total;
  }

  /** Drops whatever was uploaded (a failed job leaves no partial object behind). */
  async abort(): Promise<void> {
    this.part = new Uint8Array(0);
    if (this.upload) await this.upload.abort().catch(() => undefined);
  }
}
