// CPU time as the kernel accounts it. On a machine shared with other work,
// wall-clock times stretch with the load while the CPU a piece of work
// needs stays put, so the bench reports both.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
/** The resolution of processCpuMs and childrenCpuMs. */
export const CPU_TICK_MS = 1000 / TICKS_PER_SECOND;

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces). */
function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** User + system CPU of a process, all its threads, in ms (resolution 1 / CLK_TCK). */
export function processCpuMs(pid) {
  const f = statFields(pid);
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND;
}

/** User + system CPU of this process's children that have been waited for (e.g. by spawnSync), in ms. */
export function childrenCpuMs() {
  const f = statFields("self");
  return ((Number(f[13]) + Number(f[14])) * 1000) / TICKS_PER_SECOND;
}
