import { withDecodedImage } from "./codecs";
import { ImageDecodeError } from "./errors";
import { openJpegRaster } from "./jpeg-bands";
import { openPngRaster } from "./png-bands";
import { DEFAULT_BAND_BYTES, rowsPerBand, streamImageData, type RasterStream } from "./raster-stream";
import { sniff, sniffType, webpDecodesLossless } from "./sniff";
import { readAll, type SourceFile } from "./source-file";
import { openTiffRaster } from "./tiff-bands";

/**
 * One way in for every raster a job reads: the file's type from its first
 * bytes, then 8-bit RGBA bands, top to bottom, upright (EXIF orientation
 * applied), whatever the format. A consumer holds one band at a time; the
 * decoders hold what their format needs (docs/configuration.md, Limits).
 */
export type RasterFormat = "jpeg" | "png" | "tiff" | "webp";

export interface OpenRasterOptions {
  /** Images with more pixels are refused from the header, before anything is allocated: ImageDecodeError "too_large". */
  maxPixels: number;
  /** Bytes of RGBA one band aims at (default 1 MiB). */
  bandBytes?: number;
}

export interface DecodedRaster extends RasterStream {
  readonly format: RasterFormat;
  /**
   * Frees the decoder when its bands were not read to the end (or not at
   * all: the header is read when the raster is opened). Idempotent.
   */
  close(): Promise<void>;
}

export { DEFAULT_BAND_BYTES } from "./raster-stream";

const SNIFF_BYTES = 32;

/** The raster type of a stored file, from its first bytes; null for anything else (PDF, GIF, unknown). */
export async function sniffRaster(file: SourceFile): Promise<RasterFormat | null> {
  const type = sniffType(await file.read(0, SNIFF_BYTES));
  return type === "jpeg" || type === "png" || type === "tiff" || type === "webp" ? type : null;
}

/**
 * Opens `file` for decoding. Every failure to decode, here or while the
 * bands are read, is an ImageDecodeError; breaking out of the bands early
 * frees the decoder.
 */
export async function openRaster(file: SourceFile, options: OpenRasterOptions): Promise<DecodedRaster> {
  const format = await sniffRaster(file);
  if (!format) throw new ImageDecodeError("The file is not a JPEG, PNG, TIFF or WebP image.", { reason: "unsupported" });
  // Read by range, band by band; the Orientation tag is not applied.
  if (format === "tiff") return { format, close: async () => {}, ...(await openTiffRaster(file, options)) };
  if (format === "jpeg") return { format, ...(await openJpegRaster(file, options)) };
  if (format === "webp") return { format, ...(await lentWebp(file, options)) };
  return { format, ...(await openPngRaster(file, options)) };
}

/**
 * WebP has no row-streaming decoder here: jSquash's libwebp decodes the
 * whole frame into its wasm heap, and the bands are views of it there (no
 * copy, codecs.ts withDecodedImage). The heap also holds the file, and
 * libwebp's lossless decoder (VP8L images, and the alpha plane of a lossy
 * one) a 32-bit copy of the whole plane besides the RGBA output, so a
 * lossless WebP, or a lossy one with alpha, needs about twice the memory of
 * an opaque lossy one. Larger WebPs are refused from their header (the
 * first limit) or once the file is read (the second).
 *
 * Each limit is the largest size measured within 110 of the isolate's
 * 128 MB after collection (bench/RESULTS.md, Memory, WebP: background
 * removal's prepare and composite in the image Worker, the only job that
 * takes WebP; photos with film grain). Opaque lossy: 16 MP 107.2 MB,
 * 20 MP 126.5. Lossless: 6 MP 99.5, 7 MP 112.0. Lossy with alpha: 6 MP
 * 88.3, 8 MP 108.8, 12 MP 149.3. The decoder's heap stays at its largest
 * in the isolate after the job (at rest 90.9 MB after 16 MP lossy), which
 * the next job there finds.
 */
export const MAX_WEBP_PIXELS = 16_000_000;
export const MAX_WEBP_LOSSLESS_PIXELS = 6_000_000;

const mp = (pixels: number) => `${Number((pixels / 1e6).toFixed(1))} MP`;

/** A WebP, decoded into the decoder's heap and lent out as bands until they are read or the raster is closed. */
async function lentWebp(file: SourceFile, options: OpenRasterOptions): Promise<Omit<DecodedRaster, "format">> {
  const sniffed = sniff(await file.read(0, SNIFF_BYTES));
  const pixels = (sniffed?.width ?? 0) * (sniffed?.height ?? 0);
  const tooLarge = (limit: number, what: string) =>
    new ImageDecodeError(`${sniffed!.width}×${sniffed!.height} px is over the ${mp(limit)} ${what} may have here; send it as JPEG or PNG`, { reason: "too_large" });
  const lossyLimit = Math.min(options.maxPixels, MAX_WEBP_PIXELS);
  if (pixels > lossyLimit) throw tooLarge(lossyLimit, "a WebP");
  const bytes = await readAll(file);
  const losslessLimit = Math.min(options.maxPixels, MAX_WEBP_LOSSLESS_PIXELS);
  if (pixels > losslessLimit && webpDecodesLossless(bytes)) throw tooLarge(losslessLimit, "a lossless WebP or one with transparency");
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  let lent!: (image: ImageData) => void;
  const image = new Promise<ImageData>((resolve) => (lent = resolve));
  const decoding = withDecodedImage(bytes, "webp", async (decoded) => {
    lent(decoded);
    await done;
  });
  const decoded = await Promise.race([image, decoding.then(() => null)]);
  if (!decoded) throw new ImageDecodeError("WebP decoding failed");
  const close = async () => {
    finished();
    await decoding.catch(() => undefined);
  };
  const stream = streamImageData(decoded, { bandRows: rowsPerBand(decoded.width, options.bandBytes ?? DEFAULT_BAND_BYTES) });
  return {
    ...stream,
    close,
    bands: (async function* () {
      try {
        yield* stream.bands;
      } finally {
        await close();
      }
    })(),
  };
}
