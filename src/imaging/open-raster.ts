import { decodeImage } from "./codecs";
import { ImageDecodeError } from "./errors";
import { openPngRaster } from "./png-bands";
import { streamImageData, type RasterStream } from "./raster-stream";
import { sniffType } from "./sniff";
import { readAll, type SourceFile } from "./source-file";
import { decodeTiff, TiffError } from "./tiff";

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
  if (format === "png") return { format, ...(await openPngRaster(file, options)) };
  return { format, ...(await wholeFrame(file, format, options)) };
}

/** Decodes the whole frame, then lends it out as bands. */
async function wholeFrame(file: SourceFile, format: RasterFormat, options: OpenRasterOptions): Promise<RasterStream> {
  const bytes = await readAll(file);
  if (format === "tiff") {
    try {
      const tiff = decodeTiff(bytes, { maxPixels: options.maxPixels });
      return streamImageData(new ImageData(tiff.data, tiff.width, tiff.height));
    } catch (error) {
      if (error instanceof TiffError) throw new ImageDecodeError(error.message, { cause: error, reason: error.reason });
      throw error;
    }
  }
  return streamImageData(await decodeImage(bytes, format));
}
