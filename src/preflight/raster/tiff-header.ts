import { readTiffInfo, TiffError } from "../../imaging/tiff";
import { toDpi } from "./bytes";
import { ABSENT_ICC, describeIcc } from "./icc";
import { type ColorMode, type RasterHeader, UnreadableRaster } from "./header";

/** TIFF header facts from the tags (src/imaging/tiff.ts reads them), in the analyzer's terms. */
export function readTiffHeader(b: Uint8Array): RasterHeader {
  let info;
  try {
    info = readTiffInfo(b);
  } catch (error) {
    if (error instanceof TiffError) throw new UnreadableRaster(`TIFF: ${error.message}`);
    throw error;
  }
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
