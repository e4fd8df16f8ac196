import { unzlibSync } from "fflate";
import { describe, expect, it } from "vitest";
import { upscaleLanczos } from "../../src/fixes/upscale";
import { adler32, RleDeflater } from "../../src/imaging/deflate-rle";
import { encodePngRgba, PngStreamEncoder } from "../../src/imaging/png-stream";
import { collectRaster, streamImageData } from "../../src/imaging/raster-stream";
import { concatBytes } from "../../src/platform/encoding";
import { fixtureImage } from "../fixes/helpers";
import { runTool } from "../helpers/tools";

/** The runtime's zlib inflating `bytes` (DecompressionStream "deflate" is zlib's format). */
async function inflateNative(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function deflate(pieces: Uint8Array[]): Uint8Array {
  const deflater = new RleDeflater();
  // Each push's output is a view valid until the next call: copied.
  const out = pieces.map((piece) => deflater.push(piece).slice());
  out.push(deflater.finish().slice());
  return concatBytes(out);
}

/** Pseudo-random bytes, repeatable. */
function noise(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    bytes[i] = seed >>> 24;
  }
  return bytes;
}

/** Index of the first byte where `a` and `b` differ (or where the shorter ends), −1 if none. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Every chunk of a PNG, in order. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: { type: string; data: Uint8Array }[] = [];
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    out.push({ type: String.fromCharCode(...png.subarray(at + 4, at + 8)), data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

/** The filter type byte of every row, read from the image data as zlib inflates it. */
function filterTypes(png: Uint8Array, width: number, channels: number): number[] {
  const raw = unzlibSync(concatBytes(chunks(png).filter((c) => c.type === "IDAT").map((c) => c.data)));
  const line = width * channels + 1;
  return Array.from({ length: raw.length / line }, (_, y) => raw[y * line]!);
}

/** ImageMagick's reading of a PNG: exit status, warnings, and its RGBA pixels. */
async function magickPixels(png: Uint8Array): Promise<{ stderr: string; rgba: Uint8Array }> {
  const identify = await runTool("identify", png, ["-regard-warnings", "{in}"], ".png");
  expect(identify.exitCode, identify.stderr).toBe(0);
  const run = await runTool("convert", png, ["-regard-warnings", "{in}", "-depth", "8", "rgba:{out}"], ".png");
  expect(run.exitCode, run.stderr).toBe(0);
  return { stderr: identify.stderr + run.stderr, rgba: run.output! };
}

