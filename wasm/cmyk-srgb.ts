/**
 * The CMYK to sRGB colour engine's WebAssembly module: LittleCMS 2.14 with the
 * default CMYK profile built in, made by cmyk-srgb/build.sh and kept in this
 * repository (≈320 KB), since no npm package carries a build a Worker can load.
 * Loaded as a precompiled module (CompiledWasm), like the codecs in codecs.ts;
 * a file of its own so that only code converting CMYK
 * (src/imaging/cmyk-to-srgb.ts) brings it into a Worker.
 */
import CMYK_SRGB from "./cmyk-srgb/cmyk-srgb.wasm";

export const CMYK_SRGB_WASM: WebAssembly.Module = CMYK_SRGB;
