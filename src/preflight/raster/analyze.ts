import { withDecodedImage } from "../../imaging/codecs";
import { sniffType } from "../../imaging/sniff";
import { ImageDecodeError } from "../../imaging/errors";
import { decodeTiff } from "../../imaging/tiff-bands";
import { type Analysis, issue, type PreflightIssue, type Requirements } from "../issues";
import { placeImage, raiseRasterIssues, SOFT_IMAGE_THRESHOLD } from "./checks";
import type { RasterFacts, ReadableRasterFacts } from "./facts";
import type { RasterFormat, RasterHeader } from "./header";
import { readJpegHeader } from "./jpeg";
import { measurePixels, type PixelFacts } from "./pixels";
import { readPngHeader } from "./png";
import { readTiffHeader } from "./tiff-header";

export type { RasterFacts } from "./facts";

const READERS: Record<RasterFormat, (bytes: Uint8Array) => RasterHeader> = { jpeg: readJpegHeader, png: readPngHeader, tiff: readTiffHeader };

/** JPEG processes mozjpeg decodes; a failure on one of these means broken data, not a missing feature. */
const PLAIN_JPEG = new Set(["jpeg-baseline", "jpeg-extended", "jpeg-progressive"]);

type PixelOutcome = { ok: true; facts: PixelFacts } | { ok: false; damaged: boolean; reason: string };

/**
 * Decodes, measures and lets go of the pixels inside this one call, so the
 * full-size RGBA (4 bytes per pixel) is garbage as soon as the small
 * greyscale copy exists. JPEG and PNG pixels are measured where the decoder
 * left them (no copy of the frame).
 */
async function analyzePixels(bytes: Uint8Array, header: RasterHeader, maxPixels: number): Promise<PixelOutcome> {
  try {
    const facts =
      header.format === "tiff" ? measurePixels(await decodeTiff(bytes, { maxPixels })) : await withDecodedImage(bytes, header.format, async (image) => measurePixels(image));
    return { ok: true, facts };
  } catch (error) {
    const message = describeError(error);
    if (header.format === "tiff" && error instanceof ImageDecodeError) return { ok: false, damaged: error.reason === "damaged", reason: message };
    // mozjpeg and the PNG decoder have no optional features left for these files: failing means the data is bad.
    const damaged = header.format === "png" || PLAIN_JPEG.has(header.compression);
    return { ok: false, damaged, reason: message };
  }
}

/** The wasm decoders throw Errors, strings or bare objects; a report needs words. */
function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error);
  return text && text !== "[object Object]" ? text : "the decoder failed";
}

function unreadable(bytes: Uint8Array, format: RasterFormat | null, reason: string, issues: PreflightIssue[]): Analysis<RasterFacts> {
  return {
    file: { readable: false, format, byteLength: bytes.length, reason },
    issues: [...issues, issue("RASTER_DAMAGED", `The file cannot be read: ${reason}.`, { reason })],
  };
}

/**
 * The raster part of a full preflight check: facts from the file's own
 * structures (JPEG markers, PNG chunks, TIFF tags), verdicts against the
 * requirements, and alpha and sharpness from the decoded pixels.
 *
 * Never throws for bad input. A file over `maxPixels` is not decoded: its
 * header checks run and RASTER_TOO_LARGE says which pixel checks did not.
 * Pixel checks that a limit kept from running are an error, so the report
 * fails: a file nobody could look at must never pass as printable (a
 * decompression bomb would otherwise come out as mere warnings). Pixels
 * that a decoder here cannot read (a CMYK JPEG) stay an info: that is this
 * service's gap, not a property of the file.
 * `type` is what the caller believes the file is; the bytes decide, and a
 * disagreement is reported as FILE_TYPE_MISMATCH (a caller that passes the
 * sniffed type never sees it).
 *
 * `byteLength` above `bytes.length` says the bytes are only the start of a
 * file known to be whole (an AI fix job's own output, too large to read
 * whole): the header checks run on that start, the pixel checks do not.
 */
