import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BAND_BYTES, openRaster } from "../../src/imaging/open-raster";
import { openPngRaster } from "../../src/imaging/png-bands";
import { interlacedBytes, MAX_INTERLACED_BYTES } from "../../src/imaging/png-core";
import { decodePng } from "../../src/imaging/png-decode";
import { PngStreamEncoder } from "../../src/imaging/png-stream";
import { ImageDecodeError } from "../../src/imaging/errors";
import { rowsPerBand, type RasterStream } from "../../src/imaging/raster-stream";
import { bytesFile, type SourceFile } from "../../src/imaging/source-file";
import { concatBytes } from "../../src/platform/encoding";
import { fixtureBytes } from "../helpers/fixtures";
import { craftPng, crc32, zlibOfZeros } from "../helpers/png";
import { decodeRejection as rejection } from "../helpers/decoding";

/**
 * Fixtures and their references are made by scripts/fixtures/make-png-bands-fixtures.sh:
 * PngSuite (every colour type and bit depth, plain and Adam7, tRNS) and images made by
 * ImageMagick, each with ImageMagick's decoding as raw RGBA (checked there against
 * libpng's pngtopam). Exact below 16 bits; 16-bit samples within 1, because ImageMagick
 * rounds 16 to 8 bits (v/257) where the decoder keeps the high byte.
 */
interface Fixture {
  file: string;
  width: number;
  height: number;
  depth: number;
  colour: number;
  interlaced: boolean;
  hasAlpha: boolean;
}

let fixtures: Fixture[] = [];
const files = new Map<string, { png: Uint8Array; rgba: Uint8Array }>();
let pixelBomb: Uint8Array;

// Everything is fetched up front: the fixture server drops idle connections after 5 s, and
// workerd's next fetch on one fails ("Network connection lost") after a long test.
beforeAll(async () => {
  pixelBomb = await fixtureBytes("preflight/png-bomb-20000x20000.png");
  fixtures = JSON.parse(new TextDecoder().decode(await fixtureBytes("png-bands/expected.json"))).files;
  await Promise.all(
    fixtures.map(async (f) => {
      const [png, rgba] = await Promise.all([fixtureBytes(`png-bands/${f.file}`), fixtureBytes(`png-bands/${f.file.replace(/\.png$/, ".rgba")}`)]);
      files.set(f.file, { png, rgba });
    }),
  );
});

const NO_LIMIT = { maxPixels: 1e9 };

interface Collected {
  info: RasterStream["info"];
  rgba: Uint8Array;
  bands: number;
  peakRetained: number;
}

/** Reads every band, checking they come in order and cover the image once. */
async function collect(stream: RasterStream): Promise<Collected> {
  const { width, height } = stream.info;
  const rgba = new Uint8Array(width * height * 4);
  let next = 0;
  let bands = 0;
  let peakRetained = 0;
  for await (const band of stream.bands) {
    expect(band.y).toBe(next);
    expect(band.width).toBe(width);
    expect(band.rows.length).toBe(band.height * width * 4);
    rgba.set(band.rows, band.y * width * 4);
    next += band.height;
    bands++;
    peakRetained = Math.max(peakRetained, stream.retainedBytes());
  }
  expect(next).toBe(height);
  return { info: stream.info, rgba, bands, peakRetained };
}

async function decodeBands(png: Uint8Array, chunkBytes = 64 * 1024, bandBytes?: number): Promise<Collected> {
  return collect(await openPngRaster(bytesFile(png, chunkBytes), { ...NO_LIMIT, bandBytes }));
}

/** Largest difference of any byte (255 when the lengths differ). */
function maxDiff(a: Uint8Array | Uint8ClampedArray, b: Uint8Array): number {
  if (a.length !== b.length) return 255;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

const tolerance = (f: Fixture) => (f.depth === 16 ? 1 : 0);

/** What a decode did: its pixels, or the ImageDecodeError's reason (any other error fails the test). */
async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "decoded";
  } catch (error) {
    if (!(error instanceof ImageDecodeError)) throw error;
    return error.reason;
  }
}


// ---- PNG files rebuilt chunk by chunk ---------------------------------------------

interface Chunk {
  type: string;
  data: Uint8Array;
}

function parseChunks(png: Uint8Array): Chunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Chunk[] = [];
  for (let at = 8; at + 8 <= png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    chunks.push({ type, data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
    if (type === "IEND") break;
  }
  return chunks;
}

function buildPng(chunks: Chunk[], options: { badCrc?: boolean } = {}): Uint8Array {
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const { type, data } of chunks) {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
    out.set(data, 8);
    view.setUint32(8 + data.length, options.badCrc ? 0 : crc32(out.subarray(4, 8 + data.length)));
    parts.push(out);
  }
  return concatBytes(parts);
}

