// The API side of the preflight bench: full checks through the real API
// Worker under `wrangler dev`, the file fetched from a local file server.
import path from "node:path";
import { processCpuMs } from "../lib/cpu.mjs";
import { resetPeak } from "../lib/memory.mjs";
import { api, memoryOf } from "../lib/servers.mjs";
import { median } from "../lib/stats.mjs";

/** What the checks ask for: a 300 dpi print with 3 mm bleed, on the PDFs' trim size or a 12×8 in photo print. */
export function checkBody(fileUrl, kind) {
  return {
    designId: `bench-${path.basename(fileUrl)}`,
    fileUrl,
    productProfile: { requiredDpi: 300, bleedMm: 3 },
    ...(kind === "pdf" ? { canvasWidthInches: 8.5, canvasHeightInches: 11 } : { canvasWidthInches: 12, canvasHeightInches: 8 }),
  };
}

/**
 * Check requests that had no answer and were asked again; the section
 * reports the count. A check takes seconds at most, so two minutes without
 * an answer is a request stalled in the local server, not a slow check. A
 * stall once cost a whole bench run: the local workerd had wedged for good
 * in a GC (one core busy, /v1/health unanswered too), which
 * scripts/workerd-with-v8-flags.sh explains and prevents; asking again
 * could not help with that one.
 */
export const stalls = { count: 0 };
const CHECK_TIMEOUT_MS = 120_000;
const CHECK_ATTEMPTS = 3;

export async function runCheck(base, token, fileUrl, kind) {
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    let res;
    try {
      res = await api(base, "/v1/services/preflight/checks", { token, body: checkBody(fileUrl, kind), timeoutMs: CHECK_TIMEOUT_MS });
    } catch (error) {
      if (attempt >= CHECK_ATTEMPTS || !/no answer within/.test(error.message)) throw error;
      stalls.count++;
      console.log(`bench: check of ${path.basename(fileUrl)} had no answer in ${CHECK_TIMEOUT_MS / 1000} s; asking again`);
      continue;
    }
    const ms = performance.now() - started;
    if (res.status !== 201) throw new Error(`check ${fileUrl}: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
    return { ms, report: res.body.data };
  }
}

/**
 * The codes a report raised and how often, e.g. "MISSING_BLEED ×200". A
 * report lists at most 50 issues of one code and then one that counts the
 * rest (`details.more`), which is added back here.
 */
export function issueSummary(report) {
  const counts = new Map();
  for (const i of report.issues) counts.set(i.code, (counts.get(i.code) ?? 0) + (typeof i.details?.more === "number" ? i.details.more : 1));
  return [...counts].map(([code, n]) => (n > 1 ? `${code} ×${n}` : code)).join(", ");
}

/**
 * One file: a warm-up check (not counted; it also warms the file server's
 * page cache), then `runs` checks with the workerd runtime's high-water mark
 * reset before them, so the peak is this file's. `cpuMs` is the workerd
 * process's CPU per check (every Worker, D1, R2 and the Durable Object run
 * in it; nothing else is asked of it meanwhile).
 */
export async function measureChecks({ base, token, pid, fileUrl, kind, runs }) {
  await runCheck(base, token, fileUrl, kind);
  const before = resetPeak(pid);
  const times = [];
  const cpu = [];
  let last;
  for (let r = 0; r < runs; r++) {
    const cpuBefore = processCpuMs(pid);
    last = await runCheck(base, token, fileUrl, kind);
    cpu.push(processCpuMs(pid) - cpuBefore);
    times.push(last.ms);
  }
  const after = memoryOf(pid);
  return {
    timesMs: times.map(Math.round),
    medianMs: Math.round(median(times)),
    cpuMs: Math.round(median(cpu)),
    rssBeforeMB: Math.round(before),
    peakMB: Math.round(after.hwmMB),
    status: last.report.status,
    issues: issueSummary(last.report),
  };
}
