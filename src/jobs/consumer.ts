import type { Env } from "../platform/env";
import { INTERNAL_FAILURE_MESSAGE, JobInputError } from "./errors";
import { isFinal, type JobKind } from "./lifecycle";
import { DEAD_LETTER_QUEUE, firstStage, isStageOf, JobMessage, MAX_JOB_ATTEMPTS, queueFor } from "./queue";
import { completeJob, deleteJobFiles, failJob, REFUNDED_BEFORE_DONE, type JobOutput } from "./settle";
import { holdOf } from "../wallet/wallet";
import { findJob, markFailed, markRunning, type Job } from "./store";

/** A step's work is done and handed over (in R2); the job goes on with `next`, on that step's queue. */
export interface NextStage {
  next: string;
}

/**
 * Does a kind's work, or a step of it: the last step stores the output in R2
 * and returns it, an earlier one returns the next step. Throws JobInputError
 * for bad input.
 */
export type JobProcessor = (env: Env, job: Job) => Promise<JobOutput | NextStage>;
/**
 * The kinds and steps one consumer Worker runs, by kind ("ai_fix") or by
 * kind and step ("bg_remove:segment"). Each Worker names only its own
 * (src/consumers/), so its bundle holds their code alone: the model runtime
 * is in the model Worker and nowhere else.
 */
export type JobProcessors = Partial<Record<JobKind | `${JobKind}:${string}`, JobProcessor>>;

/** The processor for a message's kind and step, if this Worker runs it. */
export function processorFor(processors: JobProcessors, kind: JobKind, stage: string | undefined): JobProcessor | undefined {
  return processors[`${kind}:${stage ?? firstStage(kind)}`] ?? (stage === undefined ? processors[kind] : undefined);
}

/** Retry delays double per attempt: 2, 4, 8 s. */
export function retryDelaySeconds(attempts: number): number {
  return 2 ** Math.max(1, attempts);
}

/**
 * Jobs run one at a time per isolate. The runtime may hand one isolate
 * several queue batches at once, but each job is sized to have the isolate's
 * 128 MB to itself (docs/background-removal.md, "Speed and memory"), and the decoder instance and
 * model session it reuses serve one image at a time. A waiting job costs no
 * CPU; its row already says it is running.
 */
let isolateTurn: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const turn = isolateTurn.then(work);
  isolateTurn = turn.catch(() => undefined);
  return turn;
}

/**
 * Runs one delivery of a job message. Duplicate deliveries are harmless: a
 * finished job is skipped, and two deliveries running at once end the job
 * once because the wallet hold decides (src/jobs/settle.ts). Returns what
 * happened, for the delivery's log line.
 */
async function runJob(env: Env, processors: JobProcessors, message: JobMessage): Promise<string> {
  const job = await findJob(env, message.jobId);
  if (!job || isFinal(job.status)) return SKIPPED;
  // Work is only done for tokens on hold: a job whose hold was refunded (at
  // its deadline, or by a racing failure) ends failed without running.
  const hold = await holdOf(env, job.accountId, job.id);
  if (!hold) {
    await markFailed(env, job, REFUNDED_BEFORE_DONE);
    return "job failed: it has no hold";
  }
  if (hold.state !== "held") {
    // Refunded: failed. Captured (a delivery died after settling): completed from its stored output.
    await failJob(env, job, REFUNDED_BEFORE_DONE);
    return `job ${(await findJob(env, job.id))?.status ?? "gone"} without running: its hold was ${hold.state}`;
  }
  const processor = isStageOf(job.kind, message.stage ?? firstStage(job.kind)) ? processorFor(processors, job.kind, message.stage) : undefined;
  // Each step has its queue (queueFor), so this is a misrouted message: it is
  // retried like any failure and in the end fails and refunds the job.
  if (!processor) throw new Error(`this Worker does not run ${job.kind} jobs${message.stage ? ` (step ${message.stage})` : ""}`);
  const running = await markRunning(env, job);
  if (!running) return SKIPPED;
  const started = Date.now();
  const output = await oneAtATime(() => processor(env, running));
  if ("next" in output) {
    // Ended meanwhile (refunded by a dead letter or the deadline): what this step handed on is of no use.
    const now = await findJob(env, job.id);
    if (!now || isFinal(now.status)) {
      await deleteJobFiles(env, job);
      return `job ${now?.status ?? "gone"} meanwhile; its step ${message.stage ?? firstStage(job.kind)} was discarded`;
    }
    // A failed send is retried with this step, which redoes its work (steps overwrite their R2 files).
    await queueFor(env, job.kind, output.next).send({ jobId: job.id, accountId: job.accountId, kind: job.kind, stage: output.next });
    return `${message.stage ?? firstStage(job.kind)} done and ${output.next} queued in ${Date.now() - started} ms`;
  }
  const ended = await completeJob(env, running, output);
  return `job ${ended.status} in ${Date.now() - started} ms`;
}

