import type { Analysis, Requirements } from "./issues";
import { analyzePdf } from "./pdf/analyze";
import { analyzeRaster } from "./raster/analyze";
import type { PreflightFileType } from "./schemas";

/** One entry point for every file type a full check accepts. */
/** `byteLength` above `bytes.length`: only the file's start is at hand (rasters only; see analyzeRaster). */
export async function analyzeFile(
  bytes: Uint8Array,
  type: PreflightFileType,
  requirements: Requirements,
  limits: { maxPixels: number },
  byteLength = bytes.length,
): Promise<Analysis> {
  const analysis = type === "pdf" ? await analyzePdf(bytes, requirements) : await analyzeRaster(bytes, type, requirements, limits.maxPixels, byteLength);
  return analysis as unknown as Analysis;
}
