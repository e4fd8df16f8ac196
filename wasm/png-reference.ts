/**
 * Squoosh's PNG codec: the reference decoder the tests compare
 * src/imaging/png-decode.ts with. No Worker imports it (the Workers' PNG
 * decoding and encoding are in JS), so none uploads it.
 */
// @ts-expect-error: the package types this file as raw exports; CompiledWasm gives the module as default.
import PNG from "@jsquash/png/codec/pkg/squoosh_png_bg.wasm";

export const PNG_WASM = PNG as WebAssembly.Module;