/** The image data of `png` as one zlib stream. */
const idatOf = (png: Uint8Array) => concatBytes(parseChunks(png).filter((c) => c.type === "IDAT").map((c) => c.data));

/** `png` with its image data replaced by `idat`, split into IDAT chunks of `size` bytes (other chunks kept, in place). */
function withIdat(png: Uint8Array, idat: Uint8Array, size = idat.length || 1, between: Chunk[] = []): Uint8Array {
  const chunks = parseChunks(png);
  const first = chunks.findIndex((c) => c.type === "IDAT");
  const data: Chunk[] = [];
  for (let i = 0; i < idat.length; i += size) {
    if (i) data.push(...between);
    data.push({ type: "IDAT", data: idat.subarray(i, i + size) });
  }
  return buildPng([...chunks.slice(0, first), ...data, ...chunks.filter((c, i) => i > first && c.type !== "IDAT")]);
}

// ---- the tests ----------------------------------------------------------------------

describe("png-bands decodes as ImageMagick and libpng do", () => {
  it.each([
    ["whole (64 KiB pieces), default bands", 64 * 1024, undefined],
    ["7-byte pieces, bands of 5 rows", 7, 5],
    ["1-byte pieces, bands of 1 row", 1, 1],
  ] as const)("every fixture, %s", async (_, chunkBytes, bandRows) => {
    const failures: string[] = [];
    for (const f of fixtures) {
      const { png, rgba } = files.get(f.file)!;
      const decoded = await decodeBands(png, chunkBytes, bandRows ? bandRows * f.width * 4 : undefined);
      expect(decoded.info, f.file).toEqual({ width: f.width, height: f.height, hasAlpha: f.hasAlpha });
      if (bandRows) expect(decoded.bands, f.file).toBe(Math.ceil(f.height / bandRows));
      const diff = maxDiff(decoded.rgba, rgba);
      if (diff > tolerance(f)) failures.push(`${f.file}: differs by ${diff}`);
    }
    expect(failures).toEqual([]);
    expect(fixtures.length).toBeGreaterThanOrEqual(76);
    expect(fixtures.filter((f) => f.interlaced).length).toBeGreaterThanOrEqual(40);
  });

  it("is what openRaster opens a PNG with", async () => {
    const { png, rgba } = files.get("made/adam7-photo-rgb8-157x103.png")!;
    const raster = await openRaster(bytesFile(png), { maxPixels: 157 * 103, bandBytes: 157 * 4 * 10 });
    expect(raster.format).toBe("png");
    const decoded = await collect(raster);
    expect(decoded.bands).toBe(11);
    expect(maxDiff(decoded.rgba, rgba)).toBe(0);
  });

  it("decodePng (the whole-frame decoder on the same core) gives the same pixels for every fixture", () => {
    const failures: string[] = [];
    for (const f of fixtures) {
      const { png, rgba } = files.get(f.file)!;
      const decoded = decodePng(png);
      expect([decoded.width, decoded.height], f.file).toEqual([f.width, f.height]);
      const diff = maxDiff(decoded.data, rgba);
      if (diff > tolerance(f)) failures.push(`${f.file}: differs by ${diff}`);
    }
    expect(failures).toEqual([]);
  });

  it("reads image data split into 1- and 7-byte IDAT chunks with other chunks between them, and ignores chunk CRCs", async () => {
    for (const name of ["pngsuite/basn6a16.png", "pngsuite/ibasn3p04.png", "made/adam7-photo-rgb8-157x103.png", "made/photo-palette8-150x101.png"]) {
      const f = fixtures.find((x) => x.file === name)!;
      const { png, rgba } = files.get(name)!;
      const idat = idatOf(png);
      for (const size of [1, 7]) {
        const split = withIdat(png, idat, size, size === 7 ? [{ type: "tEXt", data: new TextEncoder().encode("Comment\0between") }] : []);
        expect(maxDiff((await decodeBands(split, 4096)).rgba, rgba), `${name} in ${size}-byte IDATs`).toBeLessThanOrEqual(tolerance(f));
        expect(maxDiff(decodePng(split).data, rgba)).toBeLessThanOrEqual(tolerance(f));
      }
      const badCrc = buildPng(parseChunks(png), { badCrc: true });
      expect(maxDiff((await decodeBands(badCrc)).rgba, rgba), `${name} with CRCs zeroed`).toBeLessThanOrEqual(tolerance(f));
      expect(maxDiff(decodePng(badCrc).data, rgba)).toBeLessThanOrEqual(tolerance(f));
    }
  });

  it("takes a wrong Adler-32, a missing one, and bytes after the zlib stream, as decodePng does", async () => {
    for (const name of ["made/photo-rgb8-157x103.png", "pngsuite/ibasn6a16.png"]) {
      const f = fixtures.find((x) => x.file === name)!;
      const { png, rgba } = files.get(name)!;
      const idat = idatOf(png);
      const wrongAdler = idat.slice();
      wrongAdler[wrongAdler.length - 1] = wrongAdler[wrongAdler.length - 1]! ^ 0x55;
      const variants = {
        "wrong Adler-32": wrongAdler,
        "no Adler-32": idat.subarray(0, idat.length - 4),
        "junk after the stream": concatBytes([idat, new Uint8Array(100).fill(0xa5)]),
      };
      for (const [what, data] of Object.entries(variants)) {
        const file = withIdat(png, data, 1000);
        expect(maxDiff((await decodeBands(file, 333)).rgba, rgba), `${name}: ${what}`).toBeLessThanOrEqual(tolerance(f));
        expect(maxDiff(decodePng(file).data, rgba), `${name}: ${what} (decodePng)`).toBeLessThanOrEqual(tolerance(f));
      }
    }
  });
});

