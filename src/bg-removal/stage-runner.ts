/**
 * Runs a segmentation model split into stages (scripts/model/prepare-isnet.mjs)
 * one session at a time, with what crosses a stage boundary held in JS between
 * them. No runtime import here: the caller hands in onnxruntime and opens each
 * stage's session, so the same code runs in the model Worker (model.ts) and
 * under Node for the measurements in scripts/model/.
 *
 * A stage is either run whole, or, when its manifest entry has `tile`, over
 * horizontal bands of rows: the stage's graph takes any number of rows, each
 * band is fed `haloRows` more rows on each side than it keeps, and only the
 * kept rows are written to the outputs, so the result is the untiled graph's
 * (the halo covers every op's reach; prepare-isnet computes it). This is what
 * lets ISNet run at its native 1024 px: at that size one 64-channel float
 * activation at 512×512 is 64 MB, and only a band of it ever exists.
 */

export interface StageTile {
  /** The stage's coarsest rows; every input and output has a whole multiple of them. */
  unitRows: number;
  /** Rows kept per band, in unit rows. */
  bandRows: number;
  /** Extra rows fed on each side of a band, in unit rows. */
  haloRows: number;
}

export interface StageTensor {
  name: string;
  shape: readonly number[];
}

export interface Stage {
  index: number;
  files: string[];
  inputs: StageTensor[];
  outputs: StageTensor[];
  tile?: StageTile | undefined;
}

/** The part of an onnxruntime session the runner uses. */
export interface StageSession {
  run(feeds: Record<string, unknown>, fetches: string[]): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
  release(): Promise<void>;
}

export interface TensorFactory {
  Tensor: new (type: "float32", data: Float32Array, dims: readonly number[]) => unknown;
}

/** A 4-D (1×C×H×W) tensor held between stages, read and written by rows. */
interface Held {
  readonly dims: readonly number[];
  /** Rows [r0, r1) of every channel, as a 1×C×(r1−r0)×W float array. */
  readRows(r0: number, r1: number): Float32Array;
  /** Rows [from, from + count) of a 1×C×bandRows×W float band into rows [to, to + count). */
  writeRows(band: Float32Array, bandRows: number, from: number, to: number, count: number): void;
  bytes(): number;
}

/**
 * 8 bits a value, each row of each channel with its own offset and step (the
 * row's min and (max − min) / 255). The original graph turns these tensors
 * into 8 bits anyway before its next quantized convolution, with one range
 * for the whole tensor; a range per row is finer than that, and it can be
 * written band by band, before the whole tensor's range is known.
 */
class QuantizedRows implements Held {
  readonly data: Uint8Array;
  readonly lo: Float32Array;
  readonly step: Float32Array;
  private readonly c: number;
  private readonly h: number;
  private readonly w: number;

  constructor(readonly dims: readonly number[]) {
    [, this.c, this.h, this.w] = dims as [number, number, number, number];
    this.data = new Uint8Array(this.c * this.h * this.w);
    this.lo = new Float32Array(this.c * this.h);
    this.step = new Float32Array(this.c * this.h);
  }

  readRows(r0: number, r1: number): Float32Array {
    const { c: channels, h, w } = this;
    const rows = r1 - r0;
    const out = new Float32Array(channels * rows * w);
    for (let c = 0; c < channels; c++) {
      for (let r = 0; r < rows; r++) {
        const lo = this.lo[c * h + r0 + r]!;
        const step = this.step[c * h + r0 + r]!;
        const src = (c * h + r0 + r) * w;
        const dst = (c * rows + r) * w;
        for (let x = 0; x < w; x++) out[dst + x] = lo + this.data[src + x]! * step;
      }
    }
    return out;
  }

  writeRows(band: Float32Array, bandRows: number, from: number, to: number, count: number): void {
    const { c: channels, h, w } = this;
    for (let c = 0; c < channels; c++) {
      for (let r = 0; r < count; r++) {
        const src = (c * bandRows + from + r) * w;
        let min = band[src]!;
        let max = min;
        for (let x = src + 1, end = src + w; x < end; x++) {
          const v = band[x]!;
          min = v < min ? v : min;
          max = v > max ? v : max;
        }
        const step = (max - min) / 255;
        const inv = step > 0 ? 1 / step : 0;
        this.lo[c * h + to + r] = min;
        this.step[c * h + to + r] = step;
        const dst = (c * h + to + r) * w;
        // Rounded by the store: a Uint8Array truncates, and (v − min)·inv + 0.5 lies in [0, 255.5].
        // Math.round per value made this loop 4× slower (it was 13 % of a job's time at 1024 px).
        const offset = 0.5 - min * inv;
        for (let x = 0; x < w; x++) this.data[dst + x] = band[src + x]! * inv + offset;
      }
    }
  }

  bytes(): number {
    return this.data.byteLength + this.lo.byteLength + this.step.byteLength;
  }
}

/** Float, unchanged: the model's output, and every tensor when checking that tiling is exact. */
class FloatRows implements Held {
  readonly data: Float32Array;
  private readonly c: number;
  private readonly h: number;
  private readonly w: number;

  constructor(readonly dims: readonly number[], data?: Float32Array) {
    [, this.c, this.h, this.w] = dims as [number, number, number, number];
    this.data = data ?? new Float32Array(this.c * this.h * this.w);
  }

  readRows(r0: number, r1: number): Float32Array {
    if (r0 === 0 && r1 === this.h) return this.data;
    const rows = r1 - r0;
    const out = new Float32Array(this.c * rows * this.w);
    for (let c = 0; c < this.c; c++) out.set(this.data.subarray((c * this.h + r0) * this.w, (c * this.h + r1) * this.w), c * rows * this.w);
    return out;
  }

