import { colourKeyAlpha, hardKeyAlpha } from "./colour-matte";
import { AlphaUpsampler } from "./matte";

/**
 * The cut's alpha at full resolution, a band of rows at a time, from the
 * matte made at the guide's resolution: a colour key against a flat
 * background is evaluated per source pixel (its edge is as fine as the
 * source's), a source that keeps its own alpha gives that alpha, anything
 * else is upsampled from the matte; a hard cut is then thresholded per
 * full-resolution pixel. The composite step and the search for the
 * subject's box both read it here, so they see the same alpha.
 */
export class CutAlpha {
  private readonly upsampler: AlphaUpsampler;
  /** A hard colour-keyed cut against per-pixel thresholds: the upsampler then gives the thresholds, not the matte. */
  private readonly keyedByThresholds: boolean;

  constructor(
    /** The matte at the guide's resolution, after edge softness. */
    readonly matte: Uint8Array,
    readonly matteWidth: number,
    readonly matteHeight: number,
    readonly width: number,
    readonly height: number,
    readonly keyColour: [number, number, number] | null,
    readonly hardCut: boolean,
    /** The source's own alpha is the cut (keep_existing_alpha): the rows' alpha channel, not the matte. */
    readonly ownAlpha = false,
    /**
     * For a hard colour-keyed cut, the guide's half-ink distances (`keyThresholds`): each source pixel is
     * kept where its distance from the key reaches the threshold there. Without them, a keyed cut is the
     * colour key's ramp thresholded at its middle.
     */
    readonly keyThresholds: Uint8Array | null = null,
  ) {
    this.keyedByThresholds = keyColour !== null && hardCut && keyThresholds !== null;
    this.upsampler = new AlphaUpsampler(this.keyedByThresholds ? keyThresholds! : matte, matteWidth, matteHeight, width, height);
  }

  /** Whether the alpha depends on the source's pixels, not on the matte alone. */
  get needsPixels(): boolean {
    return this.keyColour !== null || this.ownAlpha;
  }

  /**
   * Whether the alpha already is the output's: a cut made from the source's
   * own alpha must not be multiplied by it again (elsewhere the cut only
   * removes, and the source's transparency is applied on top).
   */
  get includesSourceAlpha(): boolean {
    return this.ownAlpha;
  }

  /**
   * Rows `y0 … y0 + rows − 1` into `out` (`rows * width` bytes). `pixels` are
   * the same rows of the source, RGBA; only a colour key reads them.
   */
  rows(y0: number, rows: number, pixels: Uint8Array | Uint8ClampedArray | null, out: Uint8Array): void {
    const alpha = out.subarray(0, rows * this.width);
    if (this.ownAlpha) {
      if (!pixels) throw new Error("a cut from the source's alpha needs the source's rows");
      for (let i = 0; i < alpha.length; i++) alpha[i] = pixels[i * 4 + 3]!;
    } else if (this.keyColour) {
      if (!pixels) throw new Error("a colour-keyed cut needs the source's rows");
      if (this.keyedByThresholds) {
        this.upsampler.rows(y0, rows, alpha);
        hardKeyAlpha({ data: pixels, width: this.width, height: rows }, this.keyColour, alpha);
      } else {
        colourKeyAlpha({ data: pixels, width: this.width, height: rows }, this.keyColour, alpha);
      }
    } else {
      this.upsampler.rows(y0, rows, alpha);
    }
    if (this.hardCut) for (let i = 0; i < alpha.length; i++) alpha[i] = alpha[i]! >= 128 ? 255 : 0;
  }
}
