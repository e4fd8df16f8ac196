import type { Env } from "../platform/env";
import { INTERNAL_FAILURE_MESSAGE, JobInputError } from "./errors";
import { isFinal, type JobKind } from "./lifecycle";
import { DEAD_LETTER_QUEUE, JobMessage, MAX_JOB_ATTEMPTS } from "./queue";
import { completeJob, failJob, REFUNDED_BEFORE_DONE, type JobOutput } from "./settle";
import { holdOf } from "../wallet/wallet";
import { findJob, markFailed, markRunning, type Job } from "./store";

/** Does a kind's work and stores its output in R2. Throws JobInputError for bad input. */
export type JobProcessor = (env: Env, job: Job) => Promise<JobOutput>;
export type JobProcessors = Record<JobKind, JobProcessor>;

/** Retry delays double per attempt: 2, 4, 8 s. */
export function retryDelaySeconds(attempts: number): number {
  return 2 ** Math.max(1, attempts);
}

/**
 * Jobs run one at a time per isolate. The runtime may hand one isolate
 * several queue batches at once, but each job is sized to have the isolate's
 * 128 MB to itself (README "Speed and memory"), and the decoder instance and
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
 * once because the wallet hold decides (src/jobs/settle.ts).
 */
async function runJob(env: Env, processors: JobProcessors, message: JobMessage): Promise<void> {
  const job = await findJob(env, message.jobId);
  if (!job || isFinal(job.status)) return;
  // Work is only done for tokens on hold: a job whose hold was refunded (at
  // its deadline, or by a racing failure) ends failed without running.
  const hold = await holdOf(env, job.accountId, job.id);
  if (!hold) {
    await markFailed(env, job, REFUNDED_BEFORE_DONE);
    return;
  }
  if (hold.state !== "held") {
    // Refunded: failed. Captured (a delivery died after settling): completed from its stored output.
    await failJob(env, job, REFUNDED_BEFORE_DONE);
    return;
  }
  const running = await markRunning(env, job);
  if (!running) return;
  const output = await oneAtATime(() => processors[running.kind](env, running));
  await completeJob(env, running, output);
}

async function failById(env: Env, jobId: string, errorMessage: string): Promise<void> {
  const job = await findJob(env, jobId);
  if (job && !isFinal(job.status)) await failJob(env, job, errorMessage);
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
      try {
        if (batch.queue === DEAD_LETTER_QUEUE) {
          // Every delivery crashed or timed out: the job fails and is refunded.
          await failById(env, jobId, INTERNAL_FAILURE_MESSAGE);
        } else {
          await runJob(env, processors, parsed.data);
        }
        message.ack();
      } catch (error) {
        if (error instanceof JobInputError) {
          await failById(env, jobId, error.message).then(
            () => message.ack(),
            () => message.retry({ delaySeconds: retryDelaySeconds(message.attempts) }),
          );
        } else if (message.attempts >= MAX_JOB_ATTEMPTS && batch.queue !== DEAD_LETTER_QUEUE) {
          console.error(`job ${jobId}: attempt ${message.attempts} failed, giving up`, error);
          await failById(env, jobId, INTERNAL_FAILURE_MESSAGE).then(
            () => message.ack(),
            () => message.retry(), // cannot even record the failure: the dead-letter queue will
          );
        } else {
          console.error(`job ${jobId}: attempt ${message.attempts} failed, retrying`, error);
          message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
        }
      }
    }
  };
}
