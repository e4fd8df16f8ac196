// The API side of the background-removal bench: jobs through the real API
// and consumer under `wrangler dev`, one fresh server per size so that each
// size's memory high-water mark is its own.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { withApiServer, withBenchContext } from "../lib/api-server.mjs";
import { api, download, memoryOf } from "../lib/servers.mjs";
import { median } from "../lib/stats.mjs";

// Raised so that every size can be measured; the report says which sizes the
// service refuses by default.
const BENCH_VARS = {
  BG_REMOVE_MAX_PIXELS: "40000000",
  MAX_SOURCE_BYTES: String(100 * 1024 * 1024),
  RATE_LIMIT_PER_MINUTE: "100000",
  FETCH_TIMEOUT_MS: "60000",
};

/**
 * One job, create → completed or failed as a client polling every 100 ms
 * sees it. Polling stops after `timeoutMs`: a caller that gave up on the job
 * earlier would otherwise leave it polling a stopped server for good.
 */
export async function runBgRemovalJob(base, token, imageUrl, { timeoutMs = 30 * 60_000, options = { subject_type: "auto" } } = {}) {
  const started = performance.now();
  const created = await api(base, "/v1/services/bg-remove", { token, body: { image_url: imageUrl, ...options } });
  if (created.status !== 202) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    // A poll that stalls locally is dropped and the next one asked; polls change nothing.
    const job = await api(base, `/v1/services/bg-remove/${created.body.job_id}`, { token, timeoutMs: 10_000 }).catch(() => null);
    if (job?.body?.status === "completed" || job?.body?.status === "failed") return { ms: performance.now() - started, job: job.body };
    if (performance.now() - started > timeoutMs) throw new Error(`job ${created.body.job_id} did not finish within ${timeoutMs / 1000} s`);
  }
}

/**
 * What the consumer itself spent on each job (decode, model, matte, encode,
 * store), from the job rows in local D1: the API does not publish it, and it
 * separates the work from queue delivery and polling.
 */
function consumerTimings(projectDir, stateDir, jobIds) {
  const wrangler = path.join(projectDir, "node_modules", "wrangler", "bin", "wrangler.js");
  const ids = jobIds.map((id) => `'${id.replaceAll("'", "")}'`).join(",");
  const out = spawnSync(
    process.execPath,
    [wrangler, "d1", "execute", "DB", "--local", "--persist-to", stateDir, "--json", "--command", `SELECT id, result FROM jobs WHERE id IN (${ids})`],
    { cwd: projectDir, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" }, encoding: "utf8" },
  );
  try {
    const rows = JSON.parse(out.stdout)[0].results;
    return Object.fromEntries(rows.map((r) => [r.id, JSON.parse(r.result ?? "{}").timings ?? null]));
  } catch {
    // Only the "consumer" figure depends on it; the table then shows end-to-end time alone.
    return {};
  }
}

const sum = (timings) => (timings ? Object.values(timings).reduce((a, b) => a + b, 0) : null);

/**
 * For each image (all on one snapshot of the project's files): a fresh
 * server, a warm-up job on `warmup` (ORT initialised, codecs instantiated),
 * the workerd runtime's resident set, `runs` jobs, its high-water mark.
 * The last output is downloaded for the quality check; `extra` photos go
 * through the first server after its measurement.
 */
export async function measureApi({ images, warmup, extra = [], runs, imagesDir, outDir }) {
  mkdirSync(outDir, { recursive: true });
  const results = [];
  const extraOutputs = {};
  const extraFailures = {};
  const outputOf = (file) => path.join(outDir, `api-${path.basename(file).replace(/\.[^.]+$/, "")}.png`);
  await withBenchContext({ name: "bg", filesDir: imagesDir, vars: BENCH_VARS }, async (context) => {
    for (const [i, image] of images.entries()) {
      const jobIds = [];
      const result = await withApiServer(context, async ({ base, token, pid, url }) => {
        await runBgRemovalJob(base, token, url(warmup));
        const before = memoryOf(pid);
        const times = [];
        let last;
        for (let r = 0; r < runs; r++) {
          last = await runBgRemovalJob(base, token, url(image.file));
          times.push(last.ms);
          jobIds.push(last.job.job_id);
        }
        const after = memoryOf(pid);
        const output = outputOf(image.file);
        if (last.job.status === "completed") await download(last.job.output_url, output);
        if (i === 0) {
          for (const file of extra) {
            const job = await runBgRemovalJob(base, token, url(file));
            // A photo the service fails on is a finding of the run: the quality table says so.
            if (job.job.status !== "completed") {
              extraFailures[file] = `${job.job.status}: ${job.job.error_message}`;
              console.log(`bench: background removal of ${path.basename(file)} ${extraFailures[file]}`);
              continue;
            }
            extraOutputs[file] = outputOf(file);
            await download(job.job.output_url, extraOutputs[file]);
          }
        }
        return {
          image,
          status: last.job.status,
          error: last.job.error_message,
          timesMs: times.map(Math.round),
          medianMs: Math.round(median(times)),
          idleRssMB: Math.round(before.rssMB),
          peakMB: Math.round(after.hwmMB),
          output: last.job.status === "completed" ? output : null,
        };
      });
      // Read once the server has stopped: the local database is then the bench's alone.
      const timings = consumerTimings(context.projectDir, context.stateDir, jobIds);
      const consumerMs = jobIds.map((id) => sum(timings[id])).filter((ms) => ms !== null);
      result.consumerMedianMs = consumerMs.length ? median(consumerMs) : null;
      result.consumerTimings = timings[jobIds.at(-1)] ?? null;
      results.push(result);
      console.log(`api ${image.mp} MP: ${JSON.stringify({ ...result, image: undefined })}`);
    }
  });
  return { results, extraOutputs, extraFailures };
}
