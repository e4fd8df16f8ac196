import { describe, expect, it } from "vitest";
import { ImageDecodeError } from "../../src/imaging/errors";
import { openJpegRaster, type JpegRasterOptions } from "../../src/imaging/jpeg-bands";
import { jpegStreamHeapBytes } from "../../src/imaging/jpeg-stream";
import { decodePng } from "../../src/imaging/png-decode";
import { rowsPerBand, type RasterInfo } from "../../src/imaging/raster-stream";
import { bytesFile, SourceGoneError, type SourceFile } from "../../src/imaging/source-file";
import { compareRgba } from "../helpers/ciede2000";
import { fixtureBytes, fixtureUrl } from "../helpers/fixtures";
import { differing, rejection } from "../helpers/decoding";

// Made by scripts/fixtures/make-jpeg-bands-fixtures.sh: <kind>-o<N>.jpg with djpeg's decoding
// turned upright by pamflip beside it (<kind>-o<N>.png), checked there against ImageMagick.
const KINDS = ["baseline-420", "baseline-422-restart", "baseline-444", "progressive-420", "grey"] as const;
const ORIENTATIONS = [1, 2, 3, 4, 5, 6, 7, 8] as const;
const MiB = 1024 * 1024;

/** A SourceFile over `bytes` that counts its reads, the bytes each delivered and the reads cancelled. */
function countedFile(bytes: Uint8Array, chunkBytes = 64 * 1024): SourceFile & { reads: number; delivered: number[]; cancelled: number } {
  const inner = bytesFile(bytes, chunkBytes);
  const file = {
    size: inner.size,
    read: inner.read,
    reads: 0,
    delivered: [] as number[],
    cancelled: 0,
    async stream(offset?: number) {
      const read = file.reads++;
      file.delivered[read] = 0;
      const reader = (await inner.stream(offset)).getReader();
      return new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            const { done, value } = await reader.read();
            if (done) return controller.close();
            file.delivered[read]! += value.length;
            controller.enqueue(value);
          },
          cancel(reason) {
            file.cancelled++;
            return reader.cancel(reason);
          },
        },
        { highWaterMark: 0 },
      );
    },
  };
  return file;
}

interface Decoded {
  info: RasterInfo;
  rgba: Uint8Array;
  bands: number;
  peakRetained: number;
}

/** Every band, checked for order and geometry, into one frame (small test images only). */
async function decode(file: SourceFile, options: Partial<JpegRasterOptions> = {}): Promise<Decoded> {
  const raster = await openJpegRaster(file, { maxPixels: 100_000_000, ...options });
  const { width, height, hasAlpha } = raster.info;
  expect(hasAlpha).toBe(false);
  const rgba = new Uint8Array(width * height * 4);
  let next = 0;
  let bands = 0;
  let peakRetained = 0;
  for await (const band of raster.bands) {
    expect([band.y, band.width, band.rows.length]).toEqual([next, width, band.height * width * 4]);
    rgba.set(band.rows, band.y * width * 4);
    next += band.height;
    bands++;
    peakRetained = Math.max(peakRetained, raster.retainedBytes());
  }
  expect(next).toBe(height);
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) throw new Error(`alpha ${rgba[i]} at ${i}`);
  return { info: raster.info, rgba, bands, peakRetained };
}

async function expectedPng(name: string): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  const png = decodePng(await fixtureBytes(`jpeg-bands/${name}.png`));
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}



/** A JPEG with an EXIF APP1 saying `orientation` put right after SOI (little-endian TIFF, one IFD entry). */
function withOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  const tiff = [0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0];
  const data = [..."Exif\0\0"].map((c) => c.charCodeAt(0)).concat(tiff);
  return new Uint8Array([...jpeg.subarray(0, 2), 0xff, 0xe1, (data.length + 2) >> 8, (data.length + 2) & 0xff, ...data, ...jpeg.subarray(2)]);
}

