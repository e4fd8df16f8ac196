import decodeWebpReference, { init as initWebpReference } from "@jsquash/webp/decode.js";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_WEBP_LOSSLESS_PIXELS, MAX_WEBP_PIXELS, openRaster } from "../../src/imaging/open-raster";
import { decodePng } from "../../src/imaging/png-decode";
import { collectRaster } from "../../src/imaging/raster-stream";
import { sniff, webpDecodesLossless } from "../../src/imaging/sniff";
import { bytesFile, openR2File, type SourceFile } from "../../src/imaging/source-file";
import { concatBytes } from "../../src/platform/encoding";
import { WEBP_DECODE_WASM } from "../../wasm/codecs";
import { fixtureBytes } from "../helpers/fixtures";
import { decodeRejection as rejection, differing } from "../helpers/decoding";
import { runTool } from "../helpers/tools";

// openRaster is the one way every job reads pixels: these check that each
// format reaches its band decoder through it from an R2 object (the decoders'
// own suites check their pixels in depth), and what it refuses.

/** The fixture stored in the test's R2 bucket, opened as jobs open their sources. */
async function stored(fixture: string): Promise<SourceFile> {
  const key = `test/open-raster/${fixture}`;
  await env.FILES.put(key, await fixtureBytes(fixture));
  return (await openR2File(env.FILES, key))!;
}



/**
 * The first bytes of a WebP as RFC 9649 lays them out, declaring
 * `width`×`height`: a lossy VP8 key frame header, a VP8L header, or a VP8X
 * (extended) header with or without its alpha flag. No image data follows.
 */
function webpHeader(chunk: "VP8 " | "VP8L" | "VP8X", width: number, height: number, { alpha = false } = {}): Uint8Array {
  const bytes = new Uint8Array(30);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, text: string) => bytes.set(new TextEncoder().encode(text), at);
  ascii(0, "RIFF");
  view.setUint32(4, 22, true);
  ascii(8, "WEBP");
  ascii(12, chunk);
  if (chunk === "VP8 ") {
    view.setUint32(16, 10, true);
    bytes.set([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a], 20); // frame tag (key frame, shown), start code
    view.setUint16(26, width, true);
    view.setUint16(28, height, true);
  } else if (chunk === "VP8L") {
    view.setUint32(16, 5, true);
    bytes[20] = 0x2f; // signature
    view.setUint32(21, (width - 1) | ((height - 1) << 14), true);
  } else {
    view.setUint32(16, 10, true);
    bytes[20] = alpha ? 0x10 : 0;
    const u24 = (at: number, v: number) => bytes.set([v & 255, (v >> 8) & 255, v >> 16], at);
    u24(24, width - 1);
    u24(27, height - 1);
  }
  return bytes;
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
    // A VP8X header declaring a canvas one row past the limit: nothing after it is read.
    const width = 5000;
    const height = Math.floor(MAX_WEBP_PIXELS / width) + 1;
    const error = await rejection(() => openRaster(bytesFile(webpHeader("VP8X", width, height)), { maxPixels: 100_000_000 }));
    expect(error.reason).toBe("too_large");
    expect(error.message).toBe(`${width}×${height} px is over the ${MAX_WEBP_PIXELS / 1e6} MP a WebP may have here; send it as JPEG or PNG`);
  });

  it(`refuses a lossless WebP, or one with alpha, over ${MAX_WEBP_LOSSLESS_PIXELS / 1e6} MP, and lets a lossy one of that size through to its decoder`, async () => {
    const width = 4000;
    const height = Math.floor(MAX_WEBP_LOSSLESS_PIXELS / width) + 1;
    expect(width * height).toBeLessThanOrEqual(MAX_WEBP_PIXELS);
    const message = `${width}×${height} px is over the ${MAX_WEBP_LOSSLESS_PIXELS / 1e6} MP a lossless WebP or one with transparency may have here; send it as JPEG or PNG`;
    for (const header of [webpHeader("VP8L", width, height), webpHeader("VP8X", width, height, { alpha: true })]) {
      const error = await rejection(() => openRaster(bytesFile(header), { maxPixels: 100_000_000 }));
      expect([error.reason, error.message]).toEqual(["too_large", message]);
    }
    // Past a VP8X header without the alpha flag, the chunks are walked to the image: an ICCP chunk of odd size (padded), then VP8L.
    const chunk = (fourcc: string, size: number) => {
      const bytes = new Uint8Array(8 + size + (size & 1));
      bytes.set(new TextEncoder().encode(fourcc));
      new DataView(bytes.buffer).setUint32(4, size, true);
      return bytes;
    };
    const withProfile = concatBytes([webpHeader("VP8X", width, height), chunk("ICCP", 3), chunk("VP8L", 5)]);
    const walked = await rejection(() => openRaster(bytesFile(withProfile), { maxPixels: 100_000_000 }));
    expect([walked.reason, walked.message]).toEqual(["too_large", message]);
    // The same size as lossy colour passes the limits; libwebp then finds no image data after the header.
    const lossy = await rejection(() => openRaster(bytesFile(webpHeader("VP8 ", width, height)), { maxPixels: 100_000_000 }));
    expect(lossy.reason).toBe("damaged");
    // maxPixels still applies below the WebP limits.
    expect((await rejection(() => openRaster(bytesFile(webpHeader("VP8 ", width, height)), { maxPixels: width * height - 1 }))).reason).toBe("too_large");
  });

  it("tells lossless WebPs and those with alpha from opaque lossy ones, as ImageMagick's libwebp writes them", async () => {
    const jpeg = await fixtureBytes("bg/coffee.jpg");
    const cases: [string[], boolean][] = [
      [["-quality", "80"], false],
      [["-define", "webp:lossless=true"], true],
      // Lossy colour with an alpha plane: a VP8X file with an ALPH chunk.
      [["-alpha", "set", "-channel", "A", "-evaluate", "set", "50%", "+channel", "-quality", "80"], true],
    ];
    for (const [args, lossless] of cases) {
      const made = await runTool("convert", jpeg, ["{in}", ...args, "WEBP:{out}"], ".jpg");
      expect(made.exitCode, made.stderr).toBe(0);
      expect(sniff(made.output!)?.type).toBe("webp");
      expect(webpDecodesLossless(made.output!), args.join(" ")).toBe(lossless);
    }
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
