import { PngStreamEncoder } from "../imaging/png-stream";
import { pngPhysChunk } from "../fixes/print-resolution";
import type { RowBand } from "../imaging/raster-stream";

/** A zlib stream kept in memory, fed as rows are made: the PDF embeds it as it is (/FlateDecode). */
export class DeflatedPlane {
  private readonly input: WritableStreamDefaultWriter<Uint8Array>;
  private readonly collected: Promise<Uint8Array>;

  constructor() {
    const stream = new CompressionStream("deflate");
    this.input = stream.writable.getWriter();
    this.collected = new Response(stream.readable).arrayBuffer().then((buffer) => new Uint8Array(buffer));
  }

  async write(bytes: Uint8Array): Promise<void> {
    // Copied: the caller reuses its row buffer while the compressor may still hold this one.
    await this.input.write(bytes.slice());
  }

  async finish(): Promise<Uint8Array> {
    await this.input.close();
    return this.collected;
  }

  async abort(reason: unknown): Promise<void> {
    await this.input.abort(reason).catch(() => undefined);
  }
}

/**
 * Rows of the resampled artwork on the canvas: `band` starts at canvas
 * column `x`; `clip` (canvas rows × width) is the traced outline's alpha
 * there. Printing the artwork no more opaque than the outline the cut was
 * traced from keeps every printed pixel of it inside that outline, even a
 * hairline the trace's sampling and the print's Lanczos resampling see
 * differently.
 */
export interface PlacedRows {
  band: RowBand;
  x: number;
  clip: Uint8Array;
}

/**
 * The sticker's print raster, written row band by row band into the PNG
 * (RGBA, pHYs at dpi) and, for the PDF, a deflated RGB plane and a deflated
 * alpha plane. Each pixel is the artwork over the border colour, the border
 * colour's opacity being the coverage of the cut shape grown by the bleed.
 */
export class StickerCanvas {
  readonly png: PngStreamEncoder;
  readonly rgb = new DeflatedPlane();
  readonly alpha = new DeflatedPlane();
  private rgba = new Uint8Array(0);
  private rgbRows = new Uint8Array(0);
  private alphaRows = new Uint8Array(0);

  constructor(
    readonly width: number,
    readonly height: number,
    dpi: number,
    private readonly border: readonly [number, number, number],
    sink: (bytes: Uint8Array) => Promise<void>,
  ) {
    this.png = new PngStreamEncoder(width, height, 4, sink, [pngPhysChunk(dpi)]);
  }

  /**
   * Writes `rows` canvas rows: `fill` (rows × width coverage, 0..255) and
   * the artwork's rows (their first canvas column `x`), or null where no
   * artwork is.
   */
  async writeRows(rows: number, fill: Uint8Array, artwork: PlacedRows | null): Promise<void> {
    const { width } = this;
    const pixels = rows * width;
    if (this.rgba.length < pixels * 4) {
      this.rgba = new Uint8Array(pixels * 4);
      this.rgbRows = new Uint8Array(pixels * 3);
      this.alphaRows = new Uint8Array(pixels);
    }
    const out = this.rgba.subarray(0, pixels * 4);
    const [br, bg, bb] = this.border;
    for (let i = 0, o = 0; i < pixels; i++, o += 4) {
      out[o] = br;
      out[o + 1] = bg;
      out[o + 2] = bb;
      out[o + 3] = fill[i]!;
    }
    if (artwork) overlayArtwork(out, width, rows, artwork, fill);
    const rgb = this.rgbRows.subarray(0, pixels * 3);
    const alpha = this.alphaRows.subarray(0, pixels);
    for (let i = 0, o = 0, c = 0; i < pixels; i++, o += 4, c += 3) {
      rgb[c] = out[o]!;
      rgb[c + 1] = out[o + 1]!;
      rgb[c + 2] = out[o + 2]!;
      alpha[i] = out[o + 3]!;
    }
    await this.png.writeRows(out);
    await this.rgb.write(rgb);
    await this.alpha.write(alpha);
  }

  async abort(reason: unknown): Promise<void> {
    await this.png.abort(reason).catch(() => undefined);
    await this.rgb.abort(reason);
    await this.alpha.abort(reason);
  }
}

/**
 * Source-over of the artwork's rows onto the canvas rows they cover; the
 * caller aligns the band's first row with the canvas rows'.
 */
function overlayArtwork(out: Uint8Array, width: number, rows: number, artwork: PlacedRows, fill: Uint8Array): void {
  const { clip } = artwork;
  const { band, x } = artwork;
  const from = Math.max(0, -x);
  const to = Math.min(band.width, width - x);
  for (let r = 0; r < Math.min(rows, band.height); r++) {
    for (let i = from; i < to; i++) {
      const s = (r * band.width + i) * 4;
      // The artwork never reaches past the outline the cut was traced from, nor anything past the bleed.
      const k = r * width + x + i;
      const outline = Math.min(band.rows[s + 3]!, clip[k]!);
      const a = fill[k] === 255 ? outline : Math.round((outline * fill[k]!) / 255);
      if (a === 0) continue;
      const o = (r * width + x + i) * 4;
      if (a === 255) {
        out[o] = band.rows[s]!;
        out[o + 1] = band.rows[s + 1]!;
        out[o + 2] = band.rows[s + 2]!;
        out[o + 3] = 255;
        continue;
      }
      // Straight (not premultiplied) colours: out = (cA·aA + cB·aB·(1 − aA)) / aOut.
      const aa = a / 255;
      const ab = (out[o + 3]! / 255) * (1 - aa);
      const ao = aa + ab;
      out[o] = Math.round((band.rows[s]! * aa + out[o]! * ab) / ao);
      out[o + 1] = Math.round((band.rows[s + 1]! * aa + out[o + 1]! * ab) / ao);
      out[o + 2] = Math.round((band.rows[s + 2]! * aa + out[o + 2]! * ab) / ao);
      out[o + 3] = Math.round(ao * 255);
    }
  }
}