describe("deflate with runs (RleDeflater)", () => {
  const cases: [string, Uint8Array[]][] = [
    ["nothing", []],
    ["an empty push", [new Uint8Array(0)]],
    ["one byte", [new Uint8Array([7])]],
    ["noise, stored blocks", [noise(300_000)]],
    ["1 MiB of zeros, runs of 258", [new Uint8Array(1 << 20)]],
    ["runs that go on across pushes", [new Uint8Array(100).fill(9), new Uint8Array(2).fill(9), new Uint8Array([9]), new Uint8Array(1000).fill(9), noise(10)]],
    ["runs of every length 1–300 of changing bytes", [Uint8Array.from((function* () { for (let n = 1; n <= 300; n++) for (let k = 0; k < n; k++) yield n & 0xff; })())]],
    ["mixed, in uneven pieces", Array.from({ length: 40 }, (_, i) => (i % 3 ? noise(i * 997, i) : new Uint8Array(i * 1500).fill(i)))],
  ];

  it.each(cases)("%s: zlib and fflate inflate it back", async (_, pieces) => {
    const compressed = deflate(pieces);
    const original = concatBytes(pieces);
    // firstDifference: vitest's deep equality takes seconds on a MiB.
    expect(firstDifference(await inflateNative(compressed), original)).toBe(-1);
    expect(firstDifference(unzlibSync(compressed), original)).toBe(-1);
  });

  it("stores what it cannot compress with little overhead, and makes runs of next to nothing", () => {
    expect(deflate([noise(300_000)]).length).toBeLessThan(300_000 * 1.001 + 16);
    expect(deflate([new Uint8Array(1 << 20)]).length).toBeLessThan(3000);
  });

  it("computes Adler-32 as zlib does, across pieces", async () => {
    // zlib writes the Adler-32 of the data as the stream's last four bytes.
    const data = noise(100_003, 5);
    const viaZlib = new Uint8Array(await new Response(new Blob([data]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer());
    const expected = new DataView(viaZlib.buffer).getUint32(viaZlib.length - 4);
    expect(adler32(data)).toBe(expected);
    expect(adler32(data.subarray(70_001), adler32(data.subarray(0, 70_001)))).toBe(expected);
  });
});

describe("streaming PNG encoder against ImageMagick", () => {
  /**
   * Bands of 64 rows, each made to favour a filter: flat, rows of one
   * colour each (Sub), columns of one colour each (Up), a smooth 2-D field
   * (Average or Paeth), noise; RGBA with a transparent strip.
   */
  function bands(width: number): Uint8Array {
    const height = 5 * 64;
    const rgba = new Uint8Array(width * height * 4);
    const random = noise(rgba.length, 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        const kind = y >> 6;
        const value = [200, random[y]!, random[x]!, (x * 3 + y * 2 + ((x * y) >> 6)) & 255, random[i]!][kind]!;
        rgba.set([value, (value + 40) & 255, 255 - value, x < width / 5 ? 0 : 255], i);
      }
    }
    return rgba;
  }

  it.each([4, 3] as const)("%i channels: valid for ImageMagick, its pixels exactly, each band with its filter", async (channels) => {
    const width = 301;
    const rgba = bands(width);
    const height = rgba.length / (width * 4);
    const parts: Uint8Array[] = [];
    const encoder = new PngStreamEncoder(width, height, channels, (bytes) => void parts.push(bytes.slice()));
    for (let y = 0; y < height; y += 64) await encoder.writeRgbaRows(rgba.subarray(y * width * 4, (y + 64) * width * 4));
    await encoder.finish();
    const png = concatBytes(parts);
    const { rgba: decoded } = await magickPixels(png);
    const expected = channels === 4 ? rgba : rgba.map((v, i) => (i % 4 === 3 ? 255 : v));
    expect(firstDifference(decoded, expected)).toBe(-1);
    const types = filterTypes(png, width, channels);
    const perBand = [0, 1, 2, 3, 4].map((b) => types[b * 64]);
    // One filter per batch of rows.
    for (let y = 0; y < height; y++) expect(types[y]).toBe(perBand[y >> 6]);
    // Rows of one colour get a filter that makes them zeros (Sub, or Paeth, which does too), columns of one colour Up or Paeth.
    expect([1, 4]).toContain(perBand[1]);
    expect([2, 4]).toContain(perBand[2]);
    expect(perBand[3]).toBeGreaterThanOrEqual(3);
  });

  it("writes a 2× upscale of a real photo within 5 % of ImageMagick's own PNG of the same pixels", async () => {
    const photo = await collectRaster(upscaleLanczos(2)(streamImageData(await fixtureImage("bg/chelsea.jpg"))));
    const png = await encodePngRgba(photo.data, photo.width, photo.height, 3);
    const { rgba } = await magickPixels(png);
    expect(firstDifference(rgba, new Uint8Array(photo.data.buffer))).toBe(-1);
    // ImageMagick's default PNG: zlib level 7, adaptive filters (libpng's per-row choice).
    const theirs = await runTool("convert", png, ["{in}", "PNG24:{out}"], ".png");
    console.log(`chelsea 451×300 at 2×: ${png.length} bytes, ImageMagick's ${theirs.output!.length}`);
    expect(png.length).toBeLessThanOrEqual(theirs.output!.length * 1.05);
  });
});
