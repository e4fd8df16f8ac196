import decodeWebpReference, { init as initWebpReference } from "@jsquash/webp/decode.js";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ImageDecodeError } from "../../src/imaging/errors";
import { MAX_WEBP_PIXELS, openRaster } from "../../src/imaging/open-raster";
import { decodePng } from "../../src/imaging/png-decode";
import { collectRaster } from "../../src/imaging/raster-stream";
import { bytesFile, openR2File, type SourceFile } from "../../src/imaging/source-file";
import { WEBP_DECODE_WASM } from "../../wasm/codecs";
import { fixtureBytes } from "../helpers/fixtures";

// openRaster is the one way every job reads pixels: these check that each
// format reaches its band decoder through it from an R2 object (the decoders'
// own suites check their pixels in depth), and what it refuses.

/** The fixture stored in the test's R2 bucket, opened as jobs open their sources. */
async function stored(fixture: string): Promise<SourceFile> {
  const key = `test/open-raster/${fixture}`;
  await env.FILES.put(key, await fixtureBytes(fixture));
  return (await openR2File(env.FILES, key))!;
}

function differing(a: Uint8Array | Uint8ClampedArray, b: Uint8Array | Uint8ClampedArray): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) count++;
  return count + Math.abs(a.length - b.length);
}

async function rejection(run: () => Promise<unknown>): Promise<ImageDecodeError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ImageDecodeError);
    return error as ImageDecodeError;
  }
  throw new Error("expected an ImageDecodeError");
}

describe("openRaster", () => {
  it.each([
    // djpeg's decoding turned upright by pamflip (scripts/fixtures/make-jpeg-bands-fixtures.sh): EXIF orientation 6.
    ["jpeg", "jpeg-bands/baseline-420-o6.jpg", "jpeg-bands/baseline-420-o6.png"],
    // ImageMagick's decodings (scripts/fixtures/make-png-bands-fixtures.sh, make-tiff-bands-fixtures.sh).
    ["png", "png-bands/pngsuite/basn6a08.png", "png-bands/pngsuite/basn6a08.rgba"],
    ["tiff", "tiff-bands/gray-lzw-predictor-strip4.tif", "tiff-bands/gray.magick.png"],
  ])("reads a %s from R2 as upright RGBA bands equal to the reference decoding", async (format, fixture, reference) => {
    const raster = await openRaster(await stored(fixture), { maxPixels: 1_000_000, bandBytes: 1024 });
    expect(raster.format).toBe(format);
    const image = await collectRaster(raster);
    const expected = reference.endsWith(".rgba") ? { width: 32, height: 32, data: await fixtureBytes(reference) } : decodePng(await fixtureBytes(reference));
    expect([image.width, image.height]).toEqual([expected.width, expected.height]);
    expect(differing(image.data, expected.data)).toBe(0);
  });

  it("lends a WebP from the decoder's heap, equal to libwebp's own decoding through jSquash", async () => {
    const bytes = await fixtureBytes("bg/coffee.webp");
    await initWebpReference(WEBP_DECODE_WASM);
    const reference = await decodeWebpReference(bytes.slice().buffer);
    const raster = await openRaster(await stored("bg/coffee.webp"), { maxPixels: 1_000_000, bandBytes: 64 * 1024 });
    expect(raster.format).toBe("webp");
    const image = await collectRaster(raster);
    expect([image.width, image.height, differing(image.data, reference.data)]).toEqual([600, 400, 0]);
  });

  it(`refuses a WebP over ${MAX_WEBP_PIXELS / 1e6} MP from its header, whatever maxPixels allows`, async () => {
    // A VP8X header declaring a 5000×4000 canvas (20 MP): nothing after it is read.
    const header = new Uint8Array(30);
    header.set(new TextEncoder().encode("RIFF"), 0);
    header.set(new TextEncoder().encode("WEBPVP8X"), 8);
    const canvas = new DataView(header.buffer);
    canvas.setUint32(4, 22, true);
    canvas.setUint32(16, 10, true);
    const u24 = (at: number, v: number) => header.set([v & 255, (v >> 8) & 255, v >> 16], at);
    u24(24, 5000 - 1);
    u24(27, 4000 - 1);
    const error = await rejection(() => openRaster(bytesFile(header), { maxPixels: 25_000_000 }));
    expect(error.reason).toBe("too_large");
    expect(error.message).toMatch(/5000×4000 px is over the 16 MP a WebP may have/);
  });

  it("refuses what is not a raster it decodes, and images over maxPixels, before decoding", async () => {
    const gif = new TextEncoder().encode("GIF89a\x01\x00\x01\x00\x00\x00\x00;");
    expect((await rejection(() => openRaster(bytesFile(gif), { maxPixels: 100 }))).reason).toBe("unsupported");
    for (const fixture of ["jpeg-bands/baseline-420-o6.jpg", "png-bands/pngsuite/basn6a08.png", "tiff-bands/gray-lzw-predictor-strip4.tif"]) {
      const error = await rejection(async () => openRaster(await stored(fixture), { maxPixels: 16 }));
      expect(error.reason, fixture).toBe("too_large");
    }
  });

  it("frees a raster opened and never read, and one left after its first band, so the next ones decode", async () => {
    for (const fixture of ["jpeg-bands/baseline-420-o6.jpg", "png-bands/pngsuite/basn6a08.png", "tiff-bands/gray-lzw-predictor-strip4.tif", "bg/coffee.webp"]) {
      const unread = await openRaster(await stored(fixture), { maxPixels: 1_000_000 });
      await unread.close();
      await unread.close();
      const started = await openRaster(await stored(fixture), { maxPixels: 1_000_000, bandBytes: 1024 });
      const first = await started.bands[Symbol.asyncIterator]().next();
      expect(first.done, fixture).toBe(false);
      await started.close();
      const whole = await collectRaster(await openRaster(await stored(fixture), { maxPixels: 1_000_000 }));
      expect(whole.width * whole.height, fixture).toBeGreaterThan(0);
    }
  });
});
