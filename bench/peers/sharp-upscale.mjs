#!/usr/bin/env node
// sharp (libvips) doing what an upscale fix job does: Lanczos-3 to exactly
// factor × each side, PNG out; what a Node user writes for the same fix.
// Timed around that call (wall clock and this process's CPU); the peak is
// this process's VmHWM, "idle" its resident set once sharp is loaded.
import { statSync } from "node:fs";
import sharp from "sharp";
import { ownMemory, runChild } from "./child.mjs";

await runChild(async ({ source, output, width, height, factor, png = {} }) => {
  const idle = ownMemory();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await sharp(source).resize(width * factor, height * factor, { kernel: "lanczos3" }).png(png).toFile(output);
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    ms: Math.round(ms),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    idleRssMB: Math.round(idle.rssMB),
    peakMB: Math.round(ownMemory().hwmMB),
    bytes: statSync(output).size,
    threads: sharp.concurrency(),
  };
});
