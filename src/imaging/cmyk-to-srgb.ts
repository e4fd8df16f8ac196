/**
 * CMYK to sRGB through a colour engine: LittleCMS 2.14 in wasm
 * (wasm/cmyk-srgb/: cmyk_srgb.c, build.sh), band by band, for the raw CMYK
 * bands of jpeg-stream.ts.
 *
 * - Profile: the file's embedded ICC profile, else the built-in default,
 *   FOGRA39 (ISO 12647-2 offset on coated paper; wasm/cmyk-srgb/
 *   make-default-profile.sh), the usual European press condition.
 * - Intent: relative colorimetric with black point compensation by default,
 *   what Photoshop and Acrobat use for CMYK on screen ("Europe/North America
 *   Prepress" settings): paper white becomes screen white, the press's
 *   deepest black becomes sRGB black, and colours inside sRGB stay as
 *   measured. Perceptual depends on each profile vendor's tables; it can be
 *   asked for.
 * - Adobe's inverted CMYK (255 = no ink) is undone by the engine while it
 *   reads each pixel (LittleCMS's reversed CMYK format), before the transform.
 *
 * Memory, in the engine's wasm heap: each transform keeps a precalculated
 * table of 17^4 points (≈0.5 MB); at most MAX_TRANSFORMS are cached, keyed
 * by profile bytes, intent and inversion (one let go is made again if an
 * image still using it asks). Pixels pass through two buffers of
 * CHUNK_PIXELS, so a band of any size needs no more. About 4 MB at most.
 */
import { CMYK_SRGB_WASM } from "../../wasm/cmyk-srgb";
import { ImageDecodeError } from "./errors";
import type { JpegHeader } from "./jpeg-stream";

export type CmykIntent = "perceptual" | "relative";

export interface CmykTransformOptions {
  /** Default "relative" (relative colorimetric). */
  intent?: CmykIntent;
  /** Map the profile's black to sRGB black; default true. */
  blackPointCompensation?: boolean;
}

/** Pixels converted per call into the module: bounds its buffers (256 KB each way). */
const CHUNK_PIXELS = 65536;
const MAX_TRANSFORMS = 4;
const INTENTS: Record<CmykIntent, number> = { perceptual: 0, relative: 1 };

interface Exports {
  memory: WebAssembly.Memory;
  alloc(n: number): number;
  release(p: number): void;
  last_error(): number;
  transform_new(icc: number, len: number, intent: number, bpc: number, inverted: number): number;
  transform_run(xf: number, input: number, output: number, pixels: number): void;
  transform_free(xf: number): void;
}

interface Engine {
  exports: Exports;
  input: number;
  output: number;
  transforms: Map<string, CachedTransform>;
}

interface CachedTransform {
  /** 0 once let go from the cache (a CmykToSrgb holding it gets a new one on its next call). */
  handle: number;
  key: string;
  icc: Uint8Array | null;
  intent: CmykIntent;
  bpc: boolean;
  inverted: boolean;
}

let engine: Engine | undefined;

function instantiate(): Engine {
  // wasi-libc's stdio brings in these three; nothing in the module reaches a file.
  const noFiles = () => 8; // WASI errno EBADF
  const instance = new WebAssembly.Instance(CMYK_SRGB_WASM, {
    wasi_snapshot_preview1: { fd_close: noFiles, fd_seek: noFiles, fd_write: noFiles },
  });
  const exports = instance.exports as unknown as Exports;
  const input = exports.alloc(CHUNK_PIXELS * 4);
  const output = exports.alloc(CHUNK_PIXELS * 4);
  if (!input || !output) throw new Error("CMYK engine: out of memory");
  return { exports, input, output, transforms: new Map() };
}

function getEngine(): Engine {
  engine ??= instantiate();
  return engine;
}

/** Runs `run`; a trap (a bug, not bad input) leaves the heap in doubt, so the instance and its transforms are dropped. */
function guarded<T>(e: Engine, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (engine === e) engine = undefined;
    throw new ImageDecodeError("CMYK conversion failed", { cause: error });
  }
}

/** FNV-1a over the profile: the cache key (entries still compare the bytes). */
function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return (h >>> 0).toString(16);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function errorText(e: Engine): string {
  const bytes = new Uint8Array(e.exports.memory.buffer, e.exports.last_error(), 256);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.subarray(0, end < 0 ? 256 : end)) || "unknown error";
}

