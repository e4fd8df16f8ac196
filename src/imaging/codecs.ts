import encodeJpegWasm, { init as initJpegEncode } from "@jsquash/jpeg/encode.js";
import mozjpegDecoder from "@jsquash/jpeg/codec/dec/mozjpeg_dec.js";
import { initEmscriptenModule } from "@jsquash/jpeg/utils.js";
import webpDecoder from "@jsquash/webp/codec/dec/webp_dec.js";
import { JPEG_DECODE_WASM, JPEG_ENCODE_WASM, WEBP_DECODE_WASM } from "../../wasm/codecs";
import { jpegOrientation, orientInPlace } from "./orientation";
import { decodePng } from "./png-decode";
import { encodePngRgba } from "./png-stream";
import { ImageDecodeError } from "./errors";
import { release } from "./release";

/**
 * Image codecs for Workers, chosen for memory: an isolate has 128 MB and a
 * wasm instance's memory never shrinks while the instance lives.
 *
 * - PNG decodes and encodes in JS (png-decode.ts, png-stream.ts): straight
 *   into the output buffer, and row by row out.
 * - JPEG and WebP decode with jSquash. Its decoders build the RGBA frame in
 *   their heap (which then stays that large) and hand back a JS copy, so a
 *   decoded image costs twice its size. withDecodedImage() instead lends the
 *   pixels where the decoder left them, in its heap: one frame, not two.
 *   The isolate keeps one decoder instance, reused by the next image of its
 *   format, so its heap is paid once, at the size of the largest image,
 *   rather than per image as garbage waiting for a collection. An image of
 *   another format lets it go.
 * - JPEG encoding is as before: jSquash's own instance.
 *
 * Module scope holds only that decoder instance and the encoder's init
 * promise.
 */
let jpegEncodeReady: Promise<unknown> | undefined;

/**
 * jSquash's emscripten glue defines a global ImageData class from inside
 * the first decoder instance it creates, when the runtime has none (Workers
 * have none); that class then holds the instance's scope, heap included,
 * for the isolate's life. Defining the same plain class first keeps every
 * instance collectable.
 */
const globalScope = globalThis as { ImageData?: unknown };
globalScope.ImageData ??= class ImageData {
  constructor(
    readonly data: Uint8ClampedArray,
    readonly width: number,
    readonly height: number,
  ) {}
};

export type RasterType = "jpeg" | "png" | "webp";

export { ImageDecodeError } from "./errors";

function imageData(data: Uint8ClampedArray, width: number, height: number): ImageData {
  return { data, width, height, colorSpace: "srgb" } as ImageData;
}

interface EmscriptenDecoder {
  decode(data: BufferSource, preserveOrientation?: boolean): ImageData | null;
  HEAPU8: Uint8Array;
}

/**
 * A decoder instance and how its output is caught in its heap. jSquash's C++
 * ends with `Uint8ClampedArray.new_(typed_memory_view(...))`, i.e. a JS copy
 * of the frame, then frees the frame. The instance looks the constructor up
 * on first use and keeps it, so it is given a transparent proxy of
 * Uint8ClampedArray whose one difference is that a view of its own heap
 * comes back as a view, not a copy. The freed block's contents stay put as
 * long as the instance is not called again (the slot's `busy` flag); the
 * allocator may write its bookkeeping into the block's first and last
 * bytes, which are saved when the view is made and put back after.
 */
interface DecoderSlot {
  type: "jpeg" | "webp";
  ready: Promise<EmscriptenDecoder>;
  /** Set once the instance exists; its heap buffer is read at each use, since growing the heap replaces it. */
  decoder: EmscriptenDecoder | null;
  busy: boolean;
  captured: { view: Uint8ClampedArray; head: Uint8Array; tail: Uint8Array } | null;
  proxy: typeof Uint8ClampedArray;
}

const EDGE_BYTES = 256;
let sharedSlot: DecoderSlot | undefined;

function newSlot(type: "jpeg" | "webp"): DecoderSlot {
  const ready = type === "jpeg" ? initEmscriptenModule(mozjpegDecoder, JPEG_DECODE_WASM) : initEmscriptenModule(webpDecoder, WEBP_DECODE_WASM);
  const slot: DecoderSlot = { type, ready: ready as Promise<EmscriptenDecoder>, decoder: null, busy: true, captured: null, proxy: Uint8ClampedArray };
  const Real = Uint8ClampedArray;
  slot.proxy = new Proxy(Real, {
    construct(target, args: unknown[], newTarget) {
      const source = args[0];
      if (args.length === 1 && source instanceof Uint8Array && slot.decoder && source.buffer === slot.decoder.HEAPU8.buffer) {
        const view = new Real(source.buffer, source.byteOffset, source.length);
        const edge = Math.min(EDGE_BYTES, source.length);
        slot.captured = { view, head: source.slice(0, edge), tail: source.slice(source.length - edge) };
        return view;
      }
      return Reflect.construct(target, args, newTarget) as object;
    },
  });
  return slot;
}

