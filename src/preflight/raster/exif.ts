import { readFirstIfd } from "../../imaging/tiff";

export interface ExifFacts {
  orientation: number | null;
  resolution: { x: number; y: number; unit: "inch" | "cm" } | null;
}

const NONE: ExifFacts = { orientation: null, resolution: null };

/**
 * Orientation and resolution from an EXIF block (a TIFF structure, as JPEG
 * APP1 and PNG eXIf carry it). A broken block yields nothing rather than
 * failing the file: EXIF is advisory.
 */
export function readExif(tiff: Uint8Array): ExifFacts {
  try {
    const ifd = readFirstIfd(tiff);
    const orientation = ifd.get("Orientation") as number | undefined;
    const x = ifd.get("XResolution") as number | undefined;
    const y = (ifd.get("YResolution") as number | undefined) ?? x;
    // EXIF's default unit is inches; 1 means "no absolute unit", which states no dpi.
    const unit = (ifd.get("ResolutionUnit") as number | undefined) ?? 2;
    const valid = (n: number | undefined): n is number => typeof n === "number" && Number.isFinite(n) && n > 0;
    return {
      orientation: typeof orientation === "number" && orientation >= 1 && orientation <= 8 ? orientation : null,
      resolution: valid(x) && valid(y) && (unit === 2 || unit === 3) ? { x, y, unit: unit === 3 ? "cm" : "inch" } : null,
    };
  } catch {
    // An unreadable EXIF block must not fail a file that is otherwise fine; it simply states nothing.
    return NONE;
  }
}
