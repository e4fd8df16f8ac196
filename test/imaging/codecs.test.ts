import decodeJpegReference, { init as initJpegReference } from "@jsquash/jpeg/decode.js";
import { decode as decodePngReference, init as initPngReference } from "@jsquash/png/decode.js";
import decodeWebpReference, { init as initWebpReference } from "@jsquash/webp/decode.js";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeImage, encodePng, ImageDecodeError, withDecodedImage } from "../../src/imaging/codecs";
import { PngStreamEncoder } from "../../src/imaging/png-stream";
import { sniff } from "../../src/imaging/sniff";
import { JPEG_DECODE_WASM, WEBP_DECODE_WASM } from "../../wasm/codecs";
import { PNG_WASM } from "../../wasm/png-reference";
import { fixtureBytes } from "../helpers/fixtures";
import { concatBytes } from "../../src/platform/encoding";
import { differing } from "../helpers/decoding";

describe("sniff", () => {
  it.each([
    ["preflight/png-alpha-used.png", "png"],
    ["preflight/jpeg-rgb-300dpi.jpg", "jpeg"],
    ["preflight/misnamed-png-as.jpg", "png"],
    ["preflight/tiff-rgb-lzw.tif", "tiff"],
    ["preflight/pdf-cmyk.pdf", "pdf"],
  ])("%s is %s", async (file, type) => {
    expect(sniff(await fixtureBytes(file))?.type).toBe(type);
  });

  it("reads the declared size of a decompression bomb without decoding it", async () => {
    expect(sniff(await fixtureBytes("preflight/png-bomb-20000x20000.png"))).toEqual({ type: "png", width: 20000, height: 20000 });
  });

  it("reads JPEG frame sizes as stored (before EXIF rotation)", async () => {
    expect(sniff(await fixtureBytes("preflight/jpeg-exif-orientation-6.jpg"))).toEqual({ type: "jpeg", width: 160, height: 240 });
  });

  it("refuses unknown bytes", () => {
    expect(sniff(new TextEncoder().encode("<html>not an image</html>"))).toBeNull();
  });
});

describe("codecs", () => {
  it("decodes a JPEG upright, applying EXIF orientation 6", async () => {
    const image = await decodeImage(await fixtureBytes("preflight/jpeg-exif-orientation-6.jpg"), "jpeg");
    expect([image.width, image.height]).toEqual([240, 160]);
  });

  it("round-trips RGBA through PNG exactly", async () => {
    const image = await decodeImage(await fixtureBytes("preflight/png-alpha-used.png"), "png");
    const again = await decodeImage(await encodePng(image), "png");
    expect([again.width, again.height]).toEqual([image.width, image.height]);
    expect(again.data).toEqual(image.data);
    const alphas = new Set<number>();
    for (let i = 3; i < image.data.length; i += 4) alphas.add(image.data[i]!);
    expect(alphas.has(0) && alphas.has(255)).toBe(true);
  });
});


const buffer = (bytes: Uint8Array) => bytes.slice().buffer;

