import type { SourceFile } from "../../imaging/source-file";
import { readTiffInfo, TiffError, TYPE_SIZES } from "../../imaging/tiff";
import { toDpi } from "./bytes";
import { ABSENT_ICC, describeIcc } from "./icc";
import { type ColorMode, type RasterHeader, UnreadableRaster } from "./header";

/**
 * TIFF header facts from the tags (src/imaging/tiff.ts reads them), in the
 * analyzer's terms. `fileSize`: the whole file's, when `b` holds only its
 * tags (see compactTiff).
 */
export function readTiffHeader(b: Uint8Array, fileSize = b.length): RasterHeader {
  let info;
  try {
    info = readTiffInfo(b, fileSize);
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

/** The tags readTiffInfo reads; the compact copy carries only these. */
const HEADER_TAGS = new Set([256, 257, 258, 259, 262, 273, 274, 277, 278, 279, 282, 283, 284, 296, 317, 322, 323, 324, 325, 332, 338, 339, 34675]);
/** Read at the IFD in one go: writers put the tags' values right after it. */
const IFD_WINDOW_BYTES = 64 * 1024;
/** Most the kept tags' values may take; an ICC profile is the largest of them. */
const MAX_TAG_BYTES = 16 * 1024 * 1024;

/**
 * The first IFD of a TIFF too large to read whole, and the values of the
 * tags the header reader uses, moved into a small TIFF of their own (the
 * `tiff` package reads a file in memory, by absolute offsets). Writers put
 * the IFD anywhere, libtiff after the image data, so it is read by range.
 * Strip and tile offsets keep pointing into the original file, whose size
 * readTiffHeader then checks them against. Files that are not TIFFs with a
 * 32-bit IFD offset come back as they are, for the reader to name.
 */
export async function compactTiff(file: SourceFile, head: Uint8Array): Promise<Uint8Array> {
  if (head.length < 8) return head;
  const order = (head[0]! << 8) | head[1]!;
  const little = order === 0x4949;
  const headView = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if ((!little && order !== 0x4d4d) || headView.getUint16(2, little) !== 42) return head;
  const ifdAt = headView.getUint32(4, little);
  if (ifdAt < 8 || ifdAt + 2 > file.size) throw new UnreadableRaster("TIFF: IFD offset outside the file");

  const window = { at: ifdAt, bytes: await file.read(ifdAt, Math.min(IFD_WINDOW_BYTES, file.size - ifdAt)) };
  const read = async (offset: number, length: number) => {
    for (const { at, bytes } of [{ at: 0, bytes: head }, window]) {
      if (offset >= at && offset + length <= at + bytes.length) return bytes.subarray(offset - at, offset - at + length);
    }
    return file.read(offset, length);
  };
  const count = new DataView((await read(ifdAt, 2)).slice().buffer).getUint16(0, little);
  if (ifdAt + 2 + count * 12 + 4 > file.size) throw new UnreadableRaster("TIFF: IFD runs past the end of the file");
  const entries = (await read(ifdAt + 2, count * 12)).slice();
  const view = new DataView(entries.buffer);

  const kept: { entry: Uint8Array; value: Uint8Array | null }[] = [];
  let valueBytes = 0;
  for (let i = 0; i < count; i++) {
    const at = i * 12;
    const tag = view.getUint16(at, little);
    const bytes = (TYPE_SIZES[view.getUint16(at + 2, little)] ?? 0) * view.getUint32(at + 4, little);
    const valueAt = view.getUint32(at + 8, little);
    if (bytes > 4 && valueAt + bytes > file.size) throw new UnreadableRaster(`TIFF: tag ${tag} points past the end of the file`);
    if (!HEADER_TAGS.has(tag)) continue;
    valueBytes += bytes > 4 ? bytes + 1 : 0;
    if (valueBytes > MAX_TAG_BYTES) throw new UnreadableRaster(`TIFF: its tags take more than ${MAX_TAG_BYTES / (1024 * 1024)} MiB`);
    kept.push({ entry: entries.subarray(at, at + 12), value: bytes > 4 ? await read(valueAt, bytes) : null });
  }

  // Header, the IFD (entry count, entries, no next IFD), then each value at an even offset.
  const ifdBytes = 2 + kept.length * 12 + 4;
  const out = new Uint8Array(8 + ifdBytes + valueBytes);
  const outView = new DataView(out.buffer);
  out.set(head.subarray(0, 4));
  outView.setUint32(4, 8, little);
  outView.setUint16(8, kept.length, little);
  let next = 8 + ifdBytes;
  kept.forEach(({ entry, value }, i) => {
    const at = 10 + i * 12;
    out.set(entry, at);
    if (!value) return;
    outView.setUint32(at + 8, next, little);
    out.set(value, next);
    next += value.length + (value.length % 2);
  });
  return out;
}
