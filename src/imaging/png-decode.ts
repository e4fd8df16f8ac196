import { Unzlib } from "fflate";

/**
 * A PNG decoder in plain JS that writes straight into the RGBA buffer it
 * returns: the compressed data is inflated in small pieces and each scanline
 * is unfiltered and expanded as soon as it is complete, so nothing but the
 * output (and a few rows) is allocated. A wasm decoder would need the file
 * and the whole image inside its heap, which then keeps that size for the
 * isolate's life, plus the copy it hands back.
 *
 * Output matches what the PNG codec of jSquash (image-png with EXPAND and
 * STRIP_16) produced: 8-bit RGBA, palettes and low bit depths expanded,
 * tRNS turned into alpha, 16-bit samples cut to their high byte, Adam7
 * interlacing undone, checksums not enforced. Ancillary chunks (gamma, ICC)
 * are ignored, as they were.
 */
export interface DecodedPng {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// Deflate expands at most ~1032:1, so 4 KiB of input never inflates past ~4 MB in one push.
const INFLATE_PIECE_BYTES = 4096;
/**
 * Image data inflated past the last scanline that is tolerated before the
 * file is refused. Real encoders write none; a zlib bomb is a small image
 * whose IDAT inflates to gigabytes, which would otherwise all be inflated
 * (seconds of CPU per 256 KB of file) although the header's pixel count
 * was checked before decoding.
 */
const MAX_SURPLUS_BYTES = 64 * 1024;
const ADAM7: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

interface Header {
  width: number;
  height: number;
  depth: number;
  colour: number;
  interlaced: boolean;
}

function readHeader(bytes: Uint8Array, view: DataView): Header {
  if (bytes.length < 33 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new Error("not a PNG file");
  if (view.getUint32(8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") throw new Error("PNG without IHDR");
  const header = {
    width: view.getUint32(16),
    height: view.getUint32(20),
    depth: bytes[24]!,
    colour: bytes[25]!,
    interlaced: bytes[28] === 1,
  };
  const allowed: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
  if (!header.width || !header.height || !allowed[header.colour]?.includes(header.depth) || bytes[26] !== 0 || bytes[27] !== 0 || bytes[28]! > 1) {
    throw new Error("unsupported or invalid PNG header");
  }
  return header;
}

function unfilter(line: Uint8Array, prev: Uint8Array, bpp: number): void {
  const type = line[0]!;
  const n = line.length;
  switch (type) {
    case 0:
      return;
    case 1:
      for (let i = 1 + bpp; i < n; i++) line[i] = (line[i]! + line[i - bpp]!) & 0xff;
      return;
    case 2:
      for (let i = 1; i < n; i++) line[i] = (line[i]! + prev[i]!) & 0xff;
      return;
    case 3:
      for (let i = 1; i < n; i++) line[i] = (line[i]! + (((i > bpp ? line[i - bpp]! : 0) + prev[i]!) >> 1)) & 0xff;
      return;
    case 4:
      for (let i = 1; i < n; i++) {
        const a = i > bpp ? line[i - bpp]! : 0;
        const b = prev[i]!;
        const c = i > bpp ? prev[i - bpp]! : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        line[i] = (line[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
      return;
    default:
      throw new Error(`invalid PNG filter type ${type}`);
  }
}

export function decodePng(bytes: Uint8Array): DecodedPng {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = readHeader(bytes, view);
  const { width, height, depth, colour } = header;
  const channels = CHANNELS[colour]!;
  const bitsPerPixel = channels * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  if (width * height > 0x1fffffff / 4) throw new Error(`PNG of ${width}×${height} is too large to decode`);
  const out = new Uint8ClampedArray(width * height * 4);

  let palette: Uint8Array | null = null;
  let paletteAlpha: Uint8Array | null = null;
  let key: number[] | null = null;

  const passes = (header.interlaced ? ADAM7 : [[0, 0, 1, 1] as const])
    .map(([x0, y0, dx, dy]) => ({ x0, y0, dx, dy, w: Math.ceil((width - x0) / dx), h: Math.ceil((height - y0) / dy) }))
    .filter((p) => p.w > 0 && p.h > 0);
  let pass = 0;
  let row = 0;
  let line = new Uint8Array(1 + Math.ceil((passes[0]!.w * bitsPerPixel) / 8));
  let prev = new Uint8Array(line.length);
  let filled = 0;
  let done = false;

  const scale = depth < 8 ? 255 / ((1 << depth) - 1) : 1;
  const sample = (i: number): number => {
    if (depth === 8) return line[1 + i]!;
    if (depth === 16) return (line[1 + 2 * i]! << 8) | line[2 + 2 * i]!;
    const bit = i * depth;
    return (line[1 + (bit >> 3)]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  };
  const byte = (v: number) => (depth === 16 ? v >> 8 : v);

  const emitRow = () => {
    const p = passes[pass]!;
    const y = p.y0 + row * p.dy;
    // The common layouts, whole rows at a time; everything else goes sample by sample below.
    if (p.dx === 1 && depth === 8 && !key) {
      const base = y * width * 4;
      if (colour === 6) {
        out.set(line.subarray(1, 1 + width * 4), base);
        return;
      }
      if (colour === 2) {
        for (let i = 0, o = base, q = 1; i < width; i++, o += 4, q += 3) {
          out[o] = line[q]!;
          out[o + 1] = line[q + 1]!;
          out[o + 2] = line[q + 2]!;
          out[o + 3] = 255;
        }
        return;
      }
    }
    for (let i = 0; i < p.w; i++) {
      const o = (y * width + p.x0 + i * p.dx) * 4;
      if (colour === 0) {
        const v = sample(i);
        const g = depth < 8 ? Math.round(v * scale) : byte(v);
        out[o] = out[o + 1] = out[o + 2] = g;
        out[o + 3] = key && v === key[0] ? 0 : 255;
      } else if (colour === 2) {
        const r = sample(3 * i);
        const g = sample(3 * i + 1);
        const b = sample(3 * i + 2);
        out[o] = byte(r);
        out[o + 1] = byte(g);
        out[o + 2] = byte(b);
        out[o + 3] = key && r === key[0] && g === key[1] && b === key[2] ? 0 : 255;
      } else if (colour === 3) {
        const index = sample(i);
        if (!palette || index * 3 + 2 >= palette.length) throw new Error("PNG palette index out of range");
        out[o] = palette[index * 3]!;
        out[o + 1] = palette[index * 3 + 1]!;
        out[o + 2] = palette[index * 3 + 2]!;
        out[o + 3] = paletteAlpha && index < paletteAlpha.length ? paletteAlpha[index]! : 255;
      } else if (colour === 4) {
        const g = byte(sample(2 * i));
        out[o] = out[o + 1] = out[o + 2] = g;
        out[o + 3] = byte(sample(2 * i + 1));
      } else {
        out[o] = byte(sample(4 * i));
        out[o + 1] = byte(sample(4 * i + 1));
        out[o + 2] = byte(sample(4 * i + 2));
        out[o + 3] = byte(sample(4 * i + 3));
      }
    }
  };

  let surplus = 0;
  const take = (data: Uint8Array) => {
    let offset = 0;
    while (offset < data.length && !done) {
      const n = Math.min(data.length - offset, line.length - filled);
      line.set(data.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled < line.length) break;
      unfilter(line, prev, bpp);
      emitRow();
      [line, prev] = [prev, line];
      filled = 0;
      if (++row === passes[pass]!.h) {
        row = 0;
        if (++pass === passes.length) {
          done = true;
          break;
        }
        // A new pass starts from an all-zero previous row of its own width.
        line = new Uint8Array(1 + Math.ceil((passes[pass]!.w * bitsPerPixel) / 8));
        prev = new Uint8Array(line.length);
      }
    }
    if (done) surplus += data.length - offset;
  };
  const refuseSurplus = () => {
    if (surplus > MAX_SURPLUS_BYTES) throw new Error("PNG holds more image data than its header declares");
  };
  const inflater = new Unzlib((data) => take(data));

  let offset = 33;
  let sawData = false;
  let ended = false;
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const start = offset + 8;
    if (start + length > bytes.length) throw new Error("PNG chunk runs past the end of the file");
    const body = bytes.subarray(start, start + length);
    if (type === "PLTE") palette = body;
    else if (type === "tRNS") {
      if (colour === 3) paletteAlpha = body;
      else if (colour === 0 && length >= 2) key = [(body[0]! << 8) | body[1]!];
      else if (colour === 2 && length >= 6) key = [(body[0]! << 8) | body[1]!, (body[2]! << 8) | body[3]!, (body[4]! << 8) | body[5]!];
    } else if (type === "IDAT") {
      sawData = true;
      for (let p = 0; p < body.length; p += INFLATE_PIECE_BYTES) {
        inflater.push(body.subarray(p, Math.min(p + INFLATE_PIECE_BYTES, body.length)));
        refuseSurplus();
      }
    } else if (type === "IEND") {
      ended = true;
      break;
    }
    offset = start + length + 4;
  }
  if (!sawData) throw new Error("PNG without image data");
  if (!done) inflater.push(new Uint8Array(0), true);
  refuseSurplus();
  if (!done || !ended) throw new Error("PNG data ends early; the file may be truncated");
  return { data: out, width, height };
}
