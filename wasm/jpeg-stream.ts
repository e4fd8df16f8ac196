/**
 * The row-streaming JPEG decoder's WebAssembly module: libjpeg-turbo built by
 * jpeg-stream/build.sh and kept in this repository (145 KB), since no npm
 * package carries it. Loaded as a precompiled module (CompiledWasm), like
 * the codecs in codecs.ts; a file of its own so that only code using the
 * decoder (src/imaging/jpeg-stream.ts) brings it into a Worker.
 */
import JPEG_STREAM from "./jpeg-stream/jpeg-stream.wasm";

export const JPEG_STREAM_WASM: WebAssembly.Module = JPEG_STREAM;
