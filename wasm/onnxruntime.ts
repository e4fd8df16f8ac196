/**
 * onnxruntime-web's WebAssembly module, apart from the codecs' so that only
 * code that runs a model loads it: only the background removal consumer
 * bundles it (test/e2e/bundles.test.ts checks), and imports it on its first
 * segmentation (see src/bg-removal/onnx-runtime.ts).
 */
// onnxruntime-web's single-threaded SIMD build (≈14 MB; ≈3.7 MB gzipped, inside the paid
// plan's 10 MB compressed Worker limit).
import ORT from "onnxruntime-web/ort-wasm-simd-threaded.wasm";
export const ORT_WASM = ORT as WebAssembly.Module;
