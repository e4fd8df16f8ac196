import type { SourceFile } from "../../imaging/source-file";
import { readTiffInfo, readTiffLayout, TiffError, type TiffInfo } from "../../imaging/tiff";
import { toDpi } from "./bytes";
import { ABSENT_ICC, describeIcc } from "./icc";
import { type ColorMode, type RasterHeader, UnreadableRaster } from "./header";

/** TIFF header facts from the tags (src/imaging/tiff.ts reads them), in the analyzer's terms. */
export function readTiffHeader(b: Uint8Array): RasterHeader {
  try {
    return tiffHeader(readTiffInfo(b));
  } catch (error) {
    throw unreadable(error);
  }
}

/** The same from a stored file too large to read whole: writers put the tags anywhere (libtiff after the image data), so they are read by range. */
export async function readStoredTiffHeader(file: SourceFile): Promise<RasterHeader> {
  try {
    return tiffHeader((await readTiffLayout(file)).info);
  } catch (error) {
    throw unreadable(error);
  }
}

/** A TiffError is the file's: the analyzer reports the file unreadable. Anything else (reading the stored file failed) passes. */
function unreadable(error: unknown): unknown {
  return error instanceof TiffError ? new UnreadableRaster(`TIFF: ${error.message}`) : error;
}

function tiffHeader(info: TiffInfo): RasterHeader {
  // YCbCr is a way of storing RGB; Lab stays Lab.
  const colorMode: ColorMode = info.colorMode === "ycbcr" ? "rgb" : info.colorMode;
  const res = info.resolution;
  return {
    format: "tiff",
    widthPx: info.width,
    heightPx: info.height,
    bitDepth: info.bitsPerSample,
    colorMode,
    channels: info.samplesPerPixel,
    hasAlphaChannel: info.alpha !== "none",
    iccProfile: info.iccProfile ? describeIcc(info.iccProfile) : ABSENT_ICC,
    srgbDeclared: false,
    // ResolutionUnit 1 ("no absolute unit") states an aspect ratio, not a dpi.
    embeddedDpi: res && res.unit !== "none" ? { x: toDpi(res.x, res.unit), y: toDpi(res.y, res.unit), source: "tiff" } : null,
    exifOrientation: info.orientation,
    compression: info.compressionName,
    damage: info.dataComplete ? null : "the image data runs past the end of the file (cut short?)",
    undecodable: info.decodable.ok ? null : `TIFF with ${info.decodable.reason}`,
  };
}
