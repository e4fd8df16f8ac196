/**
 * The image codecs' WebAssembly modules (onnxruntime's is in onnxruntime.ts,
 * loaded only when a model runs). Wrangler and the
 * vitest pool load `.wasm` imports as precompiled modules (rule type
 * CompiledWasm), because Workers cannot compile WebAssembly from bytes at run
 * time. The binaries come from npm packages (node_modules); none is kept in
 * this repository.
 */
// @ts-expect-error: the package types this file as raw exports; CompiledWasm gives the module as default.
import PNG from "@jsquash/png/codec/pkg/squoosh_png_bg.wasm";
// @ts-expect-error: as above.
import RESIZE from "@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm";
import JPEG_DEC from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm";
import JPEG_ENC from "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm";
import WEBP_DEC from "@jsquash/webp/codec/dec/webp_dec.wasm";

export const PNG_WASM = PNG as WebAssembly.Module;
export const RESIZE_WASM = RESIZE as WebAssembly.Module;
export const JPEG_DECODE_WASM: WebAssembly.Module = JPEG_DEC;
export const JPEG_ENCODE_WASM: WebAssembly.Module = JPEG_ENC;
export const WEBP_DECODE_WASM: WebAssembly.Module = WEBP_DEC;