describe("png-bands refuses what it cannot or must not decode", () => {
  it("fails truncated files with an ImageDecodeError, in 1-byte and whole pieces", async () => {
    for (const name of ["pngsuite/basn6a08.png", "pngsuite/ibasn0g04.png", "made/adam7-palette4-trns-31x11.png"]) {
      const { png } = files.get(name)!;
      // Every length for the first file, about 100 for the others (and always the last 16).
      const step = name === "pngsuite/basn6a08.png" ? 1 : Math.ceil(png.length / 100);
      for (let length = 0; length < png.length; length += length >= png.length - 16 ? 1 : step) {
        const cut = png.subarray(0, length);
        // A file cut inside IEND's CRC still has every chunk (CRCs are not read).
        const expected = length >= png.length - 4 ? "decoded" : "damaged";
        const chunking = length % 2 ? 1 : 64 * 1024;
        expect(await outcome(() => decodeBands(cut, chunking)), `${name} cut to ${length} bytes`).toBe(expected);
        expect(await outcome(async () => decodePng(cut)), `${name} cut to ${length} bytes (decodePng)`).toBe(expected);
      }
    }
  });

  it("fails corrupt image data with an ImageDecodeError, never another error or a hang", async () => {
    const { png } = files.get("made/photo-rgb8-157x103.png")!;
    const idat = idatOf(png);
    const seen = new Set<string>();
    for (let i = 0; i < idat.length; i += Math.ceil(idat.length / 100)) {
      const corrupt = idat.slice();
      corrupt[i] = corrupt[i]! ^ 0xff;
      const file = withIdat(png, corrupt);
      seen.add(await outcome(() => decodeBands(file, 7 * 1024)));
      await outcome(async () => decodePng(file));
    }
    expect(seen.has("damaged")).toBe(true);
    // Random bytes for image data, as an IDAT.
    const random = craftPng(64, 64, crypto.getRandomValues(new Uint8Array(512)));
    expect((await rejection(() => decodeBands(random))).reason).toBe("damaged");
  });

  it("names what is wrong with a broken header or structure", async () => {
    const { png } = files.get("pngsuite/basn3p04.png")!;
    const chunks = parseChunks(png);
    const ihdr = (patch: (data: Uint8Array) => void) => {
      const data = chunks[0]!.data.slice();
      patch(data);
      return buildPng([{ type: "IHDR", data }, ...chunks.slice(1)]);
    };
    const cases: [string, Uint8Array, string, RegExp][] = [
      ["not a PNG", new TextEncoder().encode("GIF89a and more bytes than a signature"), "damaged", /not a PNG/],
      ["no IHDR first", buildPng(chunks.slice(1)), "damaged", /without IHDR/],
      ["width 0", ihdr((d) => d.fill(0, 0, 4)), "damaged", /no valid size/],
      ["colour type 5", ihdr((d) => (d[9] = 5)), "unsupported", /colour type 5/],
      ["bit depth 3", ihdr((d) => (d[8] = 3)), "unsupported", /3 bits/],
      ["interlace method 2", ihdr((d) => (d[12] = 2)), "unsupported", /header/],
      ["IEND before any IDAT", buildPng(chunks.filter((c) => c.type !== "IDAT")), "damaged", /without image data/],
      ["no PLTE for a palette image", buildPng(chunks.filter((c) => c.type !== "PLTE")), "damaged", /palette index/],
      ["a PLTE of 2 entries for indices up to 15", buildPng(chunks.map((c) => (c.type === "PLTE" ? { type: "PLTE", data: c.data.subarray(0, 6) } : c))), "damaged", /palette index/],
    ];
    // Filter type 5 on the first scanline.
    const raw = new Uint8Array(1 + 4 * 3);
    raw[0] = 5;
    const filterFile = craftPng(4, 1, new Uint8Array(await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer()));
    cases.push(["filter type 5", filterFile, "damaged", /filter type 5/]);
    for (const [what, file, reason, message] of cases) {
      const error = await rejection(() => decodeBands(file));
      expect([what, error.reason], error.message).toEqual([what, reason]);
      expect(error.message).toMatch(message);
      const whole = await rejection(async () => decodePng(file));
      expect([what, whole.reason]).toEqual([what, reason]);
    }
  });

  it("refuses a zlib bomb (64×64 declared, 256 MB of image data) within its surplus, quickly", async () => {
    const bomb = craftPng(64, 64, await zlibOfZeros(256 * 1024 * 1024));
    for (const chunk of [64 * 1024, 7]) {
      const started = Date.now();
      const error = await rejection(() => decodeBands(bomb, chunk));
      expect(error.reason).toBe("damaged");
      expect(error.message).toMatch(/more image data than its header declares/);
      expect(Date.now() - started).toBeLessThan(2000);
    }
    expect((await rejection(async () => decodePng(bomb))).message).toMatch(/more image data/);
  });

  it("refuses the 20000×20000 bomb (make-bomb-png.py) from its header, before reading its data", async () => {
    let pulled = 0;
    const file = bytesFile(pixelBomb, 1024);
    const counting: SourceFile = {
      size: file.size,
      read: file.read,
      async stream(offset) {
        const inner = (await file.stream(offset)).getReader();
        return new ReadableStream<Uint8Array>({
          async pull(controller) {
            const { done, value } = await inner.read();
            if (done) return controller.close();
            pulled += value.length;
            controller.enqueue(value);
          },
        });
      },
    };
    const error = await rejection(() => openPngRaster(counting, { maxPixels: 12_000_000 }));
    expect(error.reason).toBe("too_large");
    expect(error.message).toBe("20000×20000 px is over the limit of 12000000 pixels");
    // IHDR is in the first 1 KiB; the stream reads one chunk ahead.
    expect(pulled).toBeLessThanOrEqual(2048);
  });

  it("refuses an image over maxPixels from IHDR, and takes one at the limit", async () => {
    const { png } = files.get("pngsuite/basn6a08.png")!;
    const error = await rejection(() => openPngRaster(bytesFile(png), { maxPixels: 32 * 32 - 1 }));
    expect(error.reason).toBe("too_large");
    expect((await collect(await openPngRaster(bytesFile(png), { maxPixels: 32 * 32 }))).info.width).toBe(32);
  });

  it("refuses an interlaced image whose passes 1–6 would pass 48 MiB, from its header", async () => {
    const interlaced = (width: number, height: number, colour: number) => {
      const data = new Uint8Array(13);
      const view = new DataView(data.buffer);
      view.setUint32(0, width);
      view.setUint32(4, height);
      data.set([8, colour, 0, 0, 1], 8);
      return buildPng([{ type: "IHDR", data }, { type: "IDAT", data: new Uint8Array([0x78, 0x9c]) }, { type: "IEND", data: new Uint8Array() }]);
    };
    expect(MAX_INTERLACED_BYTES).toBe(48 * 1024 * 1024);
    // 6000×4200 RGBA: 2100 even rows of 24,000 bytes, 50.4 MB.
    const big = await rejection(() => openPngRaster(bytesFile(interlaced(6000, 4200, 6)), NO_LIMIT));
    expect(big.reason).toBe("too_large");
    expect(big.message).toMatch(/interlaced PNG of 6000×4200 px would hold 48\.1 MiB .* over the 48\.0 MiB limit/);
    // The same size in RGB (37.8 MB) is within it: it opens, and fails later only for its missing data.
    const rgb = await openPngRaster(bytesFile(interlaced(6000, 4200, 2)), NO_LIMIT);
    expect(rgb.info).toEqual({ width: 6000, height: 4200, hasAlpha: false });
    expect((await rejection(() => collect(rgb))).reason).toBe("damaged");
  });
});

