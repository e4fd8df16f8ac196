import type { PdfLimitNote } from "./facts";

/**
 * Bounds on the work one analysis may do, so a hostile file cannot hang the
 * Worker or exhaust its 128 MB: past a bound the analyzer stops examining
 * that aspect, keeps what it found and says so in `file.limits`.
 */
export const MAX_PAGES_ANALYZED = 500;
/** Page-tree nodes visited while counting pages (a tree with cycles or millions of empty nodes stops here). */
export const MAX_PAGE_TREE_NODES = 100_000;
/** Decoded bytes of one content stream; pdf-lib inflates lazily, so a Flate bomb stops at this. */
export const MAX_STREAM_BYTES = 16 * 1024 * 1024;
/** Decoded content bytes for the whole document. */
export const MAX_CONTENT_BYTES = 64 * 1024 * 1024;
/** Operators interpreted for the whole document: a few seconds of CPU at most. */
export const MAX_OPERATORS = 5_000_000;
/** Decoded forms kept for reuse: each at most this big, all together at most the second. */
export const MAX_CACHED_FORM_BYTES = 256 * 1024;
export const MAX_FORM_CACHE_BYTES = 8 * 1024 * 1024;
/** Form XObjects nested in forms (and tiling patterns, annotation appearances). */
export const MAX_FORM_DEPTH = 12;
/** `q` nesting kept; deeper saves are counted so their `Q`s still balance. */
export const MAX_GSTATE_DEPTH = 256;
/**
 * Entries a cross-reference stream may declare (in /Size or /Index) before
 * pdf-lib's full parse is given the file: its parser walks every declared
 * entry, even past the stream's data (about 3 s a million), so a 200-byte
 * file claiming billions would hold the Worker. A PDF's object count is far
 * below its size in bytes, and the format's own implementation limit is
 * 8,388,607 objects.
 */
export function maxXrefEntries(fileBytes: number): number {
  return Math.min(8_388_607, Math.max(100_000, fileBytes));
}
/** Image placements listed in the facts (all are still checked). */
export const MAX_IMAGES_LISTED = 2_000;

const MESSAGES: Record<PdfLimitNote["limit"], string> = {
  pages: `Only the first ${MAX_PAGES_ANALYZED} pages were examined.`,
  contentBytes: `Page content beyond ${MAX_CONTENT_BYTES / 1024 / 1024} MiB (or ${MAX_STREAM_BYTES / 1024 / 1024} MiB in one stream) was not examined.`,
  operators: `Page content beyond ${MAX_OPERATORS.toLocaleString("en-US")} drawing operators was not examined.`,
  formDepth: `Form XObjects nested deeper than ${MAX_FORM_DEPTH} levels were not examined.`,
  images: `Only the first ${MAX_IMAGES_LISTED} image placements are listed.`,
};

export class Budget {
  operators = MAX_OPERATORS;
  contentBytes = MAX_CONTENT_BYTES;
  imagesListed = 0;
  cachedBytes = 0;
  private readonly hit = new Set<PdfLimitNote["limit"]>();

  reached(limit: PdfLimitNote["limit"]): void {
    this.hit.add(limit);
  }

  notes(): PdfLimitNote[] {
    return [...this.hit].map((limit) => ({ limit, message: MESSAGES[limit] }));
  }
}
