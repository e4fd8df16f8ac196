import { yieldToRuntime } from "../platform/yield";

/**
 * Raster fixes run as a row pipeline: a source yields bands of rows, each
 * stage turns the bands it pulls into bands of its own output, and a sink
 * (a streaming PNG encoder feeding an R2 multipart upload) consumes them.
 * An isolate has 128 MB and a 4× upscale of 12 MP is 768 MB of RGBA, so no
 * stage may ever hold a whole output frame: each keeps only the rows its
 * filter reaches plus one output band.
 */

export interface RasterInfo {
  readonly width: number;
  readonly height: number;
  /**
   * False when every pixel is known to be opaque, so an encoder may write
   * RGB. Bands are RGBA either way (alpha 255 when false).
   */
  readonly hasAlpha: boolean;
}

/**
 * Rows `y … y + height - 1` of an image, RGBA, `width * 4` bytes per row.
 * The receiver must not modify `rows` and may use it only until it asks for
 * the next band: stages reuse their output buffers.
 */
export interface RowBand {
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly rows: Uint8ClampedArray;
}

export interface RasterStream {
  /** Known before the first band, so an encoder can write its header first. */
  readonly info: RasterInfo;
  /** Bands in order, contiguous, covering every row exactly once. Single pass. */
  readonly bands: AsyncIterable<RowBand>;
  /** Bytes of the buffers this stage holds right now (windows, carried rows, output band). */
  retainedBytes(): number;
}

/** Declares its output from its input's info alone, synchronously. */
export type RasterStage = (input: RasterStream) => RasterStream;

export interface RasterSink {
  start(info: RasterInfo): void | Promise<void>;
  write(band: RowBand): void | Promise<void>;
  finish(): void | Promise<void>;
}

export const BYTES_PER_PIXEL = 4;

/** Rows per band that keep one band near `targetBytes`, at least one row. */
export function rowsPerBand(width: number, targetBytes: number): number {
  return Math.max(1, Math.floor(targetBytes / (width * BYTES_PER_PIXEL)));
}

/** Bytes of RGBA one band of a decoder opened by openRaster aims at, unless told otherwise. */
export const DEFAULT_BAND_BYTES = 1024 * 1024;

/** A source band's default size: small enough to be negligible next to any stage's window. */
const SOURCE_BAND_BYTES = 256 * 1024;

/**
 * Streams a decoded image as bands that are views into it (no copies).
 * `hasAlpha` defaults to whether any pixel is not fully opaque.
 */
export function streamImageData(image: ImageData, options: { hasAlpha?: boolean; bandRows?: number } = {}): RasterStream {
  const { width, height, data } = image;
  const hasAlpha = options.hasAlpha ?? usesAlpha(data);
  const bandRows = options.bandRows ?? rowsPerBand(width, SOURCE_BAND_BYTES);
  const rowBytes = width * BYTES_PER_PIXEL;
  return {
    info: { width, height, hasAlpha },
    retainedBytes: () => data.byteLength,
    bands: (async function* () {
      for (let y = 0; y < height; y += bandRows) {
        const rows = Math.min(bandRows, height - y);
        yield { y, width, height: rows, rows: data.subarray(y * rowBytes, (y + rows) * rowBytes) };
      }
    })(),
  };
}

export function usesAlpha(rgba: Uint8ClampedArray): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return true;
  return false;
}

export function applyStages(source: RasterStream, stages: readonly RasterStage[]): RasterStream[] {
  const streams = [source];
  for (const stage of stages) streams.push(stage(streams[streams.length - 1]!));
  return streams;
}

export interface PipeResult {
  readonly info: RasterInfo;
  /** Largest sum of every stage's retained buffers seen between bands (the sink's own buffers not included). */
  readonly peakRetainedBytes: number;
}

/**
 * Runs source → stages → sink. Checks each band against the declared
 * geometry, so a stage that miscounts fails here instead of producing a
 * corrupt file, and yields to the runtime between bands: a large upscale is
 * tens of seconds of CPU.
 */
export async function pipeRaster(source: RasterStream, stages: readonly RasterStage[], sink: RasterSink): Promise<PipeResult> {
  const streams = applyStages(source, stages);
  const output = streams[streams.length - 1]!;
  const { width, height } = output.info;
  await sink.start(output.info);
  let next = 0;
  let peakRetainedBytes = 0;
  for await (const band of output.bands) {
    if (band.y !== next || band.width !== width || band.height < 1 || band.y + band.height > height || band.rows.length !== width * BYTES_PER_PIXEL * band.height) {
      throw new Error(`A stage produced band y=${band.y} ${band.width}×${band.height} (${band.rows.length} bytes) where row ${next} of a ${width}×${height} image was due.`);
    }
    peakRetainedBytes = Math.max(peakRetainedBytes, streams.reduce((sum, s) => sum + s.retainedBytes(), 0));
    await sink.write(band);
    next += band.height;
    await yieldToRuntime();
  }
  if (next !== height) throw new Error(`The pipeline ended after ${next} of ${height} rows.`);
  await sink.finish();
  return { info: output.info, peakRetainedBytes };
}

/** Whole frame in memory: for tests and small images only. */
export async function collectRaster(stream: RasterStream): Promise<ImageData> {
  const { width, height } = stream.info;
  const data = new Uint8ClampedArray(width * height * BYTES_PER_PIXEL);
  await pipeRaster(stream, [], {
    start: () => {},
    write: (band) => data.set(band.rows, band.y * width * BYTES_PER_PIXEL),
    finish: () => {},
  });
  return new ImageData(data, width, height);
}

/**
 * One reusable output buffer per stage, grown only when a band needs more
 * rows than any before it.
 */
export class BandBuffer {
  private buffer = new Uint8ClampedArray(0);

  constructor(private readonly rowBytes: number) {}

  rows(count: number): Uint8ClampedArray {
    const bytes = count * this.rowBytes;
    if (this.buffer.length < bytes) this.buffer = new Uint8ClampedArray(bytes);
    return this.buffer.subarray(0, bytes);
  }

  get byteLength(): number {
    return this.buffer.byteLength;
  }
}
