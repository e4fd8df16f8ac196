// The band decoders' standalone benches (bench/jpeg-bands.mjs,
// bench/png-bands.mjs, bench/tiff-bands.mjs) as sections of
// bench/RESULTS.md: each runs as its own process, as it does alone, and its
// printed tables become the section.
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

function runScript(script) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "bench", script)], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited ${code}: ${err.slice(-2000)}`))));
  });
}

const section = (title, script, what) => async () => {
  const load = os.loadavg()[0];
  const started = performance.now();
  // A failed bench is a finding of the run, not a reason to lose the others.
  const out = await runScript(script).catch((error) => `**Failed:** ${error.message}`);
  const body = out
    .split("\n")
    .filter((line) => !line.startsWith("{") && !line.startsWith("bench:"))
    .join("\n")
    .trim();
  return `## ${title}

${what} Output of \`node bench/${script}\` (see its header for how it measures),
run in ${((performance.now() - started) / 60_000).toFixed(1)} min; load average (1 min) ${load.toFixed(1)} at its start.

${body}
`;
};

export const jpegBandsSection = section("Decode speed: JPEG bands vs jSquash", "jpeg-bands.mjs", "src/imaging/jpeg-bands.ts (libjpeg-turbo wasm, upright RGBA bands) against jSquash's mozjpeg whole-frame decode, CPU time.");
export const pngBandsSection = section("Decode speed: PNG bands", "png-bands.mjs", "src/imaging/png-bands.ts (row-streaming) against sharp and the whole-frame decodePng.");
export const tiffBandsSection = section("Decode speed: TIFF bands", "tiff-bands.mjs", "src/imaging/tiff-bands.ts against ImageMagick on one thread.");
