import { zlibSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { openRaster } from "../../src/imaging/open-raster";
import { decodePng } from "../../src/imaging/png-decode";
import { collectRaster } from "../../src/imaging/raster-stream";
import { bytesFile, type SourceFile } from "../../src/imaging/source-file";
import { readTiffInfo } from "../../src/imaging/tiff";
import { decodeTiff, MAX_TILE_ROW_BYTES, openTiffRaster, TIFF_READ_BYTES, type TiffRaster } from "../../src/imaging/tiff-bands";
import { compareRgba } from "../helpers/ciede2000";
import { fixtureBytes, fixtureUrl } from "../helpers/fixtures";
import { compare, decodeRejection as rejection } from "../helpers/decoding";

// Made by scripts/fixtures/make-tiff-bands-fixtures.sh: what tiffinfo reads of each TIFF, and
// the base image whose ImageMagick (or, for CMYK, transicc) reading is its reference.
interface Expected {
  reference: string;
  width: number;
  height: number;
  bitsPerSample: number;
  samplesPerPixel: number;
  photometric: number;
  compression: string;
  planarConfiguration: number;
  predictor: number;
  alpha: "none" | "associated" | "unassociated";
  tiled: boolean;
  chunk: [number, number];
  iccBytes: number;
  littleEndian: boolean;
}
let expected: Record<string, Expected>;
beforeAll(async () => {
  expected = JSON.parse(new TextDecoder().decode(await fixtureBytes("tiff-bands/expected.json")));
});

const MAX_PIXELS = 100_000_000;

/**
 * ImageMagick's readings round differently in three places, all by at most one: it cuts
 * 16-bit samples to 8 bits as ⌊v / 257⌋ where the decoder rounds (v + 128) / 257 (and the
 * 16-bit ColorMap of palettes the same way), and it un-premultiplies associated alpha with
 * its own rounding.
 */
const TOLERANCE: Record<string, number> = { rgb16: 1, gray16: 1, rgba16: 1, palette8: 1, palette4: 1, "rgba-assoc": 1 };

const fixtureNames = [
  "bilevel-lzw-strip8.tif",
  "bilevel-white-packbits-tile16.tif",
  "cmyk-icc-deflate-predictor-tile16.tif",
  "cmyk-icc-planar-packbits-strip5.tif",
  "cmyk-noicc-lzw-strip8.tif",
  "cmyk-noicc-none-tile16.tif",
  "cmyk16-icc-lzw-predictor-strip6.tif",
  "cmyka-noicc-planar-lzw-strip7.tif",
  "gray-lzw-predictor-strip4.tif",
  "gray-packbits-tile16.tif",
  "gray-white-deflate-strip12.tif",
  "gray16-bigendian-deflate-predictor-strip10.tif",
  "gray2-none-strip37.tif",
  "gray4-lzw-strip6.tif",
  "graya-packbits-strip3.tif",
  "palette4-none-tile16.tif",
  "palette8-lzw-strip10.tif",
  "rgb-bigendian-lzw-predictor-strip8.tif",
  "rgb-deflate-predictor-strip16.tif",
  "rgb-deflate-predictor-tile32.tif",
  "rgb-lzw-predictor-onestrip.tif",
  "rgb-lzw-strip7.tif",
  "rgb-lzw-tile16.tif",
  "rgb-none-strip1.tif",
  "rgb-packbits-strip5.tif",
  "rgb-planar-none-tile16.tif",
  "rgb-planar-packbits-strip9.tif",
  "rgb16-bigendian-deflate-predictor-tile16.tif",
  "rgb16-lzw-predictor-strip8.tif",
  "rgb16-planar-none-strip4.tif",
  "rgba-assoc-deflate-tile16.tif",
  "rgba-assoc-none-strip1.tif",
  "rgba-deflate-tile16.tif",
  "rgba-lzw-predictor-strip12.tif",
  "rgba-planar-lzw-strip6.tif",
  "rgba16-deflate-predictor-strip10.tif",
];

/** A SourceFile that counts its reads and can be told to fail or come up short. */
function counted(file: SourceFile, options: { failAfter?: number; shortFrom?: number } = {}) {
  const stats = { reads: 0, bytes: 0, largest: 0, ranges: [] as [number, number][] };
  const wrapped: SourceFile = {
    size: file.size,
    stream: (offset) => file.stream(offset),
    async read(offset, length) {
      stats.reads++;
      stats.bytes += length;
      stats.largest = Math.max(stats.largest, length);
      stats.ranges.push([offset, length]);
      if (options.failAfter !== undefined && stats.reads > options.failAfter) throw new Error("storage went away");
      const bytes = await file.read(offset, length);
      return options.shortFrom !== undefined && offset + length > options.shortFrom ? bytes.subarray(0, Math.max(0, options.shortFrom - offset)) : bytes;
    },
  };
  return { file: wrapped, stats };
}

/** Decodes every band into one frame, checking the band geometry as the pipeline does. */
async function decodeAll(raster: TiffRaster): Promise<Uint8Array> {
  const image = await collectRaster(raster);
  return new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
}

async function referenceRgba(name: string): Promise<Uint8Array> {
  const png = decodePng(await fixtureBytes(`tiff-bands/${name}`));
  return new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
}


const alphaOf = (rgba: Uint8Array) => rgba.filter((_, i) => i % 4 === 3);

async function gunzipped(name: string): Promise<Uint8Array> {
  const res = await fetch(fixtureUrl(`tiff-bands/${name}`));
  if (!res.ok || !res.body) throw new Error(`fixture ${name}: ${res.status}`);
  return new Uint8Array(await new Response(res.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
}


const toHex = (buffer: ArrayBuffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

describe("tiff-bands decodes as ImageMagick (libtiff) and LittleCMS read the same files", () => {
  it("knows every fixture the script made", () => {
    expect(Object.keys(expected).sort()).toEqual(fixtureNames);
  });

  it.each(fixtureNames)("%s: tags as tiffinfo reads them; pixels as the reference", async (name) => {
    const want = expected[name]!;
    const bytes = await fixtureBytes(`tiff-bands/${name}`);
    const raster = await openTiffRaster(bytesFile(bytes), { maxPixels: MAX_PIXELS });
    const tags = raster.tiff;
    expect({
      width: tags.width,
      height: tags.height,
      bitsPerSample: tags.bitsPerSample,
      samplesPerPixel: tags.samplesPerPixel,
      photometric: tags.photometric,
      compression: tags.compressionName,
      planarConfiguration: tags.planarConfiguration,
      predictor: tags.predictor,
      alpha: tags.alpha,
      tiled: tags.tiled,
      iccBytes: tags.iccProfile?.length ?? 0,
    }).toEqual({
      width: want.width,
      height: want.height,
      bitsPerSample: want.bitsPerSample,
      samplesPerPixel: want.samplesPerPixel,
      photometric: want.photometric,
      compression: want.compression,
      planarConfiguration: want.planarConfiguration,
      predictor: want.predictor,
      alpha: want.alpha,
      tiled: want.tiled,
      iccBytes: want.iccBytes,
    });
    expect(readTiffInfo(bytes)).toEqual(tags);
    expect(raster.info).toEqual({ width: want.width, height: want.height, hasAlpha: want.alpha !== "none" });
    const rgba = await decodeAll(raster);

    if (tags.colorMode === "cmyk") {
      expect(raster.cmykProfile).toBe(want.iccBytes ? "embedded" : "default");
      const results: string[] = [];
      for (const tool of ["transicc", "magick"] as const) {
        const reference = await referenceRgba(`${want.reference}.${tool}.png`);
        const { mean, max } = compareRgba(rgba, reference);
        results.push(`${tool} mean ${mean.toFixed(3)} max ${max.toFixed(2)}`);
        expect(mean, `${name} against ${tool}`).toBeLessThanOrEqual(1);
        expect(compare(alphaOf(rgba), alphaOf(reference)).maxDiff).toBe(0);
      }
      console.log(`ΔE2000 ${name}: ${results.join("; ")}`);
    } else {
      const { maxDiff } = compare(rgba, await referenceRgba(`${want.reference}.magick.png`));
      expect(maxDiff).toBeLessThanOrEqual(TOLERANCE[want.reference] ?? 0);
    }
  });

  it("the embedded profile is what makes a CMYK match: the same inks through the default one are far off", async () => {
    const bytes = await fixtureBytes("tiff-bands/cmyk-icc-deflate-predictor-tile16.tif");
    const withProfile = await decodeAll(await openTiffRaster(bytesFile(bytes), { maxPixels: MAX_PIXELS }));
    const reference = await referenceRgba("cmyk-icc.transicc.png");
    expect(compareRgba(withProfile, reference).mean).toBeLessThan(1);
    // The same file with its ICC tag renamed to a private tag nobody reads.
    const stripped = bytes.slice();
    const view = new DataView(stripped.buffer);
    const ifd = view.getUint32(4, true);
    for (let i = 0; i < view.getUint16(ifd, true); i++) if (view.getUint16(ifd + 2 + i * 12, true) === 34675) view.setUint16(ifd + 2 + i * 12, 65000, true);
    const raster = await openTiffRaster(bytesFile(stripped), { maxPixels: MAX_PIXELS });
    expect(raster.cmykProfile).toBe("default");
    expect(compareRgba(await decodeAll(raster), reference).mean).toBeGreaterThan(3);
  });

  it("CMYK of the preflight fixture (no profile) goes through the default FOGRA39 profile", async () => {
    const image = await decodeTiff(await fixtureBytes("preflight/tiff-cmyk-lzw.tif"));
    const rgba = new Uint8Array(image.data.buffer);
    for (const tool of ["transicc", "magick"] as const) {
      expect(compareRgba(rgba, await referenceRgba(`preflight-tiff-cmyk-lzw.${tool}.png`)).mean).toBeLessThanOrEqual(1);
    }
  });

  it("band height changes nothing: one row a band gives the same pixels", async () => {
    for (const name of ["rgb-lzw-tile16.tif", "cmyka-noicc-planar-lzw-strip7.tif", "rgb16-planar-none-strip4.tif"]) {
      const bytes = await fixtureBytes(`tiff-bands/${name}`);
      const whole = await decodeTiff(bytes);
      const raster = await openTiffRaster(bytesFile(bytes), { maxPixels: MAX_PIXELS, bandBytes: 1 });
      let bands = 0;
      const rgba = new Uint8Array(whole.data.length);
      for await (const band of raster.bands) {
        expect(band.height).toBe(1);
        rgba.set(band.rows, band.y * band.width * 4);
        bands++;
      }
      expect(bands).toBe(whole.height);
      expect(rgba).toEqual(new Uint8Array(whole.data.buffer));
    }
  });

  it("openRaster hands TIFFs to the band decoder", async () => {
    const raster = await openRaster(bytesFile(await fixtureBytes("tiff-bands/rgba-planar-lzw-strip6.tif")), { maxPixels: MAX_PIXELS });
    expect(raster.format).toBe("tiff");
    expect(raster.info).toEqual({ width: 61, height: 37, hasAlpha: true });
    expect(compare(new Uint8Array((await collectRaster(raster)).data.buffer), await referenceRgba("rgba.magick.png")).maxDiff).toBe(0);
  });
});

/** Geometry of a generated TIFF (8-bit RGB, uncompressed, pixels from `value`), built as it is read. */
interface Synthetic {
  width: number;
  height: number;
  /** Strips of this many rows, or tiles. */
  rowsPerStrip?: number;
  tile?: [number, number];
  ifdAtEnd?: boolean;
  /** Extra IFD entries: tag, type, count, and the 4-byte value or offset. */
  extraEntries?: [number, number, number, number][];
  /** The file claims to be this much shorter than its layout. */
  cutBytes?: number;
}

const value = (x: number, y: number, c: number) => (x * (c + 1) + y * (3 - c) * 2 + ((x * y) >> 7)) & 0xff;

/**
 * A TIFF of any size that exists only as a function: its header and IFD are a few hundred
 * bytes, each pixel byte is computed when read. A 72 MB file costs nothing to hold.
 */
function syntheticTiff(spec: Synthetic): SourceFile & { dataBytes: number } {
  const { width, height } = spec;
  const [tw, th] = spec.tile ?? [width, Math.min(spec.rowsPerStrip ?? height, height)];
  const across = Math.ceil(width / tw);
  const down = Math.ceil(height / th);
  const chunkBytes = (k: number) => tw * 3 * (spec.tile ? th : Math.min(th, height - k * th));
  const chunks: { offset: number; length: number; tx: number; ty: number }[] = [];
  let dataBytes = 0;
  for (let ty = 0; ty < down; ty++) {
    for (let tx = 0; tx < across; tx++) {
      chunks.push({ offset: dataBytes, length: chunkBytes(ty), tx, ty });
      dataBytes += chunkBytes(ty);
    }
  }
  // Header, IFD, then the offset and byte count arrays.
  type Entry = [tag: number, type: number, count: number, value: number];
  const layoutTags: Entry[] = spec.tile ? [[322, 3, 1, tw], [323, 3, 1, th], [324, 4, chunks.length, 0], [325, 4, chunks.length, 0]] : [[273, 4, chunks.length, 0], [278, 4, 1, th], [279, 4, chunks.length, 0]];
  const tags: Entry[] = [
    [256, 4, 1, width],
    [257, 4, 1, height],
    [258, 3, 3, 0], // out of line
    [259, 3, 1, 1],
    [262, 3, 1, 2],
    [277, 3, 1, 3],
    [284, 3, 1, 1],
    ...layoutTags,
    ...(spec.extraEntries ?? []),
  ];
  tags.sort((a, b) => a[0] - b[0]);
  const ifdBytes = 2 + tags.length * 12 + 4;
  // `meta`: the header, then the IFD and its out-of-line values, which sit either right after
  // the header (before the data) or after the data.
  const metaBytes = 8 + ifdBytes + 8 + 8 * chunks.length;
  const dataStart = spec.ifdAtEnd ? 8 : metaBytes;
  const restAt = spec.ifdAtEnd ? 8 + dataBytes : 8;
  const meta = new Uint8Array(metaBytes);
  const view = new DataView(meta.buffer);
  meta.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, restAt, true);
  const bitsAt = restAt + ifdBytes;
  const offsetsAt = bitsAt + 8;
  const countsAt = offsetsAt + 4 * chunks.length;
  view.setUint16(8, tags.length, true);
  tags.forEach(([tag, type, count, v], i) => {
    const at = 10 + i * 12;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, count, true);
    if (tag === 258) view.setUint32(at + 8, bitsAt, true);
    else if (tag === 273 || tag === 324) view.setUint32(at + 8, chunks.length === 1 ? dataStart : offsetsAt, true);
    else if (tag === 279 || tag === 325) view.setUint32(at + 8, chunks.length === 1 ? chunks[0]!.length : countsAt, true);
    else if (type === 3 && count === 1) view.setUint16(at + 8, v, true);
    else view.setUint32(at + 8, v, true);
  });
  for (let c = 0; c < 3; c++) view.setUint16(8 + ifdBytes + c * 2, 8, true);
  chunks.forEach((chunk, i) => {
    view.setUint32(8 + ifdBytes + 8 + 4 * i, dataStart + chunk.offset, true);
    view.setUint32(8 + ifdBytes + 8 + 4 * (chunks.length + i), chunk.length, true);
  });
  // [file offset, length, offset in meta]
  const metaRanges: [number, number, number][] = [
    [0, 8, 0],
    [restAt, metaBytes - 8, 8],
  ];
  const size = metaBytes + dataBytes - (spec.cutBytes ?? 0);

  const findChunk = (d: number) => {
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (chunks[mid]!.offset <= d) lo = mid;
      else hi = mid - 1;
    }
    return chunks[lo]!;
  };
  return {
    size,
    dataBytes,
    stream: () => Promise.reject(new Error("read by range only")),
    async read(offset, length) {
      const end = Math.min(size, offset + length);
      const out = new Uint8Array(Math.max(0, end - offset));
      for (const [start, len, from] of metaRanges) {
        const a = Math.max(offset, start);
        const b = Math.min(end, start + len);
        if (a < b) out.set(meta.subarray(a - start + from, b - start + from), a - offset);
      }
      for (let p = Math.max(offset, dataStart); p < Math.min(end, dataStart + dataBytes); ) {
        const chunk = findChunk(p - dataStart);
        const stop = Math.min(end, dataStart + chunk.offset + chunk.length);
        for (; p < stop; p++) {
          const b = p - dataStart - chunk.offset;
          const rest = b % (tw * 3);
          const x = chunk.tx * tw + Math.floor(rest / 3);
          const y = chunk.ty * th + Math.floor(b / (tw * 3));
          out[p - offset] = x < width && y < height ? value(x, y, rest % 3) : 0;
        }
      }
      return out;
    },
  };
}

/** Checks every pixel of the generated image as the bands go by; returns the largest retainedBytes seen. */
async function checkSynthetic(raster: TiffRaster): Promise<number> {
  let peak = 0;
  let next = 0;
  for await (const band of raster.bands) {
    peak = Math.max(peak, raster.retainedBytes());
    expect(band.y).toBe(next);
    for (let r = 0; r < band.height; r++) {
      const y = band.y + r;
      for (let x = 0; x < band.width; x++) {
        const i = (r * band.width + x) * 4;
        if (band.rows[i] !== value(x, y, 0) || band.rows[i + 1] !== value(x, y, 1) || band.rows[i + 2] !== value(x, y, 2) || band.rows[i + 3] !== 255) {
          throw new Error(`pixel ${x},${y} is ${[...band.rows.subarray(i, i + 4)]}`);
        }
      }
    }
    next += band.height;
  }
  expect(next).toBe(raster.info.height);
  return peak;
}

const MiB = 1024 * 1024;

describe("tiff-bands reads by range and holds about a band", () => {
  // Fetched first: after seconds of decoding without a request, the fixture server may have
  // closed the connection a later fetch would reuse.
  const big: Record<string, Uint8Array> = {};
  let bigJson: { width: number; height: number; sha256: string; pixels: { x: number; y: number; rgba: number[] }[] };
  beforeAll(async () => {
    for (const name of ["big-deflate-predictor-onestrip.tif.gz", "big-planar-packbits-strip32.tif.gz"]) big[name] = await gunzipped(name);
    bigJson = JSON.parse(new TextDecoder().decode(await fixtureBytes("tiff-bands/big.json")));
  });

  it("6000×4000 in 16-row strips, IFD first: reads of about 1 MB, each byte once; about a band held", async () => {
    const source = syntheticTiff({ width: 6000, height: 4000, rowsPerStrip: 16 });
    const { file, stats } = counted(source);
    const raster = await openTiffRaster(file, { maxPixels: MAX_PIXELS });
    const peak = await checkSynthetic(raster);
    console.log(`6000×4000 strips: ${stats.reads} reads, ${(stats.bytes / MiB).toFixed(1)} MiB, largest ${(stats.largest / MiB).toFixed(2)} MiB; peak held ${(peak / MiB).toFixed(2)} MiB`);
    // 250 strips of 288 000 bytes: three to a read.
    expect(stats.largest).toBeLessThanOrEqual(TIFF_READ_BYTES);
    expect(stats.reads).toBeGreaterThan(source.dataBytes / TIFF_READ_BYTES);
    expect(stats.reads).toBeLessThan((2 * source.dataBytes) / TIFF_READ_BYTES);
    expect(stats.bytes).toBeLessThan(source.dataBytes + 128 * 1024);
    // A band (1 MiB), the batch being decoded and the one read ahead: far below the 96 MB frame.
    expect(peak).toBeLessThan(4 * MiB);
  });

  it("6000×4000 as one 72 MB strip, IFD at the end: read in 1 MB windows, never whole", async () => {
    const source = syntheticTiff({ width: 6000, height: 4000, ifdAtEnd: true });
    const { file, stats } = counted(source);
    const raster = await openTiffRaster(file, { maxPixels: MAX_PIXELS });
    // The header's read and the IFD's, at the end of the file: nothing of the image yet.
    expect(stats.reads).toBe(2);
    expect(stats.ranges[1]![0]).toBe(8 + source.dataBytes);
    const peak = await checkSynthetic(raster);
    console.log(`6000×4000 one strip: ${stats.reads} reads, largest ${(stats.largest / MiB).toFixed(2)} MiB; peak held ${(peak / MiB).toFixed(2)} MiB`);
    expect(stats.largest).toBeLessThanOrEqual(TIFF_READ_BYTES);
    expect(stats.bytes).toBeLessThan(source.dataBytes + 128 * 1024);
    expect(peak).toBeLessThan(4 * MiB);
  });

  it("6000×4000 in 256×256 tiles (partial at the edges): one row of tiles held", async () => {
    const source = syntheticTiff({ width: 6000, height: 4000, tile: [256, 256] });
    const { file, stats } = counted(source);
    const raster = await openTiffRaster(file, { maxPixels: MAX_PIXELS });
    const peak = await checkSynthetic(raster);
    const tileRow = Math.ceil(6000 / 256) * 256 * 256 * 3;
    console.log(`6000×4000 tiles: ${stats.reads} reads, largest ${(stats.largest / MiB).toFixed(2)} MiB; peak held ${(peak / MiB).toFixed(2)} MiB (a tile row ${(tileRow / MiB).toFixed(2)} MiB)`);
    expect(stats.largest).toBeLessThanOrEqual(TIFF_READ_BYTES);
    expect(stats.reads).toBeLessThan((2 * source.dataBytes) / TIFF_READ_BYTES);
    expect(peak).toBeGreaterThanOrEqual(tileRow);
    expect(peak).toBeLessThan(tileRow + 4 * MiB);
  });

  it.each([
    ["big-deflate-predictor-onestrip.tif.gz", 4],
    ["big-planar-packbits-strip32.tif.gz", 4],
  ] as const)("%s (ImageMagick's drawing, 6000×4000): every pixel as ImageMagick reads it, under %s MiB held", async (name, limitMiB) => {
    const bytes = big[name]!;
    const { file, stats } = counted(bytesFile(bytes));
    const raster = await openTiffRaster(file, { maxPixels: MAX_PIXELS });
    expect(raster.info).toEqual({ width: bigJson.width, height: bigJson.height, hasAlpha: false });
    const digest = new crypto.DigestStream("SHA-256");
    const writer = digest.getWriter();
    let peak = 0;
    for await (const band of raster.bands) {
      peak = Math.max(peak, raster.retainedBytes());
      for (const p of bigJson.pixels) {
        if (p.y >= band.y && p.y < band.y + band.height) expect([...band.rows.subarray(((p.y - band.y) * band.width + p.x) * 4, ((p.y - band.y) * band.width + p.x) * 4 + 4)]).toEqual(p.rgba);
      }
      await writer.write(band.rows);
    }
    await writer.close();
    expect(toHex(await digest.digest)).toBe(bigJson.sha256);
    console.log(`${name}: ${bytes.length} bytes in ${stats.reads} reads; peak held ${(peak / MiB).toFixed(2)} MiB`);
    expect(peak).toBeLessThan(limitMiB * MiB);
  });

  it("tiny strips are read together: 37 strips of one row, one read after the IFD's", async () => {
    const bytes = await fixtureBytes("tiff-bands/rgb-none-strip1.tif");
    const { file, stats } = counted(bytesFile(bytes));
    const raster = await openTiffRaster(file, { maxPixels: MAX_PIXELS });
    const ifdReads = stats.reads;
    await decodeAll(raster);
    expect(stats.reads - ifdReads).toBe(1);
    expect(stats.ranges.at(-1)).toEqual([8, 37 * 61 * 3]);
  });

  it("planar strips are read a plane's run at a time, not strip by strip", async () => {
    const { file, stats } = counted(bytesFile(big["big-planar-packbits-strip32.tif.gz"]!));
    const raster = await openTiffRaster(file, { maxPixels: MAX_PIXELS });
    for await (const band of raster.bands) void band;
    // 125 strip rows × 3 planes.
    expect(stats.reads).toBeLessThan(125);
  });

  it("breaking out early stops reading and lets go of the buffers, even with a read ahead in flight that fails", async () => {
    const { file, stats } = counted(syntheticTiff({ width: 6000, height: 4000, rowsPerStrip: 16 }), { failAfter: 2 });
    const raster = await openTiffRaster(file, { maxPixels: MAX_PIXELS });
    for await (const band of raster.bands) {
      expect(band.y).toBe(0);
      break;
    }
    const reads = stats.reads;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stats.reads).toBe(reads);
    expect(raster.retainedBytes()).toBe(0);
  });
});

