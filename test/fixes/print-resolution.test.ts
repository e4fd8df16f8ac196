import { describe, expect, it } from "vitest";
import { crc32 } from "../../src/imaging/png-stream";
import { pixelsPerMetre, pngPhysChunk, setJpegResolution, setPngResolution, setPrintResolution } from "../../src/fixes/print-resolution";
import { decodeImage, encodeJpeg, encodePng } from "../../src/imaging/codecs";
import { fixtureBytes } from "../helpers/fixtures";
import { solidImage } from "./helpers";

interface Chunk {
  type: string;
  data: Uint8Array;
  crcOk: boolean;
}

function chunks(png: Uint8Array): Chunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: Chunk[] = [];
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    out.push({ type, data: png.subarray(at + 8, at + 8 + length), crcOk: crc32(png.subarray(at + 4, at + 8 + length)) === view.getUint32(at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

function phys(png: Uint8Array): { x: number; y: number; unit: number }[] {
  return chunks(png)
    .filter((c) => c.type === "pHYs")
    .map((c) => {
      const v = new DataView(c.data.buffer, c.data.byteOffset, c.data.byteLength);
      return { x: v.getUint32(0), y: v.getUint32(4), unit: c.data[8]! };
    });
}

function jfifDensity(jpeg: Uint8Array): { units: number; x: number; y: number } | undefined {
  if (jpeg[2] !== 0xff || jpeg[3] !== 0xe0 || String.fromCharCode(...jpeg.subarray(6, 11)) !== "JFIF\0") return undefined;
  return { units: jpeg[13]!, x: (jpeg[14]! << 8) | jpeg[15]!, y: (jpeg[16]! << 8) | jpeg[17]! };
}

const image = solidImage(24, 16, (x, y) => [x * 10, y * 15, 99, 255]);

describe("PNG pHYs", () => {
  it("stores dpi as pixels per metre: 300 dpi = 11811", () => {
    expect(pixelsPerMetre(300)).toBe(11811);
    expect(pixelsPerMetre(72)).toBe(2835);
    expect(pixelsPerMetre(600)).toBe(23622);
  });

  it("writes the same chunk ImageMagick writes for 300 dpi, byte for byte", async () => {
    const magick = chunks(await fixtureBytes("preflight/png-phys-300dpi.png")).find((c) => c.type === "pHYs")!;
    const ours = pngPhysChunk(300);
    expect(Array.from(ours.subarray(8, 17))).toEqual(Array.from(magick.data));
    expect(crc32(ours.subarray(4, 17))).toBe(new DataView(ours.buffer).getUint32(17));
  });

  it("adds pHYs right after IHDR to an encoded PNG, which still decodes to the same pixels", async () => {
    const png = await encodePng(image);
    expect(phys(png)).toEqual([]);
    const out = setPngResolution(png, 300);
    expect(chunks(out).map((c) => c.type).slice(0, 2)).toEqual(["IHDR", "pHYs"]);
    expect(chunks(out).every((c) => c.crcOk)).toBe(true);
    expect(phys(out)).toEqual([{ x: 11811, y: 11811, unit: 1 }]);
    expect(out.length).toBe(png.length + 21);
    expect((await decodeImage(out, "png")).data).toEqual(image.data);
  });

  it("replaces an existing pHYs instead of adding a second one", async () => {
    const out = setPrintResolution(await fixtureBytes("preflight/png-phys-300dpi.png"), "png", 600);
    expect(phys(out)).toEqual([{ x: 23622, y: 23622, unit: 1 }]);
    expect(chunks(out).every((c) => c.crcOk)).toBe(true);
  });
});

describe("JPEG JFIF density", () => {
  it("patches the density of an encoded JPEG to what ImageMagick writes for 300 dpi", async () => {
    const jpeg = await encodeJpeg(image);
    const out = setJpegResolution(jpeg, 300);
    expect(out.length).toBe(jpeg.length);
    expect(jfifDensity(out)).toEqual({ units: 1, x: 300, y: 300 });
    expect(jfifDensity(await fixtureBytes("preflight/jpeg-rgb-300dpi.jpg"))).toEqual({ units: 1, x: 300, y: 300 });
    const decoded = await decodeImage(out, "jpeg");
    expect([decoded.width, decoded.height]).toEqual([24, 16]);
  });

  it("rewrites a 72 dpi header and one without units", async () => {
    expect(jfifDensity(setJpegResolution(await fixtureBytes("preflight/jpeg-rgb-72dpi.jpg"), 288))).toEqual({ units: 1, x: 288, y: 288 });
    expect(jfifDensity(setJpegResolution(await fixtureBytes("preflight/jpeg-rgb-nodensity.jpg"), 266.6))).toEqual({ units: 1, x: 267, y: 267 });
  });

  it("inserts a JFIF segment into a JPEG that has none", async () => {
    const jpeg = await encodeJpeg(image);
    const app0Length = (jpeg[4]! << 8) | jpeg[5]!;
    const bare = new Uint8Array([...jpeg.subarray(0, 2), ...jpeg.subarray(4 + app0Length)]);
    expect(jfifDensity(bare)).toBeUndefined();
    const out = setJpegResolution(bare, 600);
    expect(jfifDensity(out)).toEqual({ units: 1, x: 600, y: 600 });
    const decoded = await decodeImage(out, "jpeg");
    expect([decoded.width, decoded.height]).toEqual([24, 16]);
  });

  it("refuses densities JFIF cannot store", async () => {
    const jpeg = await encodeJpeg(image);
    expect(() => setJpegResolution(jpeg, 70000)).toThrow(RangeError);
    expect(() => setJpegResolution(jpeg, 0)).toThrow(RangeError);
  });
});