describe("png-bands memory and early exit", () => {
  /** A test card, pixel (x, y) of a w-wide image: no encoder or decoder involved in the expected values. */
  const card = (x: number, y: number): [number, number, number, number] => [(x * 7 + y) & 255, (y * 3) & 255, (x ^ y) & 255, (x + 2 * y) % 251];

  async function encodeCard(width: number, height: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    const encoder = new PngStreamEncoder(width, height, 4, (bytes) => void parts.push(bytes.slice()));
    const batch = 64;
    const rows = new Uint8Array(batch * width * 4);
    for (let y0 = 0; y0 < height; y0 += batch) {
      const n = Math.min(batch, height - y0);
      for (let r = 0; r < n; r++) {
        for (let x = 0; x < width; x++) rows.set(card(x, y0 + r), (r * width + x) * 4);
      }
      await encoder.writeRows(rows.subarray(0, n * width * 4));
    }
    await encoder.finish();
    return concatBytes(parts);
  }

  it("decodes a 6000×4200 RGBA PNG holding about one band, far under the 100 MB frame", async () => {
    const width = 6000;
    const height = 4200;
    const png = await encodeCard(width, height);
    const stream = await openPngRaster(bytesFile(png), NO_LIMIT);
    expect(stream.info).toEqual({ width, height, hasAlpha: true });
    let peak = 0;
    let bands = 0;
    let wrong = 0;
    let next = 0;
    for await (const band of stream.bands) {
      expect(band.y).toBe(next);
      next += band.height;
      bands++;
      peak = Math.max(peak, stream.retainedBytes());
      // Every 7th row checked against the card, in full.
      for (let r = (7 - (band.y % 7)) % 7; r < band.height; r += 7) {
        for (let x = 0; x < width; x++) {
          const [red, green, blue, alpha] = card(x, band.y + r);
          const i = (r * width + x) * 4;
          if (band.rows[i] !== red || band.rows[i + 1] !== green || band.rows[i + 2] !== blue || band.rows[i + 3] !== alpha) wrong++;
        }
      }
    }
    expect(next).toBe(height);
    expect(wrong).toBe(0);
    const bandRows = rowsPerBand(width, DEFAULT_BAND_BYTES);
    expect(bands).toBe(Math.ceil(height / bandRows));
    // One band (1 MiB), two scanlines, the inflater's 4.2 MB output buffer and a 64 KiB piece of the file.
    const band = bandRows * width * 4;
    expect(peak).toBeGreaterThanOrEqual(band);
    expect(peak).toBeLessThan(band + 4.5 * 1024 * 1024);
    expect(peak).toBeLessThan(8 * 1024 * 1024);
    expect(stream.retainedBytes()).toBe(0);
  });

  it("holds an interlaced image's passes 1–6 and no more", async () => {
    const { png } = files.get("made/adam7-photo-rgb8-157x103.png")!;
    const stream = await openPngRaster(bytesFile(png), { ...NO_LIMIT, bandBytes: 157 * 4 * 8 });
    const held = interlacedBytes({ width: 157, height: 103, depth: 8, colour: 2, interlaced: true });
    // Even rows of 157 RGB pixels, plus a filter byte per scanline of each pass.
    expect(held).toBeGreaterThan(52 * 157 * 3);
    expect(held).toBeLessThan(52 * 157 * 3 + 6 * 52);
    const { peakRetained } = await collect(stream);
    expect(peakRetained).toBeGreaterThan(held);
    expect(peakRetained).toBeLessThan(held + 157 * 4 * 8 + 4.5 * 1024 * 1024);
  });

  it("stops reading the file when the bands loop is left early", async () => {
    const png = await encodeCard(1500, 900);
    let cancelled = false;
    let pulled = 0;
    const file: SourceFile = {
      size: png.length,
      read: async (offset, length) => png.subarray(offset, offset + length),
      async stream(offset = 0) {
        let at = offset;
        return new ReadableStream<Uint8Array>({
          pull(controller) {
            if (at >= png.length) return controller.close();
            controller.enqueue(png.subarray(at, at + 4096));
            pulled += Math.min(4096, png.length - at);
            at += 4096;
          },
          cancel() {
            cancelled = true;
          },
        });
      },
    };
    const stream = await openPngRaster(file, { ...NO_LIMIT, bandBytes: 1500 * 4 * 16 });
    let bands = 0;
    for await (const band of stream.bands) {
      expect(band.y).toBe(0);
      bands++;
      break;
    }
    expect(bands).toBe(1);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(png.length);
    expect(stream.retainedBytes()).toBe(0);
    // The generator is finished: iterating again yields nothing.
    expect((await stream.bands[Symbol.asyncIterator]().next()).done).toBe(true);
  });
});
