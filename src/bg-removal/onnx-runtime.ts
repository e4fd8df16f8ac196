import * as ort from "onnxruntime-web/wasm";

/**
 * onnxruntime-web inside a Worker. ORT's loader wants the wasm as bytes
 * (`env.wasm.wasmBinary`) and compiles them with WebAssembly.instantiate,
 * but Workers cannot compile WebAssembly at run time: the module must come
 * precompiled from the bundle. So ORT is given the 4-byte wasm magic alone
 * as its "binary" (ORT's loader copies it, so it is recognised by content:
 * no real module is 4 bytes long, the smallest valid one has 8), and
 * WebAssembly.instantiate is wrapped to answer exactly that with an instance
 * of the precompiled module; every other call passes through unchanged.
 *
 * One thread, no proxy worker: Workers have neither SharedArrayBuffer
 * threads nor web workers.
 *
 * ORT's heap is grown once, before the instance exists, to what the default
 * model needs at its peak: ISNet at 1024 px in 27 stages, bands for the
 * high-resolution ones, needs 39.8 MB for one job and 43.7 MB after four
 * (sessions made and freed every job leave the heap fragmented; it stayed
 * there), measured with the heap growing exactly to each request
 * (scripts/model/measure-stages.mjs). Left to grow by itself it overshoots
 * by 20 % each step, and wasm memory never shrinks. A model that needs more
 * still grows past this as it would have.
 */
const MARKER = new Uint8Array([0x00, 0x61, 0x73, 0x6d]);
export const ORT_HEAP_BYTES = 46 * 1024 * 1024;
const WASM_PAGE_BYTES = 65536;
let configured = false;

function isMarker(source: unknown): boolean {
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : null;
  return bytes !== null && bytes.byteLength === MARKER.byteLength && bytes.every((b, i) => b === MARKER[i]);
}

/**
 * ORT's build imports its memory (shared, so growing it does not detach the
 * views ORT's glue already holds; the glue re-reads the buffer on access).
 */
function pregrow(imports: WebAssembly.Imports | undefined): void {
  for (const namespace of Object.values(imports ?? {})) {
    for (const value of Object.values(namespace)) {
      if (!(value instanceof WebAssembly.Memory)) continue;
      const missing = Math.ceil((ORT_HEAP_BYTES - value.buffer.byteLength) / WASM_PAGE_BYTES);
      if (missing > 0) value.grow(missing);
    }
  }
}

export function onnxRuntime(): typeof ort {
  if (!configured) {
    const instantiate = WebAssembly.instantiate.bind(WebAssembly);
    const wrapped = (source: unknown, imports?: WebAssembly.Imports) => {
      if (!isMarker(source)) return instantiate(source as BufferSource, imports);
      pregrow(imports);
      // Imported here, not at the top: compiling the 14 MB module is paid
      // by the first segmentation, not by every isolate that loads this file.
      return import("../../wasm/onnxruntime").then(async ({ ORT_WASM }) => ({ instance: await instantiate(ORT_WASM, imports), module: ORT_WASM }));
    };
    WebAssembly.instantiate = wrapped as typeof WebAssembly.instantiate;
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmBinary = MARKER;
    ort.env.logLevel = "error";
    configured = true;
  }
  return ort;
}
