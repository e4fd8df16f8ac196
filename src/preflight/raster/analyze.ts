import { HEAD_BYTES } from "../../files/fetch-source";
import { type DecodeFailure, ImageDecodeError } from "../../imaging/errors";
import { openRaster } from "../../imaging/open-raster";
import { sniffType } from "../../imaging/sniff";
import { SourceGoneError, type SourceFile } from "../../imaging/source-file";
import { oneAtATime } from "../../platform/one-at-a-time";
import { type Analysis, issue, type PreflightIssue, type Requirements } from "../issues";
import { placeImage, raiseRasterIssues, SOFT_IMAGE_THRESHOLD } from "./checks";
import type { RasterFacts, ReadableRasterFacts } from "./facts";
import { type RasterFormat, type RasterHeader, UnreadableRaster } from "./header";
import { readJpegHeader } from "./jpeg";
import { measureRaster, type PixelFacts } from "./pixels";
import { readPngHeader } from "./png";
import { scanStructure } from "./structure";
import { readStoredTiffHeader, readTiffHeader } from "./tiff-header";

export type { RasterFacts } from "./facts";

const READERS: Record<RasterFormat, (bytes: Uint8Array) => RasterHeader> = { jpeg: readJpegHeader, png: readPngHeader, tiff: readTiffHeader };

/** Most of a file's start read for its header when its metadata runs past the head (Photoshop's XMP can). */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

/** Why pixels were not measured, as the decoders say (ImageDecodeError's reason); anything else they throw counts as a feature they lack. */
type PixelOutcome = { ok: true; facts: PixelFacts } | { ok: false; failure: DecodeFailure; reason: string };

/**
 * One pixel decode at a time in this isolate. The API Worker's isolate
 * (128 MB) serves many requests at once, and a decode can hold far more than
 * a request otherwise does, bands or not: a progressive JPEG keeps its DCT
 * coefficients (73 MB at 25 MP), an interlaced PNG its first six passes (up
 * to 48 MiB), a tiled TIFF a row of tiles (up to 32 MiB). Two side by side
 * could run the isolate out of memory and fail every request in it, so
 * checks queue for their turn instead. A decode that has not finished
 * after DECODE_TURN_MS (its request was cancelled) no longer holds the
 * others up.
 */
const DECODE_TURN_MS = 60_000;
const decodeTurn = oneAtATime(DECODE_TURN_MS);

/** Decodes the pixels band by band and measures them as they pass; no full frame is kept. */
function analyzePixels(file: SourceFile, maxPixels: number): Promise<PixelOutcome> {
  return decodeTurn(async () => {
    try {
      return { ok: true, facts: await measureRaster(await openRaster(file, { maxPixels })) };
    } catch (error) {
      // The stored file vanished under the check: that is no fact about the file.
      if (error instanceof SourceGoneError) throw error;
      return { ok: false, failure: error instanceof ImageDecodeError ? error.reason : "unsupported", reason: describeError(error) };
    }
  });
}

/** The wasm decoders throw Errors, strings or bare objects; a report needs words. */
function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error);
  return text && text !== "[object Object]" ? text : "the decoder failed";
}

function unreadable(byteLength: number, format: RasterFormat | null, reason: string, issues: PreflightIssue[]): Analysis<RasterFacts> {
  return {
    file: { readable: false, format, byteLength, reason },
    issues: [...issues, issue("RASTER_DAMAGED", `The file cannot be read: ${reason}.`, { reason })],
  };
}

/**
 * The header of a file, read from its first bytes. A file larger than its
 * head is never read whole: a JPEG's or PNG's structure is walked as it
 * streams (the damage found there stands in for what the reader would have
 * found at the end), and a TIFF's tags are read by range wherever they are.
 */
async function readHeader(file: SourceFile, head: Uint8Array, format: RasterFormat): Promise<RasterHeader> {
  if (file.size <= head.length) return parse(format, head);
  if (format === "tiff") return readStoredTiffHeader(file);
  const structure = await scanStructure(file, head, format);
  // The metadata ends where the image data starts; past the head only when the file carries a lot of it.
  const metadataEnd = Math.min(structure.dataStart ?? 0, MAX_HEADER_BYTES);
  const start = metadataEnd > head.length ? await file.read(0, metadataEnd) : head;
  // The reader sees only the file's start, which naturally ends inside the image data: its damage is the walk's.
  return { ...parse(format, start), damage: structure.damage };
}

/** Header readers only parse untrusted bytes: anything they throw means the file is unreadable. */
function parse(format: RasterFormat, bytes: Uint8Array): RasterHeader {
  try {
    return READERS[format](bytes);
  } catch (error) {
    throw error instanceof UnreadableRaster ? error : new UnreadableRaster(describeError(error));
  }
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
 * decompression bomb would otherwise come out as mere warnings), and so
 * are those a decoder's memory bound stopped. Pixels in a form the decoders
 * here do not read stay an info: that is this service's gap, not a
 * property of the file.
 * `type` is what the caller believes the file is; the bytes decide, and a
 * disagreement is reported as FILE_TYPE_MISMATCH (a caller that passes the
 * sniffed type never sees it).
 *
 * The file is read from where it is stored (R2), never whole: `head` is its
 * first bytes when the caller has them already.
 */
export async function analyzeRaster(
  file: SourceFile,
  type: RasterFormat,
  req: Requirements,
  maxPixels: number,
  head?: Uint8Array,
): Promise<Analysis<RasterFacts>> {
  const start = head ?? (await file.read(0, HEAD_BYTES));
  const sniffed = sniffType(start);
  const format: RasterFormat | null = sniffed === "jpeg" || sniffed === "png" || sniffed === "tiff" ? sniffed : null;
  const issues: PreflightIssue[] = [];
  if (!format) return unreadable(file.size, null, sniffed ? `it is a ${sniffed.toUpperCase()} file, not a ${type.toUpperCase()}` : `it is not a ${type.toUpperCase()} file`, []);
  if (format !== type) {
    issues.push(issue("FILE_TYPE_MISMATCH", `The file was sent as ${type.toUpperCase()} but is ${format.toUpperCase()}; it was checked as ${format.toUpperCase()}.`, { claimed: type, detected: format }));
  }

  let header: RasterHeader;
  try {
    header = await readHeader(file, start, format);
  } catch (error) {
    // Anything else is reading the stored file failing, not the file.
    if (!(error instanceof UnreadableRaster)) throw error;
    return unreadable(file.size, format, error.message, issues);
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
  } else if (header.undecodable) {
    issues.push(issue("PIXEL_CHECKS_SKIPPED", `The pixels were not decoded (${header.undecodable}), so ${unchecked}.`, { reason: header.undecodable }));
  } else {
    const outcome = await analyzePixels(file, maxPixels);
    if (outcome.ok) pixelFacts = outcome.facts;
    else if (outcome.failure === "damaged") issues.push(issue("RASTER_DAMAGED", `The image data does not decode (decoder: ${outcome.reason}); ${unchecked}.`, { reason: outcome.reason }));
    else if (outcome.failure === "too_large") {
      issues.push(issue("PIXEL_CHECKS_SKIPPED", `The pixels were not decoded (${outcome.reason}), so ${unchecked} ${cannotPass}.`, { reason: outcome.reason, limit: "decoder" }, { severity: "error" }));
    } else issues.push(issue("PIXEL_CHECKS_SKIPPED", `The pixels were not decoded (${outcome.reason}), so ${unchecked}.`, { reason: outcome.reason }));
  }

  const placement = placeImage(header, req);
  const facts: ReadableRasterFacts = {
    readable: true,
    format,
    byteLength: file.size,
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
