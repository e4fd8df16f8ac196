import { readAll, type SourceFile } from "../imaging/source-file";
import type { Analysis, Requirements } from "./issues";
import { analyzePdf } from "./pdf/analyze";
import { analyzeRaster } from "./raster/analyze";
import type { PreflightFileType } from "./schemas";

/**
 * One entry point for every file type a full check accepts. `head` is the
 * file's first bytes. Rasters are read from the file as they are needed;
 * PDFs whole, since they are parsed in memory (callers bound their size; a
 * check's PDF is already in memory: see stageSource's keepWhole).
 */
export async function analyzeFile(file: SourceFile, head: Uint8Array, type: PreflightFileType, requirements: Requirements, limits: { maxPixels: number }): Promise<Analysis> {
  const analysis =
    type === "pdf"
      ? await analyzePdf(file.size <= head.length ? head : await readAll(file), requirements)
      : await analyzeRaster(file, type, requirements, limits.maxPixels, head);
  return analysis as unknown as Analysis;
}
