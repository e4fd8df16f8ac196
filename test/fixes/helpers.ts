import { decodeImage } from "../../src/imaging/codecs";
import type { RasterInfo, RasterSink, RowBand } from "../../src/imaging/raster-stream";
import { fixtureBytes } from "../helpers/fixtures";

export async function fixtureImage(relative: string): Promise<ImageData> {
  return decodeImage(await fixtureBytes(relative), relative.endsWith(".png") ? "png" : "jpeg");
}

/** PSNR over R, G and B of two same-sized RGBA images, in dB. */
export function psnr(a: ImageData, b: ImageData): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`size ${a.width}×${a.height} vs ${b.width}×${b.height}`);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const d = a.data[i + c]! - b.data[i + c]!;
      sum += d * d;
      n++;
    }
  }
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255 * n) / sum);
}

/** Index of the first differing byte, or −1. */
export function firstDifference(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Luma (Rec. 601) of every pixel, as floats. */
export function luma(image: ImageData): Float64Array {
  const out = new Float64Array(image.width * image.height);
  for (let p = 0; p < out.length; p++) out[p] = 0.299 * image.data[p * 4]! + 0.587 * image.data[p * 4 + 1]! + 0.114 * image.data[p * 4 + 2]!;
  return out;
}

/** Mean Sobel gradient magnitude of the luma, interior pixels. */
export function meanGradient(image: ImageData): number {
  const y = luma(image);
  const w = image.width;
  let sum = 0;
  let n = 0;
  for (let r = 1; r < image.height - 1; r++) {
    for (let c = 1; c < w - 1; c++) {
      const at = (dr: number, dc: number) => y[(r + dr) * w + c + dc]!;
      const gx = at(-1, 1) + 2 * at(0, 1) + at(1, 1) - at(-1, -1) - 2 * at(0, -1) - at(1, -1);
      const gy = at(1, -1) + 2 * at(1, 0) + at(1, 1) - at(-1, -1) - 2 * at(-1, 0) - at(-1, 1);
      sum += Math.hypot(gx, gy);
      n++;
    }
  }
  return sum / n;
}

/** Variance of the 4-neighbour Laplacian of the luma: the usual focus / sharpness measure. */
export function laplacianVariance(image: ImageData): number {
  const y = luma(image);
  const w = image.width;
  const values: number[] = [];
  for (let r = 1; r < image.height - 1; r++) {
    for (let c = 1; c < w - 1; c++) {
      const i = r * w + c;
      values.push(y[i - 1]! + y[i + 1]! + y[i - w]! + y[i + w]! - 4 * y[i]!);
    }
  }
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
}

export function solidImage(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): ImageData {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  }
  return new ImageData(data, width, height);
}

/** A sink that keeps nothing but counts and checksums, as an encoder would consume bands. */
export function countingSink(): RasterSink & { info?: RasterInfo; rows: number; bands: number; checksum: number; finished: boolean } {
  const sink = {
    info: undefined as RasterInfo | undefined,
    rows: 0,
    bands: 0,
    checksum: 0,
    finished: false,
    start(info: RasterInfo) {
      sink.info = info;
    },
    write(band: RowBand) {
      sink.rows += band.height;
      sink.bands++;
      // Touch the band like an encoder would, without the cost of one.
      for (let i = 0; i < band.rows.length; i += 4093) sink.checksum = (sink.checksum * 31 + band.rows[i]!) >>> 0;
    },
    finish() {
      sink.finished = true;
    },
  };
  return sink;
}
