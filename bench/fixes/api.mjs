// The API side of the fix bench: a preflight report, then AI fix jobs from
// it through the real API and consumer under `wrangler dev`.
import { runCheck } from "../preflight/api.mjs";
import { processCpuMs } from "../lib/cpu.mjs";
import { resetPeak } from "../lib/memory.mjs";
import { api, download, memoryOf } from "../lib/servers.mjs";
import { median } from "../lib/stats.mjs";

/** A report of the file (the job starts from the copy the check stored in R2). */
export async function reportOf(base, token, fileUrl, kind) {
  const { report } = await runCheck(base, token, fileUrl, kind);
  return report.reportId;
}

/**
 * One job, create → completed as a polling client sees it. Polls are 200 ms
 * apart: each is an API request that shares the thread with the job under
 * `wrangler dev`, so polling much faster would slow the job it measures. A
 * poll that stalls in wrangler's local proxy is dropped and the next one
 * asked; polls change nothing.
 */
export async function runFixJob(base, token, reportId, fixTypes, { timeoutMs = 30 * 60_000 } = {}) {
  const started = performance.now();
  const created = await api(base, "/v1/services/preflight/ai-jobs", { token, body: { preflightReportId: reportId, options: { fixTypes } } });
  if (created.status !== 202) throw new Error(`create ${fixTypes}: ${created.status} ${JSON.stringify(created.body)}`);
  const jobId = created.body.data.jobId;
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    const job = await api(base, `/v1/services/preflight/ai-jobs/${jobId}`, { token, timeoutMs: 15_000 }).catch(() => null);
    const data = job?.body?.data;
    if (data?.status === "completed" || data?.status === "failed") {
      const ms = performance.now() - started;
      const timings = data.result?.timings ?? {};
      return {
        ms,
        job: data,
        // The server's own clock: creation to completion without the client's polling granularity.
        serverMs: data.completedAt ? Date.parse(data.completedAt) - Date.parse(data.createdAt) : null,
        // What the consumer spent on the file itself (decode, fixes, encode, R2 writes).
        processingMs: Object.values(timings).reduce((a, b) => a + b, 0) || null,
      };
    }
    if (performance.now() - started > timeoutMs) throw new Error(`job ${jobId} (${fixTypes}) did not finish within ${timeoutMs / 1000} s`);
  }
}

/**
 * `runs` jobs of one kind on one report, with the workerd runtime's
 * high-water mark reset before them, so the peak is these jobs'. `cpuMs` is
 * the workerd process's CPU per job, polls included. The last output is
 * downloaded to `outputFile` when given.
 */
export async function measureFixJobs({ base, token, pid, reportId, fixTypes, runs, outputFile }) {
  const rssBefore = resetPeak(pid);
  const results = [];
  for (let r = 0; r < runs; r++) {
    const cpuBefore = processCpuMs(pid);
    const result = await runFixJob(base, token, reportId, fixTypes);
    results.push({ ...result, cpuMs: processCpuMs(pid) - cpuBefore });
  }
  const after = memoryOf(pid);
  const last = results.at(-1);
  if (last.job.status !== "completed") return { status: last.job.status, error: last.job.errorMessage, rssBeforeMB: Math.round(rssBefore), peakMB: Math.round(after.hwmMB) };
  if (outputFile) await download(last.job.correctedFileUrl, outputFile, { timeoutMs: 600_000 });
  const pick = (key) => results.map((x) => x[key]).filter((v) => v !== null);
  return {
    status: "completed",
    timesMs: results.map((x) => Math.round(x.ms)),
    medianMs: Math.round(median(results.map((x) => x.ms))),
    cpuMs: Math.round(median(results.map((x) => x.cpuMs))),
    serverMedianMs: pick("serverMs").length ? Math.round(median(pick("serverMs"))) : null,
    processingMedianMs: pick("processingMs").length ? Math.round(median(pick("processingMs"))) : null,
    // Each step's median over the runs, so the parts add up to about the median whole.
    timings: Object.fromEntries(Object.keys(last.job.result.timings ?? {}).map((k) => [k, median(results.map((x) => x.job.result?.timings?.[k] ?? 0))])),
    result: { ...last.job.result, timings: undefined },
    tokensCharged: last.job.tokensCharged,
    rssBeforeMB: Math.round(rssBefore),
    peakMB: Math.round(after.hwmMB),
    output: outputFile ?? null,
  };
}
