import type { RowBand } from "./raster-stream";

/** The size of a downscaled copy whose long side is at most `longSide` (never enlarged). */
export function fitWithin(width: number, height: number, longSide: number): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * A small RGBA copy of an image built from its bands as they stream past:
 * every source pixel falls into one output cell (column ⌊x·w/W⌋, row
 * ⌊y·h/H⌋) and each cell is the mean of its pixels. Only one output row's
 * sums are held besides the output itself, so a 25 MP source costs its
 * guide (≤ 16 MB at 2048 px) and 64 KB.
 */
export class AreaDownsampler {
  readonly data: Uint8ClampedArray;
  private readonly column: Int32Array;
  private readonly columnCount: Float64Array;
  private readonly sums: Float64Array;
  private row = 0;
  private rowsInCell = 0;
  private nextY = 0;

  constructor(
    readonly sourceWidth: number,
    readonly sourceHeight: number,
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8ClampedArray(width * height * 4);
    this.column = new Int32Array(sourceWidth);
    this.columnCount = new Float64Array(width);
    for (let x = 0; x < sourceWidth; x++) {
      this.column[x] = Math.min(width - 1, Math.floor((x * width) / sourceWidth));
      this.columnCount[this.column[x]!]!++;
    }
    this.sums = new Float64Array(width * 4);
  }

  /** Adds the next band (bands must come in order and cover every row once). */
  push(band: RowBand): void {
    if (band.y !== this.nextY || band.width !== this.sourceWidth) throw new Error(`band at row ${band.y} where ${this.nextY} was due`);
    const { rows } = band;
    const rowBytes = this.sourceWidth * 4;
    for (let r = 0; r < band.height; r++) {
      const y = band.y + r;
      const cell = Math.min(this.height - 1, Math.floor((y * this.height) / this.sourceHeight));
      if (cell !== this.row) this.flush(cell);
      const base = r * rowBytes;
      for (let x = 0; x < this.sourceWidth; x++) {
        const c = this.column[x]! * 4;
        const i = base + x * 4;
        this.sums[c]! += rows[i]!;
        this.sums[c + 1]! += rows[i + 1]!;
        this.sums[c + 2]! += rows[i + 2]!;
        this.sums[c + 3]! += rows[i + 3]!;
      }
      this.rowsInCell++;
    }
    this.nextY += band.height;
    if (this.nextY === this.sourceHeight) this.flush(this.height);
  }

  get complete(): boolean {
    return this.nextY === this.sourceHeight;
  }

  private flush(nextRow: number): void {
    if (this.rowsInCell > 0) {
      const out = this.row * this.width * 4;
      for (let x = 0; x < this.width; x++) {
        const n = this.rowsInCell * this.columnCount[x]!;
        for (let c = 0; c < 4; c++) this.data[out + x * 4 + c] = Math.round(this.sums[x * 4 + c]! / n);
      }
    }
    this.sums.fill(0);
    this.rowsInCell = 0;
    this.row = nextRow;
  }
}
