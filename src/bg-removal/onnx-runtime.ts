import * as ort from "onnxruntime-web/wasm";
import { ORT_WASM } from "../../wasm/modules";

/**
 * onnxruntime-web inside a Worker. ORT's loader wants the wasm as bytes
 * (`env.wasm.wasmBinary`) and compiles them with WebAssembly.instantiate,
 * but Workers cannot compile WebAssembly at run time: the module must come
 * precompiled from the bundle. So ORT is given a 4-byte marker as its
 * "binary", and WebAssembly.instantiate is wrapped to answer that one
 * marker (compared by identity) with an instance of the precompiled module;
 * every other call passes through unchanged.
 *
 * One thread, no proxy worker: Workers have neither SharedArrayBuffer
 * threads nor web workers.
 */
const MARKER = new Uint8Array([0x00, 0x61, 0x73, 0x6d]);
let configured = false;

export function onnxRuntime(): typeof ort {
  if (!configured) {
    const instantiate = WebAssembly.instantiate.bind(WebAssembly);
    const wrapped = (source: unknown, imports?: WebAssembly.Imports) =>
      source === MARKER
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