/** The isolate's slot when it is free and of the right type; otherwise a slot of its own for this call. */
function acquireSlot(type: "jpeg" | "webp"): { slot: DecoderSlot; shared: boolean } {
  if (sharedSlot && !sharedSlot.busy && sharedSlot.type === type) {
    sharedSlot.busy = true;
    return { slot: sharedSlot, shared: true };
  }
  const slot = newSlot(type);
  // An idle slot of the other type is dropped (its heap becomes garbage) rather than kept beside this one.
  if (!sharedSlot || !sharedSlot.busy) {
    sharedSlot = slot;
    return { slot, shared: true };
  }
  return { slot, shared: false };
}

async function decodeInHeap(slot: DecoderSlot, bytes: Uint8Array): Promise<ImageData> {
  const decoder = await slot.ready;
  slot.decoder = decoder;
  const global = globalThis as { Uint8ClampedArray: typeof Uint8ClampedArray };
  const real = global.Uint8ClampedArray;
  slot.captured = null;
  let decoded: ImageData | null;
  // Synchronous from here to the restore: no other code can see the proxy as the global.
  global.Uint8ClampedArray = slot.proxy;
  try {
    decoded = slot.type === "jpeg" ? decoder.decode(bytes, false) : decoder.decode(bytes);
  } finally {
    global.Uint8ClampedArray = real;
  }
  if (!decoded) throw new Error(`${slot.type.toUpperCase()} decoding failed`);
  const captured = slot.captured as DecoderSlot["captured"];
  slot.captured = null;
  if (captured && decoded.data === captured.view) {
    captured.view.set(captured.head, 0);
    captured.view.set(captured.tail, captured.view.length - captured.tail.length);
  }
  if (slot.type !== "jpeg") return decoded;
  // Rotation is done here in place: the decoder's own needs two more full frames inside its heap.
  const upright = orientInPlace(decoded.data, decoded.width, decoded.height, jpegOrientation(bytes));
  return imageData(decoded.data, upright.width, upright.height);
}

/**
 * Decodes to 8-bit RGBA (JPEGs upright, EXIF orientation applied) and lends
 * the pixels to `use`. They are valid only until the promise `use` returns
 * settles and must not be kept: for JPEG and WebP they live in the decoder's
 * heap, which the next image reuses. Failures to decode are
 * ImageDecodeErrors; whatever `use` throws passes through unchanged.
 */
export async function withDecodedImage<T>(bytes: Uint8Array, type: RasterType, use: (image: ImageData) => Promise<T>): Promise<T> {
  if (type === "png") {
    // An idle JPEG or WebP decoder would otherwise keep its heap, a frame of its own, beside this one.
    if (sharedSlot && !sharedSlot.busy) sharedSlot = undefined;
    let decoded: ReturnType<typeof decodePng>;
    try {
      decoded = decodePng(bytes);
    } catch (error) {
      throw pngFailure(error);
    }
    try {
      return await use(imageData(decoded.data, decoded.width, decoded.height));
    } finally {
      release(decoded.data);
    }
  }
  const { slot, shared } = acquireSlot(type);
  let image: ImageData;
  try {
    image = await decodeInHeap(slot, bytes);
  } catch (error) {
    // A decoder that failed may have aborted; it is not used again.
    if (sharedSlot === slot) sharedSlot = undefined;
    throw new ImageDecodeError(`${type.toUpperCase()} decoding failed`, { cause: error });
  }
  try {
    return await use(image);
  } finally {
    if (shared) slot.busy = false;
    // wasm memory never shrinks: a decoder that grew its heap for a large image would hold it for good
    // (90.9 MB at rest after a 16 MP WebP), beside whatever job this isolate runs next. Dropped, the
    // instance and its heap are garbage; the next image instantiates a fresh one from the compiled module.
    if (sharedSlot === slot && (slot.decoder?.HEAPU8.buffer.byteLength ?? 0) > KEEP_DECODER_HEAP_BYTES) sharedSlot = undefined;
  }
}

/** The largest decoder heap kept for the next image (a few megapixels' worth): small images reuse their decoder, a large one's heap is let go. */
const KEEP_DECODER_HEAP_BYTES = 32 * 1024 * 1024;

/** Decodes to 8-bit RGBA in a buffer of the caller's own; JPEGs come out upright (EXIF orientation applied). */
export async function decodeImage(bytes: Uint8Array, type: RasterType): Promise<ImageData> {
  if (type === "png") {
    try {
      const decoded = decodePng(bytes);
      return imageData(decoded.data, decoded.width, decoded.height);
    } catch (error) {
      throw pngFailure(error);
    }
  }
  return withDecodedImage(bytes, type, async (image) => imageData(image.data.slice(), image.width, image.height));
}

/** decodePng's errors keep their reason (a file over a size limit is not a damaged one). */
function pngFailure(error: unknown): ImageDecodeError {
  return new ImageDecodeError("PNG decoding failed", { cause: error, reason: error instanceof ImageDecodeError ? error.reason : "damaged" });
}

export async function encodePng(image: ImageData): Promise<Uint8Array> {
  return encodePngRgba(image.data, image.width, image.height);
}

export async function encodeJpeg(image: ImageData, quality = 92): Promise<Uint8Array> {
  await (jpegEncodeReady ??= initJpegEncode(JPEG_ENCODE_WASM));
  return new Uint8Array(await encodeJpegWasm(image, { quality }));
}
