import * as ort from "onnxruntime-web/wasm";
import { ORT_WASM } from "../../wasm/modules";

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
 */
const MARKER = new Uint8Array([0x00, 0x61, 0x73, 0x6d]);
let configured = false;

function isMarker(source: unknown): boolean {
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : null;
  return bytes !== null && bytes.byteLength === MARKER.byteLength && bytes.every((b, i) => b === MARKER[i]);
}

export function onnxRuntime(): typeof ort {
  if (!configured) {
    const instantiate = WebAssembly.instantiate.bind(WebAssembly);
    const wrapped = (source: unknown, imports?: WebAssembly.Imports) =>
      isMarker(source)
        ? instantiate(ORT_WASM, imports).then((instance) => ({ instance, module: ORT_WASM }))
        : instantiate(source as BufferSource, imports);
    WebAssembly.instantiate = wrapped as typeof WebAssembly.instantiate;
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmBinary = MARKER;
    ort.env.logLevel = "error";
    configured = true;
  }
  return ort;
}
