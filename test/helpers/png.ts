import { concatBytes } from "../../src/platform/encoding";

/**
 * PNG files built byte by byte for tests that need a file no encoder would
 * write (a header that lies about its size, data that does not decode).
 * The CRC-32 is written out here rather than taken from src/, so a crafted
 * file never depends on the code it is fed to.
 */

/** CRC-32 (ISO 3309, the polynomial PNG chunks use), bit by bit. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** One chunk: length, type, data, CRC of type and data. */
function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** An 8-bit RGB PNG whose IHDR says `width` × `height`, with `idat` as its only image data; checksums correct. */
export function craftPng(width: number, height: number, idat: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bits per sample
  ihdr[9] = 2; // colour type: RGB
  return concatBytes([new Uint8Array(SIGNATURE), pngChunk("IHDR", ihdr), pngChunk("IDAT", idat), pngChunk("IEND", new Uint8Array())]);
}

/** zlib data (what IDAT holds) of `bytes` zero bytes, compressed as it streams (256 MB of zeros make about 250 KB). */
export async function zlibOfZeros(bytes: number): Promise<Uint8Array> {
  let left = bytes;
  const zeros = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left <= 0) return controller.close();
      const n = Math.min(left, 1 << 20);
      left -= n;
      controller.enqueue(new Uint8Array(n));
    },
  });
  return new Uint8Array(await new Response(zeros.pipeThrough(new CompressionStream("deflate"))).arrayBuffer());
}
