// Project modules bundled for Node, so a benchmark can run the Workers' code
// (wasm included) in a plain Node process beside a native peer.
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..", "..");

/**
 * Bundles `modules` (paths under the project root) into one ESM file at
 * `outfile`, every export re-exported; `.wasm` imports become compiled
 * modules, which is what CompiledWasm gives a Worker.
 */
export async function bundleForNode(modules, outfile) {
  const { build } = await import(path.join(root, "node_modules/esbuild/lib/main.js"));
  await build({
    stdin: { contents: modules.map((m) => `export * from ${JSON.stringify(`./${m}`)};`).join("\n"), resolveDir: root, loader: "ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    logLevel: "warning",
    plugins: [
      {
        name: "wasm-module",
        setup(b) {
          b.onResolve({ filter: /\.wasm$/ }, (args) => ({
            path: args.path.startsWith(".") ? path.resolve(args.resolveDir, args.path) : path.join(root, "node_modules", args.path),
            namespace: "wasm-module",
          }));
          b.onLoad({ filter: /.*/, namespace: "wasm-module" }, (args) => ({
            contents: `import { readFileSync } from "node:fs"; export default new WebAssembly.Module(readFileSync(${JSON.stringify(args.path)}));`,
            loader: "js",
          }));
        },
      },
    ],
  });
  return outfile;
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