  writeRows(band: Float32Array, bandRows: number, from: number, to: number, count: number): void {
    const w = this.w;
    for (let c = 0; c < this.c; c++) {
      this.data.set(band.subarray((c * bandRows + from) * w, (c * bandRows + from + count) * w), (c * this.h + to) * w);
    }
  }

  bytes(): number {
    return this.data.byteLength;
  }
}

export interface StageReport {
  index: number;
  bands: number;
  /** Bytes held in JS between stages after this one (its inputs that later stages need, and its outputs). */
  heldBytes: number;
  runMs: number;
}

export interface RunStagesOptions {
  ort: TensorFactory;
  stages: readonly Stage[];
  inputName: string;
  outputName: string;
  /** Opens a stage's session; released once the stage is done with it. */
  open(stage: Stage): Promise<StageSession>;
  /** Keep every tensor as float (to check tiling against the untiled graph). */
  holdFloat?: boolean;
  /** Called between bands and stages (the Worker yields to the runtime there). */
  pause?: () => Promise<void>;
  report?: (report: StageReport) => void;
  /** Lets go of a typed array at once instead of at the next collection. */
  release?: (data: ArrayBufferView) => void;
}

const rowsOf = (shape: readonly number[]) => shape[2]!;

/** Runs every stage on `input` (1×3×N×N float, taken over) and returns the model's output map. */
export async function runStages(options: RunStagesOptions, input: Float32Array): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const { ort, stages, inputName, outputName } = options;
  const inputShape = stages.flatMap((s) => s.inputs).find((t) => t.name === inputName)?.shape;
  if (!inputShape) throw new Error(`no stage reads the model input ${inputName}`);
  const release = (h: Held) => {
    if (h instanceof QuantizedRows) [h.data, h.lo, h.step].forEach((a) => options.release?.(a));
    else if (h instanceof FloatRows) options.release?.(h.data);
  };
  // The input too is held as 8-bit rows (3 MB instead of 12 at 1024 px): a row's
  // step is under 1/500 of its range, finer than the 8-bit image it was made from.
  let first: Held = new FloatRows(inputShape, input);
  if (!options.holdFloat) {
    const quantized = new QuantizedRows(inputShape);
    quantized.writeRows(input, inputShape[2]!, 0, 0, inputShape[2]!);
    release(first);
    first = quantized;
  }
  const held = new Map<string, Held>([[inputName, first]]);

  for (const [s, stage] of stages.entries()) {
    const started = Date.now();
    for (const t of stage.inputs) if (!held.has(t.name)) throw new Error(`stage ${s + 1} needs ${t.name}, which no earlier stage produced`);
    const outputs = new Map<string, Held>();
    const session = await options.open(stage);
    let bands = 0;
    try {
      const tile = stage.tile ?? { unitRows: rowsOf(stage.outputs[0]!.shape), bandRows: Infinity, haloRows: 0 };
      const units = tile.unitRows;
      for (let u0 = 0; u0 < units; u0 += tile.bandRows) {
        const u1 = Math.min(units, u0 + tile.bandRows);
        const v0 = Math.max(0, u0 - tile.haloRows);
        const v1 = Math.min(units, u1 + tile.haloRows);
        const fed: Float32Array[] = [];
        const feeds = Object.fromEntries(
          stage.inputs.map((t) => {
            const f = rowsOf(t.shape) / units;
            const h = held.get(t.name)!;
            const values = h.readRows(v0 * f, v1 * f);
            if (!(h instanceof FloatRows && values === h.data)) fed.push(values);
            const dims = [...t.shape];
            dims[2] = (v1 - v0) * f;
            return [t.name, new ort.Tensor("float32", values, dims)];
          }),
        );
        const result = await session.run(feeds, stage.outputs.map((t) => t.name));
        for (const values of fed) options.release?.(values);
        for (const t of stage.outputs) {
          const data = result[t.name]?.data;
          if (!(data instanceof Float32Array)) throw new Error(`stage ${s + 1}: ${t.name} is not float32`);
          const f = rowsOf(t.shape) / units;
          const float = options.holdFloat || t.name === outputName;
          if (!stage.tile && float) {
            outputs.set(t.name, new FloatRows(t.shape, data)); // the whole tensor as it came: no copy
            continue;
          }
          let out = outputs.get(t.name);
          if (!out) outputs.set(t.name, (out = float ? new FloatRows(t.shape) : new QuantizedRows(t.shape)));
          out.writeRows(data, (v1 - v0) * f, (u0 - v0) * f, u0 * f, (u1 - u0) * f);
          options.release?.(data);
        }
        bands++;
        await options.pause?.();
      }
    } finally {
      await session.release();
    }
    const needed = new Set(stages.slice(s + 1).flatMap((later) => later.inputs.map((t) => t.name)));
    for (const [name, h] of held) {
      if (needed.has(name)) continue;
      held.delete(name);
      release(h);
    }
    for (const [name, h] of outputs) held.set(name, h);
    let heldBytes = 0;
    for (const h of held.values()) heldBytes += h.bytes();
    options.report?.({ index: stage.index, bands, heldBytes, runMs: Date.now() - started });
  }
  const output = held.get(outputName);
  if (!(output instanceof FloatRows)) throw new Error(`the model did not produce ${outputName}`);
  for (const [name, h] of held) if (name !== outputName) release(h);
  return { data: output.data, dims: output.dims };
}