/** The cached transform for these settings, made if need be. */
function transformFor(icc: Uint8Array | null, inverted: boolean, intent: CmykIntent, bpc: boolean): CachedTransform {
  const e = getEngine();
  const profile = icc && icc.length ? icc : null;
  const key = `${intent}:${bpc ? 1 : 0}:${inverted ? 1 : 0}:${profile ? `${profile.length}:${fnv1a(profile)}` : "default"}`;
  const hit = e.transforms.get(key);
  if (hit && (hit.icc === null ? profile === null : profile !== null && sameBytes(hit.icc, profile))) {
    // Most recently used goes last; the first entry is the one let go.
    e.transforms.delete(key);
    e.transforms.set(key, hit);
    return hit;
  }
  const handle = guarded(e, () => {
    const x = e.exports;
    let at = 0;
    if (profile) {
      at = x.alloc(profile.length);
      if (!at) throw new ImageDecodeError("CMYK profile: out of memory");
      new Uint8Array(x.memory.buffer, at, profile.length).set(profile);
    }
    try {
      return x.transform_new(at, profile ? profile.length : 0, INTENTS[intent], bpc ? 1 : 0, inverted ? 1 : 0);
    } finally {
      if (at) x.release(at);
    }
  });
  if (!handle) throw new ImageDecodeError(`CMYK profile: ${errorText(e)}`);
  // A different profile with the same hash: the newer one takes the slot.
  if (hit) letGo(e, hit);
  const entry: CachedTransform = { handle, key, icc: profile ? profile.slice() : null, intent, bpc, inverted };
  e.transforms.set(key, entry);
  while (e.transforms.size > MAX_TRANSFORMS) letGo(e, e.transforms.values().next().value as CachedTransform);
  return entry;
}

function letGo(e: Engine, entry: CachedTransform): void {
  if (e.transforms.get(entry.key) === entry) e.transforms.delete(entry.key);
  e.exports.transform_free(entry.handle);
  entry.handle = 0;
}

/** A CMYK to sRGB transform; get one with `cmykToSrgb` or `cmykToSrgbForJpeg`, once per image. */
export class CmykToSrgb {
  private constructor(private entry: CachedTransform) {}

  /** @internal */
  static create(icc: Uint8Array | null, inverted: boolean, options: CmykTransformOptions): CmykToSrgb {
    return new CmykToSrgb(transformFor(icc, inverted, options.intent ?? "relative", options.blackPointCompensation ?? true));
  }

  /** True when the built-in default profile is used. */
  get defaultProfile(): boolean {
    return this.entry.icc === null;
  }

  /**
   * Converts `cmyk` (4 bytes a pixel, as the decoder's bands hold them) to RGBA
   * (alpha 255) in `out`, or in a new array. A decoder band is a view into the
   * decoder's heap: converting it before the next decoder call needs no copy.
   */
  convert(cmyk: Uint8Array, out?: Uint8Array): Uint8Array {
    if (cmyk.length % 4) throw new RangeError("CMYK data must be 4 bytes a pixel");
    const pixels = cmyk.length / 4;
    const rgba = out ?? new Uint8Array(pixels * 4);
    if (rgba.length < pixels * 4) throw new RangeError("output too small");
    // Let go from the cache (other images' transforms came since), or the engine was reset: made again.
    if (engine?.transforms.get(this.entry.key) !== this.entry) {
      const { icc, inverted, intent, bpc } = this.entry;
      this.entry = transformFor(icc, inverted, intent, bpc);
    }
    const e = getEngine();
    const handle = this.entry.handle;
    guarded(e, () => {
      const x = e.exports;
      for (let done = 0; done < pixels; done += CHUNK_PIXELS) {
        const n = Math.min(CHUNK_PIXELS, pixels - done);
        new Uint8Array(x.memory.buffer, e.input, n * 4).set(cmyk.subarray(done * 4, (done + n) * 4));
        x.transform_run(handle, e.input, e.output, n);
        rgba.set(new Uint8Array(x.memory.buffer, e.output, n * 4), done * 4);
      }
    });
    return rgba;
  }
}

/**
 * The transform for CMYK with profile `icc` (null: the default FOGRA39 one),
 * `inverted` when 255 means no ink. Throws ImageDecodeError for a profile
 * LittleCMS cannot use (unreadable, or not CMYK).
 */
export function cmykToSrgb(icc: Uint8Array | null, inverted: boolean, options: CmykTransformOptions = {}): CmykToSrgb {
  return CmykToSrgb.create(icc, inverted, options);
}

/**
 * The transform for a CMYK or YCCK JPEG's bands: its embedded profile, or the
 * default when it has none or one that cannot be used (as ImageMagick and
 * browsers go on past a broken profile); `profileError` says why.
 */
export function cmykToSrgbForJpeg(header: JpegHeader, options: CmykTransformOptions = {}): { transform: CmykToSrgb; profileError: string | null } {
  if (header.output !== "cmyk") throw new Error("not a CMYK JPEG");
  if (header.icc) {
    try {
      return { transform: cmykToSrgb(header.icc, header.cmykInverted, options), profileError: null };
    } catch (error) {
      if (!(error instanceof ImageDecodeError) || engine === undefined) throw error;
      return { transform: cmykToSrgb(null, header.cmykInverted, options), profileError: error.message };
    }
  }
  return { transform: cmykToSrgb(null, header.cmykInverted, options), profileError: null };
}

/** Size of the engine's wasm heap now (for measurements), 0 before first use. */
export function cmykToSrgbHeapBytes(): number {
  return engine ? engine.exports.memory.buffer.byteLength : 0;
}