describe("decoders against jSquash's own", () => {
  beforeAll(async () => {
    await initJpegReference(JPEG_DECODE_WASM);
    await initPngReference(PNG_WASM);
    await initWebpReference(WEBP_DECODE_WASM);
  });

  it.each([
    "preflight/png-alpha-used.png",
    "preflight/png-alpha-opaque.png",
    "preflight/png-gray.png",
    "preflight/png-palette.png",
    "preflight/png-rgb-16bit.png",
    "preflight/png-phys-300dpi.png",
    "bg/composite-logo.png",
    "bg/composite-horse-mask.png",
  ])("PNG %s decodes to the same RGBA", async (file) => {
    const bytes = await fixtureBytes(file);
    const mine = await decodeImage(bytes, "png");
    const reference = await decodePngReference(buffer(bytes));
    expect([mine.width, mine.height]).toEqual([reference.width, reference.height]);
    expect(differing(mine.data, reference.data)).toBe(0);
  });

  it.each(["bg/coffee.jpg", "bg/astronaut.jpg", "preflight/jpeg-exif-orientation-6.jpg", "preflight/jpeg-truncated.jpg"])(
    "JPEG %s decodes to the same upright RGBA, lent from the decoder's heap and copied",
    async (file) => {
      const bytes = await fixtureBytes(file);
      const reference = await decodeJpegReference(buffer(bytes), { preserveOrientation: true });
      const lent = await withDecodedImage(bytes, "jpeg", async (image) => ({ width: image.width, height: image.height, diff: differing(image.data, reference.data) }));
      expect(lent).toEqual({ width: reference.width, height: reference.height, diff: 0 });
      const copied = await decodeImage(bytes, "jpeg");
      expect(differing(copied.data, reference.data)).toBe(0);
    },
  );

  it("lends one image after another from the same decoder without mixing them up", async () => {
    const files = ["bg/astronaut.jpg", "bg/coffee.jpg", "bg/astronaut.jpg"];
    for (const file of files) {
      const bytes = await fixtureBytes(file);
      const reference = await decodeJpegReference(buffer(bytes), { preserveOrientation: true });
      expect(await withDecodedImage(bytes, "jpeg", async (image) => differing(image.data, reference.data))).toBe(0);
    }
    // Two at once: the second cannot reuse the heap the first is still using.
    const [a, b] = await Promise.all(["bg/coffee.jpg", "bg/astronaut.jpg"].map(fixtureBytes));
    const [refA, refB] = await Promise.all([a, b].map((bytes) => decodeJpegReference(buffer(bytes!), { preserveOrientation: true })));
    const diffs = await withDecodedImage(a!, "jpeg", async (first) =>
      withDecodedImage(b!, "jpeg", async (second) => [differing(first.data, refA!.data), differing(second.data, refB!.data)]),
    );
    expect(diffs).toEqual([0, 0]);
  });

  it("decodes WebP the same way", async () => {
    const bytes = await fixtureBytes("bg/coffee.webp");
    const reference = await decodeWebpReference(buffer(bytes));
    expect(await withDecodedImage(bytes, "webp", async (image) => [image.width, image.height, differing(image.data, reference.data)])).toEqual([600, 400, 0]);
  });

  it("reports damaged files as ImageDecodeError and keeps decoding afterwards", async () => {
    const good = await fixtureBytes("bg/coffee.jpg");
    // Without its start-of-image marker mozjpeg refuses the file (and aborts its instance).
    await expect(decodeImage(good.subarray(2), "jpeg")).rejects.toBeInstanceOf(ImageDecodeError);
    await expect(decodeImage(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), "png")).rejects.toBeInstanceOf(ImageDecodeError);
    expect((await decodeImage(good, "jpeg")).width).toBe(600);
    // What the caller's own code throws is not a decoding failure.
    await expect(withDecodedImage(good, "jpeg", async () => Promise.reject(new RangeError("mine")))).rejects.toBeInstanceOf(RangeError);
  });
});

describe("streaming PNG encoder", () => {
  beforeAll(() => initPngReference(PNG_WASM));

  /** A noisy RGBA test card with transparent, half-transparent and opaque areas. */
  function testCard(width: number, height: number): Uint8Array {
    const data = new Uint8Array(width * height * 4);
    let seed = 7;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const i = (y * width + x) * 4;
        data[i] = (x * 3 + (seed >>> 24)) & 255;
        data[i + 1] = (y * 5) & 255;
        data[i + 2] = seed >>> 16 & 255;
        data[i + 3] = x < width / 4 ? 0 : x < width / 2 ? (y * 255) / height : 255;
      }
    }
    return data;
  }

  it.each([4, 3] as const)("writes a valid %i-channel PNG fed in uneven batches of rows", async (channels) => {
    const width = 517;
    const height = 389;
    const rgba = testCard(width, height);
    const pixels = channels === 4 ? rgba : rgba.filter((_, i) => i % 4 !== 3);
    const parts: Uint8Array[] = [];
    const encoder = new PngStreamEncoder(width, height, channels, (bytes) => void parts.push(bytes.slice()));
    const rowBytes = width * channels;
    // The encoder reuses its buffers between calls; batches of 1, 7, 50, ... rows exercise that.
    for (let y = 0, batch = 1; y < height; y += batch, batch = batch * 7 + 1) {
      await encoder.writeRows(pixels.subarray(y * rowBytes, Math.min(height, y + batch) * rowBytes));
    }
    await encoder.finish();
    const file = concatBytes(parts);
    expect(encoder.bytesWritten).toBe(file.length);
    const decoded = await decodePngReference(file.buffer);
    expect([decoded.width, decoded.height]).toEqual([width, height]);
    const expected = channels === 4 ? rgba : rgba.map((v, i) => (i % 4 === 3 ? 255 : v));
    expect(differing(decoded.data, expected)).toBe(0);
    expect(differing((await decodeImage(file, "png")).data, expected)).toBe(0);
  });

  it("refuses rows past the image and an incomplete image", async () => {
    const encoder = new PngStreamEncoder(2, 2, 4, () => undefined);
    await expect(encoder.writeRows(new Uint8Array(3))).rejects.toThrow(/whole rows/);
    await encoder.writeRows(new Uint8Array(8));
    await expect(encoder.finish()).rejects.toThrow(/1 of 2 rows/);
    await expect(encoder.writeRows(new Uint8Array(16))).rejects.toThrow(/more rows/);
  });
});
