import { env } from "cloudflare:workers";
import { inject } from "vitest";

/**
 * onnxruntime-web's WebAssembly module for the workers tests, in place of
 * the bundled import in wasm/onnxruntime.ts (vitest.config.ts aliases it
 * here). The test runtime loads every module through vitest-pool-workers'
 * module fallback, which answers a .wasm file as JSON with each byte a
 * number (`Array.from`): for ORT's 14 MB that was 5 s in Node and about
 * 16 s in all before the first segmentation of every test file, on an
 * idle machine, and much more with two files starting at once. Deployed and
 * under `wrangler dev` the module comes precompiled with the bundle and none
 * of this applies. Here the same file is fetched from the fixture server and
 * compiled by workerd (V8's WasmModuleObject::Compile, as for a bundled
 * module) through the test runtime's eval binding, which vitest-pool-workers
 * gives its runner; well under a second.
 */
const unsafeEval = (env as unknown as Record<string, { newWasmModule(bytes: Uint8Array): WebAssembly.Module } | undefined>).__VITEST_POOL_WORKERS_UNSAFE_EVAL;
if (!unsafeEval) throw new Error("the workers test runtime has no eval binding (vitest-pool-workers changed?)");
const res = await fetch(`${inject("fixtureBaseUrl")}/ort-wasm`);
if (!res.ok) throw new Error(`onnxruntime wasm from the fixture server: ${res.status}`);
const module: WebAssembly.Module = unsafeEval.newWasmModule(new Uint8Array(await res.arrayBuffer()));
export default module;