export async function analyzeRaster(
  bytes: Uint8Array,
  type: RasterFormat,
  req: Requirements,
  maxPixels: number,
  byteLength = bytes.length,
): Promise<Analysis<RasterFacts>> {
  const partial = byteLength > bytes.length;
  const sniffed = sniffType(bytes);
  const format: RasterFormat | null = sniffed === "jpeg" || sniffed === "png" || sniffed === "tiff" ? sniffed : null;
  const issues: PreflightIssue[] = [];
  if (!format) return unreadable(bytes, null, sniffed ? `it is a ${sniffed.toUpperCase()} file, not a ${type.toUpperCase()}` : `it is not a ${type.toUpperCase()} file`, []);
  if (format !== type) {
    issues.push(issue("FILE_TYPE_MISMATCH", `The file was sent as ${type.toUpperCase()} but is ${format.toUpperCase()}; it was checked as ${format.toUpperCase()}.`, { claimed: type, detected: format }));
  }

  let header: RasterHeader;
  try {
    header = READERS[format](bytes);
    // A start of a file naturally ends inside a chunk: that is not damage.
    if (partial) header = { ...header, damage: null };
  } catch (error) {
    // Header readers only parse untrusted bytes: anything they throw means the file is unreadable.
    return unreadable(bytes, format, describeError(error), issues);
  }

  const pixels = header.widthPx * header.heightPx;
  // Without an alpha channel transparency is settled by the header; only sharpness then needs the pixels.
  const unchecked = header.hasAlphaChannel ? "transparency and sharpness were not checked" : "sharpness was not checked";
  // Said where a limit kept the pixel checks from running: those issues are errors.
  const cannotPass = "and the file cannot pass";
  let pixelFacts: PixelFacts | null = null;
  if (header.damage) {
    // A cut-off JPEG decodes with grey filling the rest: its pixels would mislead, so they are not measured.
    issues.push(issue("RASTER_DAMAGED", `The file is damaged: ${header.damage}. The header checks ran; ${unchecked}.`, { reason: header.damage }));
  } else if (pixels > maxPixels) {
    issues.push(
      issue("RASTER_TOO_LARGE", `${header.widthPx} × ${header.heightPx} px (${(pixels / 1e6).toFixed(1)} MP) is over the ${(maxPixels / 1e6).toFixed(1)} MP the service decodes (MAX_SOURCE_PIXELS), so ${unchecked} ${cannotPass}.`, {
        megapixels: round2(pixels / 1e6),
        maxMegapixels: round2(maxPixels / 1e6),
        limit: "MAX_SOURCE_PIXELS",
      }),
    );
  } else if (partial) {
    issues.push(
      issue("PIXEL_CHECKS_SKIPPED", `The file (${(byteLength / 2 ** 20).toFixed(0)} MiB) is larger than the service reads whole (MAX_SOURCE_BYTES), so ${unchecked} ${cannotPass}.`, { byteLength, limit: "MAX_SOURCE_BYTES" }, { severity: "error" }),
    );
  } else if (header.undecodable) {
    issues.push(issue("PIXEL_CHECKS_SKIPPED", `The pixels were not decoded (${header.undecodable}), so ${unchecked}.`, { reason: header.undecodable }));
  } else {
    const outcome = await analyzePixels(bytes, header, maxPixels);
    if (outcome.ok) pixelFacts = outcome.facts;
    else if (outcome.damaged) issues.push(issue("RASTER_DAMAGED", `The image data does not decode (decoder: ${outcome.reason}); ${unchecked}.`, { reason: outcome.reason }));
    else issues.push(issue("PIXEL_CHECKS_SKIPPED", `The pixels were not decoded (${outcome.reason}), so ${unchecked}.`, { reason: outcome.reason }));
  }

  const placement = placeImage(header, req);
  const facts: ReadableRasterFacts = {
    readable: true,
    format,
    byteLength,
    widthPx: header.widthPx,
    heightPx: header.heightPx,
    megapixels: round2(pixels / 1e6),
    bitDepth: header.bitDepth,
    colorMode: header.colorMode,
    channels: header.channels,
    hasAlphaChannel: header.hasAlphaChannel,
    // Without an alpha channel nothing can be transparent; with one, only the pixels tell.
    alphaUsed: header.hasAlphaChannel ? (pixelFacts?.alphaUsed ?? null) : false,
    iccProfile: header.iccProfile,
    srgbDeclared: header.srgbDeclared,
    embeddedDpi: header.embeddedDpi,
    exifOrientation: header.exifOrientation,
    compression: header.compression,
    printSizeInches: placement.printSizeInches,
    effectivePpi: placement.effectivePpi,
    requiredDpi: req.requiredDpi,
    dpiRating: placement.dpiRating,
    cropPercent: placement.cropPercent,
    bleed: placement.bleed,
    sharpness: pixelFacts?.sharpness ? { ...pixelFacts.sharpness, threshold: SOFT_IMAGE_THRESHOLD } : null,
    pixelsAnalyzed: pixelFacts !== null,
  };
  return { file: facts, issues: [...issues, ...raiseRasterIssues(facts, req, placement.exactPpi)] };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