async function gunzipped(path: string): Promise<Uint8Array> {
  const res = await fetch(fixtureUrl(path));
  return new Uint8Array(await new Response(res.body!.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
}

describe("jpeg-bands: EXIF orientation as djpeg + pamflip give it, pixel for pixel", () => {
  it.each(KINDS)("%s in orientations 1–8: one slab, slabs of 3 and 7 rows, in 61-byte and 64 KB pieces", async (kind) => {
    for (const orientation of ORIENTATIONS) {
      const bytes = await fixtureBytes(`jpeg-bands/${kind}-o${orientation}.jpg`);
      const expected = await expectedPng(`${kind}-o${orientation}`);
      const rowBytes = expected.width * 4;
      for (const [slabRows, chunk] of [[10_000, 64 * 1024], [3, 61], [7, 64 * 1024]] as const) {
        const file = countedFile(bytes, chunk);
        // Bands of 2 rows: a slab goes out in several.
        const decoded = await decode(file, { slabBytes: slabRows * rowBytes, bandBytes: 2 * rowBytes });
        const label = `${kind} orientation ${orientation}, slabs of ${slabRows} rows`;
        expect([decoded.info.width, decoded.info.height], label).toEqual([expected.width, expected.height]);
        expect(differing(decoded.rgba, expected.rgba), label).toBe(0);
        // Slabs of equal height (as many as the budget needs), each handed out in bands of 2 rows.
        const slabs = orientation <= 2 ? 1 : Math.ceil(expected.height / slabRows);
        const perSlab = Math.ceil(expected.height / slabs);
        let bands = 0;
        for (let y = 0; y < expected.height; y += perSlab) bands += Math.ceil(Math.min(perSlab, expected.height - y) / 2);
        expect(decoded.bands, label).toBe(bands);
        // A baseline file is read once per slab; a progressive one once (its coefficients are kept).
        expect(file.reads, label).toBe(kind.startsWith("progressive") ? 1 : slabs);
      }
    }
  });

  it.each([
    ["baseline-420", 6],
    ["baseline-422-restart", 3],
    ["progressive-420", 7],
    ["grey", 8],
  ] as const)("%s orientation %i fed byte by byte", async (kind, orientation) => {
    const expected = await expectedPng(`${kind}-o${orientation}`);
    const decoded = await decode(bytesFile(await fixtureBytes(`jpeg-bands/${kind}-o${orientation}.jpg`), 1), { slabBytes: 5 * expected.width * 4 });
    expect(differing(decoded.rgba, expected.rgba)).toBe(0);
  });

  it("skips the rows above each slab while the file is still arriving (15×801, orientation 3)", async () => {
    const expected = await expectedPng("tall-420-o3");
    const file = countedFile(await fixtureBytes("jpeg-bands/tall-420-o3.jpg"), 997);
    const decoded = await decode(file, { slabBytes: 100 * 15 * 4 });
    expect(differing(decoded.rgba, expected.rgba)).toBe(0);
    // 9 slabs of 89 rows, each pass stopping at its slab's last stored row (the first at the bottom).
    expect(file.reads).toBe(9);
    console.log(`tall-420-o3: ${file.size} bytes, read ${file.delivered.join(", ")}`);
    expect(file.delivered[0]).toBe(file.size);
    // Each pass reads as far as its slab's last row, in 997-byte pieces: the last one wants the top 89 rows (11%).
    expect(file.delivered[8]).toBeLessThan(0.25 * file.size);
    for (let i = 1; i < 9; i++) expect(file.delivered[i]).toBeLessThan(file.delivered[i - 1]!);
  });
});

describe("jpeg-bands: CMYK and YCCK through the colour engine, as transicc and ImageMagick convert them", () => {
  // Orientation 1: make-cmyk-srgb-fixtures.sh's files and references; the others: make-jpeg-bands-fixtures.sh's.
  it.each([
    { file: "cmyk-srgb/fogra29-adobe.jpg", reference: "cmyk-srgb/fogra29-adobe", icc: true },
    { file: "cmyk-srgb/fogra29-plain.jpg", reference: "cmyk-srgb/fogra29-plain", icc: true },
    { file: "cmyk-srgb/ycck-fogra29.jpg", reference: "cmyk-srgb/ycck-fogra29", icc: true },
    { file: "cmyk-srgb/noicc-adobe.jpg", reference: "cmyk-srgb/noicc-adobe", icc: false },
    { file: "jpeg-bands/cmyk-noicc-o6.jpg", reference: "jpeg-bands/cmyk-noicc-o6", icc: false },
    { file: "jpeg-bands/ycck-o3.jpg", reference: "jpeg-bands/ycck-o3", icc: false },
    { file: "jpeg-bands/ycck-icc-o8.jpg", reference: "jpeg-bands/ycck-icc-o8", icc: true },
  ])("$file: mean ΔE2000 ≤ 1 against both, in one slab and in slabs of 9 rows", async ({ file, reference }) => {
    const bytes = await fixtureBytes(file);
    const results: string[] = [];
    for (const slabRows of [10_000, 9]) {
      for (const tool of ["transicc", "magick"] as const) {
        const png = decodePng(await fixtureBytes(`${reference}.${tool}.png`));
        const decoded = await decode(bytesFile(bytes, 333), { slabBytes: slabRows * png.width * 4 });
        expect([decoded.info.width, decoded.info.height]).toEqual([png.width, png.height]);
        const { mean, max } = compareRgba(decoded.rgba, new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength));
        expect(mean, `${file} against ${tool}`).toBeLessThanOrEqual(1);
        if (slabRows === 9) results.push(`${tool} mean ${mean.toFixed(3)} max ${max.toFixed(2)}`);
      }
    }
    console.log(`ΔE2000 ${file}: ${results.join("; ")}`);
  });
});

describe("jpeg-bands: failures", () => {
  it.each([
    ["baseline-420", 1],
    ["baseline-420", 3],
    ["baseline-422-restart", 6],
    ["progressive-420", 1],
    ["progressive-420", 6],
    ["grey", 8],
  ] as const)("%s orientation %i cut short anywhere is an ImageDecodeError, from open or from the bands", async (kind, orientation) => {
    const bytes = await fixtureBytes(`jpeg-bands/${kind}-o${orientation}.jpg`);
    for (const at of [1, 2, 30, 200, bytes.length >> 1, bytes.length - 40, bytes.length - 3]) {
      const error = await rejection(() => decode(bytesFile(bytes.subarray(0, at), 50), { slabBytes: 5 * 51 * 4 }));
      expect(error, `cut at ${at}`).toBeInstanceOf(ImageDecodeError);
      expect((error as ImageDecodeError).reason).toBe("damaged");
    }
  });

  it("noise in the scan data, a bad table and what is not a JPEG are ImageDecodeErrors", async () => {
    const good = await fixtureBytes("jpeg-bands/baseline-420-o6.jpg");
    const noisy = good.slice();
    let seed = 11;
    for (let i = noisy.length - 900; i < noisy.length - 100; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      noisy[i] = seed >>> 24;
    }
    const badTable = good.slice();
    const dht = badTable.findIndex((v, i) => v === 0xff && badTable[i + 1] === 0xc4);
    badTable.fill(0xff, dht + 5, dht + 21);
    for (const bytes of [noisy, badTable, new TextEncoder().encode("<html>not a JPEG</html>"), await fixtureBytes("preflight/misnamed-png-as.jpg")]) {
      const error = await rejection(() => decode(bytesFile(bytes), { slabBytes: 4 * 35 * 4 }));
      expect(error).toBeInstanceOf(ImageDecodeError);
    }
  });

  it("12-bit and lossless JPEGs are unsupported, not damaged", async () => {
    const good = await fixtureBytes("jpeg-bands/baseline-444-o1.jpg");
    const sof = good.findIndex((v, i) => v === 0xff && good[i + 1] === 0xc0);
    const twelveBit = good.slice();
    twelveBit[sof + 4] = 12;
    const lossless = good.slice();
    lossless[sof + 1] = 0xc3;
    for (const bytes of [twelveBit, lossless]) {
      const error = await rejection(() => decode(bytesFile(bytes)));
      expect(error).toBeInstanceOf(ImageDecodeError);
      expect((error as ImageDecodeError).reason).toBe("unsupported");
    }
  });

  it("refuses an image over maxPixels from its header, before decoding, and stops the read", async () => {
    const bytes = await fixtureBytes("jpeg-bands/baseline-420-o6.jpg");
    const file = countedFile(bytes, 256);
    const error = await rejection(() => openJpegRaster(file, { maxPixels: 51 * 35 - 1 }));
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect((error as ImageDecodeError).reason).toBe("too_large");
    expect(error.message).toBe("The JPEG is 51×35, over the limit of 1784 pixels.");
    expect([file.reads, file.cancelled]).toEqual([1, 1]);
    expect((await decode(bytesFile(bytes), { maxPixels: 51 * 35 })).info).toEqual({ width: 35, height: 51, hasAlpha: false });
  });

  it("refuses a progressive file whose coefficients would pass maxMemory, from its header", async () => {
    // 8000×8000 at 4:4:4: 384 MB of coefficients, over the default 96 MiB.
    const big = await gunzipped("jpeg-stream/flat-8000x8000-progressive-444.jpg.gz");
    const heapBefore = jpegStreamHeapBytes();
    const error = await rejection(() => openJpegRaster(bytesFile(big), { maxPixels: 100_000_000 }));
    expect([error instanceof ImageDecodeError, (error as ImageDecodeError).reason]).toEqual([true, "too_large"]);
    expect(error.message).toBe("JPEG needs 366.2 MiB for its coefficients, over the 96.0 MiB limit");
    const small = await fixtureBytes("jpeg-bands/progressive-420-o1.jpg");
    expect((await rejection(() => openJpegRaster(bytesFile(small), { maxPixels: 1e6, maxMemory: 1000 })) as ImageDecodeError).reason).toBe("too_large");
    // Nothing was allocated for the coefficients.
    expect(jpegStreamHeapBytes()).toBeLessThanOrEqual(Math.max(heapBefore, 2 * MiB));
  });

  it("a file that changes between two passes' reads is a SourceGoneError", async () => {
    const first = await fixtureBytes("jpeg-bands/baseline-420-o6.jpg");
    const other = await fixtureBytes("jpeg-bands/baseline-422-restart-o6.jpg");
    let reads = 0;
    const changing: SourceFile = { size: first.length, read: async () => first, stream: async () => bytesFile(reads++ ? other : first).stream() };
    const error = await rejection(() => decode(changing, { slabBytes: 10 * 35 * 4 }));
    expect(error).toBeInstanceOf(SourceGoneError);
  });
});

describe("jpeg-bands: breaking out early", () => {
  it("stops the read after the first band (baseline, orientations 1 and 3)", async () => {
    for (const orientation of [1, 3]) {
      const file = countedFile(await fixtureBytes(`jpeg-bands/baseline-420-o${orientation}.jpg`), 128);
      const raster = await openJpegRaster(file, { maxPixels: 1e6, bandBytes: 51 * 4 });
      for await (const band of raster.bands) {
        expect(band.y).toBe(0);
        break;
      }
      expect([file.reads, file.cancelled]).toEqual([1, 1]);
      expect(raster.retainedBytes()).toBe(0);
    }
  });

  it("closes the decoder: a progressive file's coefficient heap is let go (orientations 1 and 6)", async () => {
    // 2400×1800 at 4:4:4: 24.7 MiB of coefficients, past the 16 MiB the decoders' heap is kept at between images.
    const flat = await gunzipped("jpeg-stream/flat-2400x1800-progressive-444.jpg.gz");
    for (const orientation of [1, 6]) {
      const raster = await openJpegRaster(bytesFile(withOrientation(flat, orientation)), { maxPixels: 1e7, slabBytes: 300 * 1800 * 4 });
      let bands = 0;
      for await (const band of raster.bands) {
        expect(jpegStreamHeapBytes()).toBeGreaterThan(24 * MiB);
        expect(band.rows[0]).toBeGreaterThan(0);
        if (++bands === 3) break;
      }
      expect(jpegStreamHeapBytes()).toBe(0);
    }
  });
});

describe("jpeg-bands: memory", () => {
  it("holds one band for orientation 1 and one slab for orientation 6, never a frame", async () => {
    // bg/coffee.jpg: 600×400 baseline 4:2:0.
    const coffee = await fixtureBytes("bg/coffee.jpg");
    const bandBytes = 64 * 1024;
    // The decoders' heap is shared and never shrinks below 16 MiB: only growth says anything.
    const heapLimit = Math.max(jpegStreamHeapBytes(), 2 * MiB);
    const upright = await decode(bytesFile(withOrientation(coffee, 1)), { bandBytes });
    expect(upright.peakRetained).toBe(rowsPerBand(600, bandBytes) * 600 * 4);
    expect(jpegStreamHeapBytes()).toBeLessThanOrEqual(heapLimit);

    // Orientation 6: upright 400×600; a 200 KB budget holds 128 rows of 1600 bytes, 5 slabs, 120 rows each.
    const slabBytes = 200 * 1024;
    const file = countedFile(withOrientation(coffee, 6));
    const portrait = await decode(file, { bandBytes, slabBytes });
    expect(portrait.info).toEqual({ width: 400, height: 600, hasAlpha: false });
    expect(file.reads).toBe(5);
    expect(portrait.peakRetained).toBe(120 * 400 * 4);
    expect(portrait.peakRetained).toBeLessThanOrEqual(slabBytes);
    expect(jpegStreamHeapBytes()).toBeLessThanOrEqual(heapLimit);
    // The same pixels as orientation 1 turned (both decodes checked against djpeg above).
    for (const [x, y] of [[0, 0], [399, 0], [123, 456], [399, 599]] as const) {
      const stored = ((400 - 1 - x) * 600 + y) * 4;
      expect([...portrait.rgba.subarray((y * 400 + x) * 4, (y * 400 + x) * 4 + 4)]).toEqual([...upright.rgba.subarray(stored, stored + 4)]);
    }
  });

  it("keeps a progressive file's slab small: its passes reuse the coefficients", async () => {
    const flat = await gunzipped("jpeg-stream/flat-2400x1800-progressive-444.jpg.gz");
    const file = countedFile(withOrientation(flat, 6));
    const raster = await openJpegRaster(file, { maxPixels: 1e7 });
    let peak = 0;
    for await (const band of raster.bands) {
      peak = Math.max(peak, raster.retainedBytes());
      expect(band.width).toBe(1800);
    }
    // 4 MiB holds 582 rows of 7200 bytes: 5 slabs of 480 rows, from one read.
    expect(file.reads).toBe(1);
    expect(peak).toBe(480 * 1800 * 4);
  });
});
