/**
 * Squoosh's resize module (Lanczos-3), apart from the codecs' so that only the
 * Worker that upscales (AI fix jobs, src/fixes/upscale.ts) uploads it.
 */
// @ts-expect-error: the package types this file as raw exports; CompiledWasm gives the module as default.
import RESIZE from "@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm";

export const RESIZE_WASM = RESIZE as WebAssembly.Module;
