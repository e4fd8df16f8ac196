// The reliability suite's fault switch: makes chosen jobs crash, die or lose
// their R2 writes, so test/reliability/faults.test.ts can check that every
// job still ends once and is paid for once.
//
// Production cannot turn it on: nothing in src/ imports this file. It is
// wired in only by test/helpers/test-worker.ts, the entry of the test
// runtime, and test/e2e/fault-consumer.ts, the e2e dev server's; neither is
// ever deployed (wrangler.toml builds src/index.ts, wrangler.consumer.toml
// and wrangler.fixes.toml build src/consumers/). A job asks for a fault
// through its source URL, and only a URL on the loopback fixture server
// counts; every other delivery goes to the production queue handler as it is.
import { createJobConsumer, type JobProcessor, type JobProcessors } from "../../src/jobs/consumer";
import { isFinal } from "../../src/jobs/lifecycle";
import { DEAD_LETTER_QUEUE, JobMessage } from "../../src/jobs/queue";
import { findJob, markRunning, type Job } from "../../src/jobs/store";
import type { Env } from "../../src/platform/env";

/**
 * - `crash-before`: the consumer has marked the job running, then throws before any work.
 * - `crash-after`: the job's work is done and its output stored in R2, then the
 *   consumer throws before the job is settled (the costliest moment to die).
 * - `r2-put`: every R2 write of the job fails (put and multipart uploads), as
 *   when R2 is unavailable; reads still work.
 * - `die`: the delivery marks the job running, then the whole queue handler
 *   throws without acknowledging anything, as when the isolate is killed; the
 *   queue redelivers, and after its retries moves the message to the
 *   dead-letter queue.
 */
export const FAULTS = ["crash-before", "crash-after", "r2-put", "die"] as const;
export type Fault = (typeof FAULTS)[number];

/** Adds a fault to a fixture-server URL: on the first `deliveries` deliveries of the job, or on all of them. */
export function withFault(url: string, fault: Fault, deliveries?: number): string {
  const marked = new URL(url);
  marked.searchParams.set("fault", fault);
  if (deliveries !== undefined) marked.searchParams.set("faultDeliveries", String(deliveries));
  return marked.toString();
}

const LOOPBACK = new Set(["127.0.0.1", "[::1]"]);

/** The fault a job's source URL asks for, and on how many deliveries; only URLs on the loopback fixture server count. */
function markerOf(job: Pick<Job, "sourceUrl">): { fault: Fault; deliveries: number } | null {
  let url: URL;
  try {
    url = new URL(job.sourceUrl);
  } catch {
    return null;
  }
  if (!LOOPBACK.has(url.hostname)) return null;
  const fault = url.searchParams.get("fault");
  if (!fault || !(FAULTS as readonly string[]).includes(fault)) return null;
  return { fault: fault as Fault, deliveries: Number(url.searchParams.get("faultDeliveries") ?? Infinity) };
}

/** The fault to inject on the job's `delivery`-th run (counted as the job's `attempts`), if any. */
function faultFor(job: Pick<Job, "sourceUrl">, delivery: number): Fault | null {
  const marker = markerOf(job);
  return marker && delivery <= marker.deliveries ? marker.fault : null;
}

/** Thrown by an injected fault; an ordinary Error, so the consumer treats it as transient and retries. */
export class InjectedFault extends Error {
  constructor(fault: Fault, jobId: string) {
    super(`injected fault "${fault}" in job ${jobId}`);
    this.name = "InjectedFault";
  }
}

/** The bucket with every write refused the way an unavailable R2 refuses it (a rejected promise). */
function failingWrites(bucket: R2Bucket, jobId: string): R2Bucket {
  const refuse = async () => {
    throw new InjectedFault("r2-put", jobId);
  };
  return new Proxy(bucket, {
    get(target, property) {
      if (property === "put" || property === "createMultipartUpload" || property === "resumeMultipartUpload") return refuse;
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function withFaults(processors: JobProcessors): JobProcessors {
  const wrap =
    (process: JobProcessor): JobProcessor =>
    async (env, job) => {
      // `job` is the running job: its attempts already count this delivery.
      const fault = faultFor(job, job.attempts);
      if (fault === "crash-before") throw new InjectedFault(fault, job.id);
      if (fault === "r2-put") return process({ ...env, FILES: failingWrites(env.FILES, job.id) }, job);
      const output = await process(env, job);
      if (fault === "crash-after") throw new InjectedFault(fault, job.id);
      return output;
    };
  return Object.fromEntries(Object.entries(processors).map(([name, process]) => [name, wrap(process!)]));
}

/** The unfinished jobs of a batch whose source URL carries a fault marker. A failed lookup counts as none. */
async function markedJobs(batch: MessageBatch<unknown>, env: Env): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const message of batch.messages) {
    const parsed = JobMessage.safeParse(message.body);
    if (!parsed.success) continue;
    const job = await findJob(env, parsed.data.jobId).catch(() => undefined);
    if (job && !isFinal(job.status) && markerOf(job)) jobs.push(job);
  }
  return jobs;
}

/**
 * Wraps a consumer Worker's production queue handler. Dead-letter deliveries
 * and batches without a marked job go to it unchanged; a batch with a marked
 * job runs through the same consumer (createJobConsumer) with the faults
 * applied to `processors`, the kinds that Worker runs (as its entry in
 * src/consumers/ maps them).
 */
export function withFaultSwitch(queue: (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => Promise<void>, processors: JobProcessors) {
  const consumeWithFaults = createJobConsumer(withFaults(processors));
  return async (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> => {
    if (batch.queue === DEAD_LETTER_QUEUE) return queue(batch, env, ctx);
    const marked = await markedJobs(batch, env);
    if (marked.length === 0) return queue(batch, env, ctx);
    for (const job of marked) {
      if (faultFor(job, job.attempts + 1) !== "die") continue;
      // What the consumer does first, so the job dies mid-run: marked running, its hold still held.
      await markRunning(env, job);
      throw new InjectedFault("die", job.id);
    }
    return consumeWithFaults(batch, env);
  };
}
