import { Unzlib } from "fflate";
import { ImageDecodeError } from "./errors";
import { MAX_TRAILING_DATA_BYTES, PngChunkReader, PngRows } from "./png-core";

/**
 * Whole-frame PNG decoding for files already in memory, on the same core as
 * the row-streaming decoder (png-core.ts): the compressed data is inflated
 * in small pieces and each scanline is unfiltered and expanded as soon as
 * it is complete, straight into the RGBA buffer returned, so nothing but
 * that buffer (and a few rows) is allocated. A wasm decoder would need the
 * file and the whole image inside its heap, which then keeps that size for
 * the isolate's life, plus the copy it hands back.
 *
 * Synchronous, so it inflates with fflate: the runtime's native inflater
 * (png-bands.ts) is a stream and cannot be waited for here.
 *
 * Output matches what the PNG codec of jSquash (image-png with EXPAND and
 * STRIP_16) produced; see png-core.ts. Failures are ImageDecodeErrors.
 */
export interface DecodedPng {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

// Deflate expands at most 1032:1, so 4 KiB of input never inflates past ~4 MB in one push.
const INFLATE_PIECE_BYTES = 4096;
/** Largest frame this decoder allocates (2^29 bytes of RGBA), whatever the caller's pixel limit. */
const MAX_FRAME_PIXELS = 0x1fffffff / 4;

export function decodePng(bytes: Uint8Array): DecodedPng {
  const chunks = new PngChunkReader();
  chunks.push(bytes);
  chunks.end();
  let rows: PngRows | null = null;
  let out: Uint8ClampedArray | null = null;
  let inflater: Unzlib | null = null;
  let trailing = 0;
  let inflateFailed = false;
  // Image data split into small IDATs is gathered into whole pieces: fflate copies its 32 KiB window on every push.
  const gathered = new Uint8Array(INFLATE_PIECE_BYTES);
  let filled = 0;

  const inflate = (piece: Uint8Array, final: boolean) => {
    if (inflateFailed) return;
    try {
      inflater!.push(piece, final);
    } catch (error) {
      if (error instanceof ImageDecodeError) throw error;
      // Once every scanline is in, what follows in the stream (Adler-32, padding) does not matter.
      if (rows!.done) inflateFailed = true;
      else throw new ImageDecodeError(`PNG image data is corrupt (${(error as Error).message})`, { cause: error, reason: "damaged" });
    }
  };

  for (let event = chunks.next(); event!.type !== "end"; event = chunks.next()) {
    if (event!.type === "header") {
      const { width, height } = chunks.header!;
      if (width * height > MAX_FRAME_PIXELS) throw new ImageDecodeError(`PNG of ${width}×${height} is too large to decode`, { reason: "too_large" });
      continue;
    }
    const data = event!.bytes;
    if (!rows) {
      rows = new PngRows(chunks.header!, chunks.palette, chunks.transparency, { wholeFrame: true });
      out = new Uint8ClampedArray(rows.width * rows.height * 4);
      rows.setOutput(out, 0);
      const target = rows;
      inflater = new Unzlib((inflated) => void target.write(inflated));
    }
    for (let p = 0; p < data.length; ) {
      let piece: Uint8Array;
      if (!filled && data.length - p >= INFLATE_PIECE_BYTES) {
        piece = data.subarray(p, p + INFLATE_PIECE_BYTES);
        p += INFLATE_PIECE_BYTES;
      } else {
        const n = Math.min(INFLATE_PIECE_BYTES - filled, data.length - p);
        gathered.set(data.subarray(p, p + n), filled);
        filled += n;
        p += n;
        if (filled < INFLATE_PIECE_BYTES) break;
        piece = gathered;
        filled = 0;
      }
      if (rows.done && (trailing += piece.length) > MAX_TRAILING_DATA_BYTES) break;
      inflate(piece, false);
    }
  }
  if (!rows || !out) throw new ImageDecodeError("PNG without image data", { reason: "damaged" });
  if (filled && !(rows.done && trailing + filled > MAX_TRAILING_DATA_BYTES)) inflate(gathered.subarray(0, filled), false);
  if (!rows.done) inflate(new Uint8Array(0), true);
  if (!rows.done) throw new ImageDecodeError("PNG data ends early; the file may be truncated", { reason: "damaged" });
  return { data: out, width: rows.width, height: rows.height };
}
