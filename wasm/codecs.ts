/**
 * The image codecs' WebAssembly modules that every Worker decodes with
 * (src/imaging/codecs.ts). Each module a file imports is uploaded with every
 * Worker that reaches the file, used or not, so modules only some code needs
 * have files of their own: resize.ts (AI fix jobs), onnxruntime.ts (loaded
 * only when a model runs) and png-reference.ts (tests only). Wrangler and the
 * vitest pool load `.wasm` imports as precompiled modules (rule type
 * CompiledWasm), because Workers cannot compile WebAssembly from bytes at run
 * time. The binaries come from npm packages (node_modules); none is kept in
 * this repository.
 */
import JPEG_DEC from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm";
import JPEG_ENC from "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm";
import WEBP_DEC from "@jsquash/webp/codec/dec/webp_dec.wasm";

export const JPEG_DECODE_WASM: WebAssembly.Module = JPEG_DEC;
export const JPEG_ENCODE_WASM: WebAssembly.Module = JPEG_ENC;
export const WEBP_DECODE_WASM: WebAssembly.Module = WEBP_DEC;
