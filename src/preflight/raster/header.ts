import type { IccFacts } from "./icc";

/**
 * What the file's own structures say, read without decoding pixels. Each
 * format's reader fills this in; the analyzer turns it into facts and checks.
 */
export type RasterFormat = "jpeg" | "png" | "tiff";
export type ColorMode = "rgb" | "cmyk" | "gray" | "indexed" | "lab" | "other";

export interface EmbeddedDpi {
  x: number;
  y: number;
  /** Which structure stated it: JFIF APP0, EXIF XResolution, PNG pHYs or the TIFF resolution tags. */
  source: "jfif" | "exif" | "png_phys" | "tiff";
}

export interface RasterHeader {
  format: RasterFormat;
  /** As stored (before any EXIF rotation), as identify and exiftool report them. */
  widthPx: number;
  heightPx: number;
  /** Bits per sample (per palette index for indexed PNGs; JPEG sample precision). */
  bitDepth: number;
  colorMode: ColorMode;
  /** Samples stored per pixel, alpha and extra samples included. */
  channels: number;
  /** The file can carry transparency: an alpha channel or extra sample, or a PNG tRNS chunk. */
  hasAlphaChannel: boolean;
  iccProfile: IccFacts;
  /** A PNG sRGB chunk: colours are defined as sRGB even without a profile. */
  srgbDeclared: boolean;
  embeddedDpi: EmbeddedDpi | null;
  /** EXIF (or TIFF) Orientation 1–8, null when the file has none. */
  exifOrientation: number | null;
  compression: string;
  /** Why the file's structure is broken (cut short, no end marker) although its header was readable. */
  damage: string | null;
  /** Why its pixels are not decoded here although the file is sound, e.g. a 12-bit JPEG. */
  undecodable: string | null;
}

/** The bytes are not a readable file of the type: no valid header at all. */
export class UnreadableRaster extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreadableRaster";
  }
}
