/**
 * onnxruntime-web's WebAssembly module, apart from the codecs' so that only
 * code that runs a model loads it: the API Worker never does, and the
 * consumer imports it on its first segmentation (see onnx-runtime.ts).
 */
// onnxruntime-web's single-threaded SIMD build (≈14 MB; ≈3.7 MB gzipped, inside the paid
// plan's 10 MB compressed Worker limit).
import ORT from "onnxruntime-web/ort-wasm-simd-threaded.wasm";
export const ORT_WASM = ORT as WebAssembly.Module;
