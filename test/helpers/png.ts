import { concatBytes } from "../../src/platform/encoding";

/**
 * PNG files built byte by byte for tests that need a file no encoder would
 * write (a header that lies about its size, data that does not decode).
 * The CRC-32 is written out here rather than taken from src/, so a crafted
 * file never depends on the code it is fed to.
 */

/** CRC-32 (ISO 3309, the polynomial PNG chunks use) of each byte value, bit by bit. */
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let crc = n;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  return crc >>> 0;
});

/** CRC-32 of `bytes`, a byte at a time through the table (files of tens of megabytes are checksummed here). */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
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

/** An 8-bit PNG of colour type `colorType` (2 RGB, 6 RGBA) whose IHDR says `width` × `height`, with `idats` as its image data. */
function pngFile(width: number, height: number, colorType: 2 | 6, idats: Uint8Array[], interlaced = false): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bits per sample
  ihdr[9] = colorType;
  ihdr[12] = interlaced ? 1 : 0; // Adam7, or none
  return concatBytes([new Uint8Array(SIGNATURE), pngChunk("IHDR", ihdr), ...idats.map((idat) => pngChunk("IDAT", idat)), pngChunk("IEND", new Uint8Array())]);
}

/** An 8-bit RGB PNG whose IHDR says `width` × `height` (Adam7-interlaced if asked), with `idat` as its only image data; checksums correct. */
export function craftPng(width: number, height: number, idat: Uint8Array, options: { interlaced?: boolean } = {}): Uint8Array {
  return pngFile(width, height, 2, [idat], options.interlaced);
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

/** Deflate's stored blocks hold at most this many bytes each (RFC 1951, 3.2.4). */
const STORED_BLOCK_BYTES = 65535;

/**
 * An 8-bit RGBA PNG whose rows `row` writes, its zlib data in stored
 * (uncompressed) deflate blocks: a file as large as its pixels, made in a
 * moment, for tests of files of tens of megabytes. The image data is split
 * into IDAT chunks of `idatBytes`, as encoders split it.
 */
export function storedPng(width: number, height: number, row: (y: number, rgba: Uint8Array) => void, idatBytes = 256 * 1024): Uint8Array {
  const rowBytes = 1 + width * 4;
  const rawBytes = rowBytes * height;
  const blocks = Math.ceil(rawBytes / STORED_BLOCK_BYTES);
  const zlib = new Uint8Array(2 + blocks * 5 + rawBytes + 4);
  zlib[0] = 0x78; // deflate, 32 KiB window
  zlib[1] = 0x01; // no dictionary, check bits
  const line = new Uint8Array(rowBytes); // filter type 0 (None), then the pixels
  let raw = 0;
  let adlerA = 1;
  let adlerB = 0;
  for (let y = 0; y < height; y++) {
    row(y, line.subarray(1));
    for (let i = 0; i < rowBytes; ) {
      const block = Math.floor(raw / STORED_BLOCK_BYTES);
      const blockStart = 2 + block * (STORED_BLOCK_BYTES + 5);
      const inBlock = raw - block * STORED_BLOCK_BYTES;
      if (inBlock === 0) {
        const length = Math.min(STORED_BLOCK_BYTES, rawBytes - raw);
        zlib.set([block === blocks - 1 ? 1 : 0, length & 0xff, length >> 8, ~length & 0xff, (~length >> 8) & 0xff], blockStart);
      }
      const n = Math.min(rowBytes - i, STORED_BLOCK_BYTES - inBlock);
      zlib.set(line.subarray(i, i + n), blockStart + 5 + inBlock);
      for (let k = i; k < i + n; k++) {
        adlerA = (adlerA + line[k]!) % 65521;
        adlerB = (adlerB + adlerA) % 65521;
      }
      raw += n;
      i += n;
    }
  }
  new DataView(zlib.buffer).setUint32(zlib.length - 4, ((adlerB << 16) | adlerA) >>> 0);

  const idats: Uint8Array[] = [];
  for (let at = 0; at < zlib.length; at += idatBytes) idats.push(zlib.subarray(at, at + idatBytes));
  return pngFile(width, height, 6, idats);
}
