/**
 * PNG's five row filters (PNG spec, 9.2) as the encoder applies them, and
 * the choice between them: libpng's heuristic (the filter whose output has
 * the least sum of absolute values, as signed bytes), made once per batch
 * of rows from a sample of them instead of for every row. libpng tries all
 * five on every row, which costs five filterings; on 2× upscales of photos
 * its choice is Paeth for 99.8 % of rows, and the sample finds the same.
 */

export type FilterType = 0 | 1 | 2 | 3 | 4;

export const FILTER_NONE = 0;
export const FILTER_SUB = 1;
export const FILTER_UP = 2;
export const FILTER_AVERAGE = 3;
export const FILTER_PAETH = 4;

/** Sampled bytes per choice: a few rows' worth, so the choice costs a small part of the filtering itself. */
const SAMPLE_BYTES = 64 * 1024;

/** |v| of a byte read as a signed difference. */
const magnitude = (v: number): number => {
  const d = v & 0xff;
  return d < 128 ? d : 256 - d;
};

/**
 * The filter with the least sum of absolute differences over sampled rows
 * of `rows` (`count` rows of `rowBytes`); `previous` is the row above the
 * first (zeros above the image's first row).
 */
export function chooseFilter(rows: Uint8Array, previous: Uint8Array, count: number, rowBytes: number, bpp: number): FilterType {
  const samples = Math.min(count, Math.max(1, Math.floor(SAMPLE_BYTES / rowBytes)));
  const sums = [0, 0, 0, 0, 0];
  for (let k = 0; k < samples; k++) {
    // Evenly spread, the first row included (its row above may be the previous batch's last).
    const r = Math.floor((k * count) / samples);
    const row = rows.subarray(r * rowBytes, (r + 1) * rowBytes);
    const above = r ? rows.subarray((r - 1) * rowBytes, r * rowBytes) : previous;
    let none = 0, sub = 0, up = 0, average = 0, paeth = 0;
    for (let i = 0; i < rowBytes; i++) {
      const x = row[i]!;
      const b = above[i]!;
      const a = i >= bpp ? row[i - bpp]! : 0;
      const c = i >= bpp ? above[i - bpp]! : 0;
      none += magnitude(x);
      sub += magnitude(x - a);
      up += magnitude(x - b);
      average += magnitude(x - ((a + b) >> 1));
      paeth += magnitude(x - paethPredictor(a, b, c));
    }
    sums[0]! += none;
    sums[1]! += sub;
    sums[2]! += up;
    sums[3]! += average;
    sums[4]! += paeth;
  }
  let best = 0;
  for (let t = 1; t < 5; t++) if (sums[t]! < sums[best]!) best = t;
  return best as FilterType;
}

/**
 * The Paeth predictor (PNG spec, 9.4), without branches: on photos which
 * of a, b, c wins is a coin toss per byte, and mispredicted branches made
 * filtering 1.8× slower. b where pb < pa, then c where pc is less than the
 * smaller of the two: the spec's order of preference (a, b, c) on ties.
 */
export function paethPredictor(a: number, b: number, c: number): number {
  let pa = b - c;
  let pb = a - c;
  let pc = pa + pb;
  pa = (pa ^ (pa >> 31)) - (pa >> 31);
  pb = (pb ^ (pb >> 31)) - (pb >> 31);
  pc = (pc ^ (pc >> 31)) - (pc >> 31);
  const takeB = (pb - pa) >> 31;
  const predicted = (b & takeB) | (a & ~takeB);
  const least = (pb & takeB) | (pa & ~takeB);
  const takeC = (pc - least) >> 31;
  return (c & takeC) | (predicted & ~takeC);
}

/**
 * Filters `row` against `above` with `type` into `out` at `at`: the type
 * byte, then `row.length` filtered bytes.
 */
export function filterRow(type: FilterType, row: Uint8Array, above: Uint8Array, bpp: number, out: Uint8Array, at: number): void {
  const n = row.length;
  out[at] = type;
  const o = at + 1;
  switch (type) {
    case FILTER_NONE:
      out.set(row, o);
      return;
    case FILTER_SUB:
      for (let i = 0; i < bpp; i++) out[o + i] = row[i]!;
      for (let i = bpp; i < n; i++) out[o + i] = row[i]! - row[i - bpp]!;
      return;
    case FILTER_UP:
      for (let i = 0; i < n; i++) out[o + i] = row[i]! - above[i]!;
      return;
    case FILTER_AVERAGE:
      for (let i = 0; i < bpp; i++) out[o + i] = row[i]! - (above[i]! >> 1);
      for (let i = bpp; i < n; i++) out[o + i] = row[i]! - ((row[i - bpp]! + above[i]!) >> 1);
      return;
    case FILTER_PAETH:
      // Left of the first pixel a = c = 0, so the predictor is b.
      for (let i = 0; i < bpp; i++) out[o + i] = row[i]! - above[i]!;
      for (let i = bpp; i < n; i++) out[o + i] = row[i]! - paethPredictor(row[i - bpp]!, above[i]!, above[i - bpp]!);
      return;
  }
}
