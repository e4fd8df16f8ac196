import { z } from "zod";
import { JOB_KINDS } from "./lifecycle";

/** The body of a job message on the JOBS queue (and its dead-letter queue). */
export const JobMessage = z.object({
  jobId: z.string().min(1).max(64),
  accountId: z.string().min(1).max(64),
  kind: z.enum(JOB_KINDS),
});
export type JobMessage = z.infer<typeof JobMessage>;

/** Deliveries of one message before it goes to the dead-letter queue (wrangler.toml max_retries + 1). */
export const MAX_JOB_ATTEMPTS = 4;

export const DEAD_LETTER_QUEUE = "printcart-jobs-dlq";
