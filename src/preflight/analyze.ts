import type { Analysis, Requirements } from "./issues";
import { analyzePdf } from "./pdf/analyze";
import { analyzeRaster } from "./raster/analyze";
import type { PreflightFileType } from "./schemas";

/** One entry point for every file type a full check accepts. */
export async function analyzeFile(bytes: Uint8Array, type: PreflightFileType, requirements: Requirements, limits: { maxPixels: number }): Promise<Analysis> {
  const analysis = type === "pdf" ? await analyzePdf(bytes, requirements) : await analyzeRaster(bytes, type, requirements, limits.maxPixels);
  return analysis as unknown as Analysis;
}
