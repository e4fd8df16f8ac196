import type { SourceFile } from "../../imaging/source-file";

/**
 * The structure of a JPEG or PNG too large to read whole, checked as it
 * streams past: JPEG marker segments and entropy-coded scans up to the
 * end-of-image marker, PNG chunks up to IEND. The header readers (jpeg.ts,
 * png.ts) do the same walk over a file in memory; the damage found is
 * worded as they word it, so a report reads the same whatever the file's
 * size. The decoders cannot be relied on for this: the pixels of a file
 * over the pixel limit are never decoded, and a decoder stops reading at
 * the last row, before the end of the file.
 */
export interface RasterStructure {
  /** Why the file is broken, or null. */
  damage: string | null;
  /** Where the image data starts (the first JPEG scan's data, the first PNG IDAT chunk): the header readers need the bytes before it. */
  dataStart: number | null;
}

/**
 * Bytes of a stream read forward: the head already in memory, then the rest.
 * Positions are offsets in the file.
 */
class Cursor {
  position = 0;
  private buffer: Uint8Array;
  private at = 0;

  constructor(
    head: Uint8Array,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
  ) {
    this.buffer = head;
  }

  /** Makes `n` bytes from the position available to peek(); false at the end of the file. */
  async ensure(n: number): Promise<boolean> {
    while (this.buffer.length - this.at < n) {
      const { done, value } = await this.reader.read();
      if (done) return false;
      const rest = this.buffer.subarray(this.at);
      if (rest.length === 0) this.buffer = value;
      else {
        const joined = new Uint8Array(rest.length + value.length);
        joined.set(rest);
        joined.set(value, rest.length);
        this.buffer = joined;
      }
      this.at = 0;
    }
    return true;
  }

  /** The byte `k` past the position; ensure(k + 1) first. */
  peek(k: number): number {
    return this.buffer[this.at + k]!;
  }

  /** Moves `n` bytes forward; false when the file ends first. */
  async skip(n: number): Promise<boolean> {
    let left = n;
    for (;;) {
      const step = Math.min(left, this.buffer.length - this.at);
      this.at += step;
      this.position += step;
      left -= step;
      if (left === 0) return true;
      const { done, value } = await this.reader.read();
      if (done) return false;
      this.buffer = value;
      this.at = 0;
    }
  }

  /** Moves to the next `byte`; false when the file ends first. */
  async seek(byte: number): Promise<boolean> {
    for (;;) {
      const found = this.buffer.indexOf(byte, this.at);
      if (found >= 0) {
        this.position += found - this.at;
        this.at = found;
        return true;
      }
      if (!(await this.skip(this.buffer.length - this.at + 1))) return false;
      // skip() went one byte into the next chunk to load it: step back onto it.
      this.at -= 1;
      this.position -= 1;
    }
  }
}

/** Walks `file`'s structure from its start; `head` is its first bytes, already read. */
export async function scanStructure(file: SourceFile, head: Uint8Array, format: "jpeg" | "png"): Promise<RasterStructure> {
  const reader = (await file.stream(head.length)).getReader();
  try {
    const cursor = new Cursor(head, reader);
    return format === "jpeg" ? await jpegStructure(cursor, file.size) : await pngStructure(cursor, file.size);
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

const u16be = (c: Cursor, k: number) => (c.peek(k) << 8) | c.peek(k + 1);
const u32be = (c: Cursor, k: number) => ((c.peek(k) << 24) >>> 0) + (c.peek(k + 1) << 16) + (c.peek(k + 2) << 8) + c.peek(k + 3);

/** As readJpegHeader walks it. */
async function jpegStructure(c: Cursor, size: number): Promise<RasterStructure> {
  let damage: string | null = null;
  let dataStart: number | null = null;
  let ended = false;
  await c.skip(2);
  walk: while (await c.ensure(1)) {
    if (c.peek(0) !== 0xff) {
      damage = `no marker at byte ${c.position}`;
      break;
    }
    if (!(await c.ensure(2))) break;
    const marker = c.peek(1);
    if (marker === 0xff) {
      await c.skip(1); // fill byte
      continue;
    }
    if (marker === 0xd9) {
      ended = true;
      break;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      await c.skip(2);
      continue;
    }
    if (c.position + 4 > size || !(await c.ensure(4))) break;
    const length = u16be(c, 2);
    if (length < 2 || c.position + 2 + length > size) {
      damage = `segment 0x${marker.toString(16)} runs past the end of the file`;
      break;
    }
    await c.skip(2 + length);
    if (marker !== 0xda) continue;
    dataStart ??= c.position;
    // Entropy-coded data: the next marker is an 0xFF not followed by 0x00 (stuffing) or RSTn.
    for (;;) {
      if (!(await c.seek(0xff)) || !(await c.ensure(2))) {
        damage = "the image data is cut short (no end-of-image marker)";
        break walk;
      }
      const next = c.peek(1);
      if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) {
        await c.skip(next === 0xff ? 1 : 2);
        continue;
      }
      break;
    }
  }
  if (!damage && dataStart === null) damage = "the file has no image data (no scan)";
  if (!damage && !ended) damage = "the image data is cut short (no end-of-image marker)";
  return { damage, dataStart };
}

/** As readPngHeader walks it. */
async function pngStructure(c: Cursor, size: number): Promise<RasterStructure> {
  let damage: string | null = null;
  let dataStart: number | null = null;
  let ended = false;
  await c.skip(8);
  while (c.position + 8 <= size && (await c.ensure(8))) {
    const length = u32be(c, 0);
    const type = String.fromCharCode(c.peek(4), c.peek(5), c.peek(6), c.peek(7));
    if (c.position + 8 + length + 4 > size) {
      damage = `chunk ${type} runs past the end of the file`;
      break;
    }
    if (type === "IDAT") dataStart ??= c.position;
    else if (type === "IEND") {
      ended = true;
      break;
    }
    await c.skip(8 + length + 4);
  }
  if (!damage && dataStart === null) damage = "the file has no image data (no IDAT chunk)";
  if (!damage && !ended) damage = "the file is cut short (no IEND chunk)";
  return { damage, dataStart };
}