const SKIPPED = "skipped, the job had already ended";

/** Fails and refunds the job unless it has ended; says how it ended, for the delivery's log line. */
async function failById(env: Env, jobId: string, errorMessage: string): Promise<string> {
  const job = await findJob(env, jobId);
  if (!job || isFinal(job.status)) return SKIPPED;
  await failJob(env, job, errorMessage);
  // Usually failed; completed if a live delivery captured the hold first (failJob then completes it).
  return `job ${(await findJob(env, jobId))?.status ?? "gone"}`;
}

/**
 * The start of a delivery's log line. Both consumer Workers run this code,
 * so the line names the Worker (WORKER_NAME, set in each consumer's wrangler
 * config) as well as the queue: which Worker ran which job is then in the
 * logs, e.g. "[printcart-ai-fix-consumer] job job_… (ai_fix), delivery 1
 * from printcart-fix-jobs: job completed in 840 ms".
 */
export function deliveryLabel(env: Pick<Env, "WORKER_NAME">, queue: string, job: JobMessage, attempts: number): string {
  return `[${env.WORKER_NAME?.trim() || "consumer"}] job ${job.jobId} (${job.kind}${job.stage ? ` ${job.stage}` : ""}), delivery ${attempts} from ${queue}`;
}

export function createJobConsumer(processors: JobProcessors) {
  return async function consume(batch: MessageBatch<unknown>, env: Env): Promise<void> {
    for (const message of batch.messages) {
      const parsed = JobMessage.safeParse(message.body);
      if (!parsed.success) {
        // Nothing can be done with a message we did not write; keep it out of the way.
        console.error("job queue: dropping a malformed message", JSON.stringify(message.body).slice(0, 200));
        message.ack();
        continue;
      }
      const { jobId } = parsed.data;
      const label = deliveryLabel(env, batch.queue, parsed.data, message.attempts);
      try {
        // A dead letter: every delivery crashed or timed out, so the job fails and is refunded.
        const outcome =
          batch.queue === DEAD_LETTER_QUEUE ? await failById(env, jobId, INTERNAL_FAILURE_MESSAGE) : await runJob(env, processors, parsed.data);
        message.ack();
        console.log(`${label}: ${outcome}`);
      } catch (error) {
        if (error instanceof JobInputError) {
          await failById(env, jobId, error.message).then(
            (outcome) => {
              message.ack();
              console.log(`${label}: ${outcome}: ${error.message}`);
            },
            () => message.retry({ delaySeconds: retryDelaySeconds(message.attempts) }),
          );
        } else if (message.attempts >= MAX_JOB_ATTEMPTS && batch.queue !== DEAD_LETTER_QUEUE) {
          console.error(`${label}: failed, giving up`, error);
          await failById(env, jobId, INTERNAL_FAILURE_MESSAGE).then(
            () => message.ack(),
            () => message.retry(), // cannot even record the failure: the dead-letter queue will
          );
        } else {
          const delay = retryDelaySeconds(message.attempts);
          console.error(`${label}: failed, retrying in ${delay} s`, error);
          message.retry({ delaySeconds: delay });
        }
      }
    }
  };
}

/** A consumer Worker's handlers: its queues' jobs, and a 404 for any HTTP request. */
export function consumerWorker(processors: JobProcessors) {
  const consumeJobs = createJobConsumer(processors);
  return {
    async fetch() {
      return Response.json({ error: "NOT_FOUND", message: "This Worker only consumes the job queue." }, { status: 404 });
    },
    queue: (batch, env) => consumeJobs(batch, env),
  } satisfies ExportedHandler<Env>;
}
