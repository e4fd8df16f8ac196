// Shared by the peer processes: each peer runs in a Node process of its own
// (started by bench/lib/peers.mjs) so that the memory it reports is its own.
// Protocol: one JSON argument in, one JSON line out on stdout.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** VmRSS and VmHWM of this process in MB (the kernel's resident-set high-water mark). */
export function ownMemory() {
  const status = readFileSync("/proc/self/status", "utf8");
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMB: kb("VmRSS") / 1024, hwmMB: kb("VmHWM") / 1024 };
}

export const outputName = (tool, file) => `${tool}-${path.basename(file).replace(/\.[^.]+$/, "")}.png`;

/**
 * The same protocol as the API bench: one warm-up image (first-call costs
 * such as session creation are not an image's latency), the resident set
 * before the measured runs, then `runs` times the measured image and the
 * high-water mark after them; `extra` images are processed afterwards (for
 * quality only), so they cannot raise the measured peak.
 * `removeBackground(file)` returns the PNG bytes.
 */
export async function measure(tool, removeBackground, { warmup, image, runs, outDir, extra = [] }) {
  mkdirSync(outDir, { recursive: true });
  const started = performance.now();
  await removeBackground(warmup);
  const warmupMs = performance.now() - started;
  const idle = ownMemory();
  const times = [];
  let png;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    png = await removeBackground(image);
    times.push(performance.now() - t0);
  }
  const peak = ownMemory();
  const outputs = { [image]: path.join(outDir, outputName(tool, image)) };
  writeFileSync(outputs[image], png);
  for (const file of extra) {
    outputs[file] = path.join(outDir, outputName(tool, file));
    writeFileSync(outputs[file], await removeBackground(file));
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    tool,
    warmupMs: Math.round(warmupMs),
    timesMs: times.map(Math.round),
    medianMs: Math.round(sorted[Math.floor(sorted.length / 2)]),
    idleRssMB: Math.round(idle.rssMB),
    peakMB: Math.round(peak.hwmMB),
    outputs,
  };
}

export async function runChild(main) {
  try {
    const result = await main(JSON.parse(process.argv[2]));
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (error) {
    console.error(error?.stack ?? error);
    process.exitCode = 1;
  }
}
