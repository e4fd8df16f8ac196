// Per-phase peak memory of a long-lived process.
import { writeFileSync } from "node:fs";
import { memoryOf } from "./servers.mjs";

/**
 * Resets the kernel's resident-set high-water mark (VmHWM) of `pid` to its
 * current resident set (Linux ≥ 4.0, clear_refs value 5), so that one server
 * can report a separate peak for each file or job size instead of the
 * largest since it started. Returns the resident set at the reset.
 */
export function resetPeak(pid) {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
  return memoryOf(pid).rssMB;
}
