// The command-line tools a print shop would run instead of a full check,
// timed as a caller sees them (process start included) on the same files.
import { spawnSync } from "node:child_process";
import { childrenCpuMs } from "../lib/cpu.mjs";
import { median } from "../lib/stats.mjs";
import { ensureTools } from "../lib/system-tools.mjs";

function timed(command, args) {
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")}: exit ${result.status}\n${result.stderr}`);
  return { ms, stdout: result.stdout };
}

/**
 * What a PDF check covers, from poppler: page boxes of every page
 * (`pdfinfo -box` reads only page 1 unless given the range), the fonts
 * with their embedding, and every placed image with its ppi.
 */
export const POPPLER_COMMANDS = (file, pages) => [
  ["pdfinfo", ["-box", "-f", "1", "-l", String(pages), file]],
  ["pdffonts", [file]],
  ["pdfimages", ["-list", file]],
];

/**
 * The facts a raster check reports, from ImageMagick: size, depth, colour
 * space, type (palette, grey, alpha), resolution and its unit, orientation,
 * ICC profile and whether alpha is really used (%[opaque] and %[type] read
 * every pixel, as the check's transparency test does). No sharpness measure:
 * identify has none that matches.
 */
export const IDENTIFY_FORMAT = "%w %h %z %[colorspace] %[type] %x %y %U %[orientation] %[opaque] %[profile:icc]\\n";
export const IDENTIFY_COMMANDS = {
  verbose: (file) => [["identify", ["-verbose", file]]],
  format: (file) => [["identify", ["-format", IDENTIFY_FORMAT, file]]],
};

/**
 * Median over `runs` of the commands run one after another, wall clock and
 * the CPU the processes used; the first run is a warm-up (page cache, shared
 * libraries) and not counted.
 */
export function timeCommands(commands, runs) {
  ensureTools(commands.map(([command]) => command));
  for (const [command, args] of commands) timed(command, args);
  const totals = [];
  const cpu = [];
  const each = commands.map(() => []);
  for (let r = 0; r < runs; r++) {
    let total = 0;
    const cpuBefore = childrenCpuMs();
    commands.forEach(([command, args], i) => {
      const { ms } = timed(command, args);
      each[i].push(ms);
      total += ms;
    });
    cpu.push(childrenCpuMs() - cpuBefore);
    totals.push(total);
  }
  return { medianMs: Math.round(median(totals)), cpuMs: Math.round(median(cpu)), eachMs: each.map((ms) => Math.round(median(ms))) };
}