describe("tiff-bands refuses what it cannot or must not decode, as ImageDecodeError", () => {
  it("over maxPixels: too_large from the IFD, before any image data is read", async () => {
    const { file, stats } = counted(syntheticTiff({ width: 6000, height: 4000, rowsPerStrip: 16 }));
    const error = await rejection(() => openTiffRaster(file, { maxPixels: 6000 * 4000 - 1 }));
    expect(error.reason).toBe("too_large");
    expect(stats.bytes).toBeLessThanOrEqual(2 * 64 * 1024);
  });

  it(`a row of tiles over ${MAX_TILE_ROW_BYTES / MiB} MiB decoded: too_large`, async () => {
    const error = await rejection(() => openTiffRaster(syntheticTiff({ width: 12000, height: 2048, tile: [1024, 1024] }), { maxPixels: MAX_PIXELS }));
    expect(error.reason).toBe("too_large");
    expect(error.message).toMatch(/row of 1024×1024 tiles/);
  });

  it("truncated files are damaged: the IFD cut off, or strips past the end", async () => {
    const bytes = await fixtureBytes("tiff-bands/rgb-lzw-strip7.tif");
    // libtiff writes the IFD after the strips.
    expect((await rejection(() => decodeTiff(bytes.subarray(0, bytes.length >> 1)))).reason).toBe("damaged");
    expect((await rejection(() => openTiffRaster(syntheticTiff({ width: 300, height: 200, rowsPerStrip: 10, ifdAtEnd: false, cutBytes: 5000 }), { maxPixels: MAX_PIXELS }))).reason).toBe("damaged");
  });

  it("a file that comes up short while its strips are read is damaged", async () => {
    const source = syntheticTiff({ width: 3000, height: 2000, rowsPerStrip: 8 });
    const { file } = counted(source, { shortFrom: source.size >> 1 });
    const raster = await openTiffRaster(file, { maxPixels: MAX_PIXELS });
    const error = await rejection(async () => {
      for await (const band of raster.bands) void band;
    });
    expect(error.reason).toBe("damaged");
    expect(error.message).toMatch(/ended inside its image data/);
  });

  it.each([
    ["rgb-lzw-strip7.tif", 0xff], // 12-bit code 4095: outside the table
    ["rgb-deflate-predictor-strip16.tif", 0xff], // invalid deflate block type
  ])("%s with its strips overwritten by %s: damaged, promptly", async (name, fill) => {
    const bytes = (await fixtureBytes(`tiff-bands/${name}`)).slice();
    const info = readTiffInfo(bytes);
    expect(info.tiled).toBe(false);
    // Overwrite everything between the header and the IFD: the strips, written first.
    const ifd = new DataView(bytes.buffer).getUint32(4, true);
    bytes.fill(fill, 8, ifd);
    const error = await rejection(() => decodeTiff(bytes));
    expect(error.reason).toBe("damaged");
  });

  it("forged counts: strips claimed past the end, an ICC profile of 20 MB", async () => {
    const bytes = (await fixtureBytes("tiff-bands/rgb-none-strip1.tif")).slice();
    const view = new DataView(bytes.buffer);
    const ifd = view.getUint32(4, true);
    for (let i = 0; i < view.getUint16(ifd, true); i++) {
      const at = ifd + 2 + i * 12;
      if (view.getUint16(at, true) === 279) view.setUint32(view.getUint32(at + 8, true), 0x7fffffff, true);
    }
    expect((await rejection(() => decodeTiff(bytes))).reason).toBe("damaged");
    // A 20 MB ICC tag inside a 30 MB file: refused without reading it.
    const source = syntheticTiff({ width: 4000, height: 2500, rowsPerStrip: 64, extraEntries: [[34675, 7, 20 * MiB, 1024]] });
    const { file, stats } = counted(source);
    expect((await rejection(() => openTiffRaster(file, { maxPixels: MAX_PIXELS }))).reason).toBe("unsupported");
    expect(stats.bytes).toBeLessThanOrEqual(2 * 64 * 1024);
  });

  it("reports the Orientation tag and leaves the pixels as stored", async () => {
    const source = syntheticTiff({ width: 50, height: 30, rowsPerStrip: 7, extraEntries: [[274, 3, 1, 6]] });
    const raster = await openTiffRaster(source, { maxPixels: MAX_PIXELS });
    expect(raster.orientation).toBe(6);
    expect(raster.tiff.orientation).toBe(6);
    expect(raster.info).toMatchObject({ width: 50, height: 30 });
    await checkSynthetic(raster);
  });

  it("a zlib bomb in one strip inflates no further than the strip needs", async () => {
    // A 64×64 grey image whose one strip inflates to 20 MB: the decoder takes its 4 KB and stops.
    const bomb = zlibSync(new Uint8Array(20 * MiB), { level: 9 });
    const header = new Uint8Array(8 + 2 + 9 * 12 + 4);
    const view = new DataView(header.buffer);
    header.set([0x49, 0x49, 42, 0]);
    view.setUint32(4, 8, true);
    view.setUint16(8, 9, true);
    const entries: [number, number, number][] = [
      [256, 3, 64],
      [257, 3, 64],
      [258, 3, 8],
      [259, 3, 8],
      [262, 3, 1],
      [273, 4, header.length],
      [277, 3, 1],
      [278, 3, 64],
      [279, 4, bomb.length],
    ];
    entries.forEach(([tag, type, v], i) => {
      view.setUint16(10 + i * 12, tag, true);
      view.setUint16(12 + i * 12, type, true);
      view.setUint32(14 + i * 12, 1, true);
      if (type === 3) view.setUint16(18 + i * 12, v, true);
      else view.setUint32(18 + i * 12, v, true);
    });
    const file = new Uint8Array(header.length + bomb.length);
    file.set(header);
    file.set(bomb, header.length);
    const started = Date.now();
    const image = await decodeTiff(file);
    expect(Date.now() - started).toBeLessThan(2000);
    expect([image.width, image.height]).toEqual([64, 64]);
    expect(image.data.every((v, i) => v === (i % 4 === 3 ? 255 : 0))).toBe(true);
  });
});
