import type { Analysis, Requirements } from "./issues";
import type { PreflightFileType } from "./schemas";

/** One entry point for every file type a full check accepts. */
export async function analyzeFile(_bytes: Uint8Array, type: PreflightFileType, _requirements: Requirements, _limits: { maxPixels: number }): Promise<Analysis> {
  throw new Error(`analyzer for ${type} not wired yet`);
}
