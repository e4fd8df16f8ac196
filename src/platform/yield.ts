/**
 * Lets the runtime serve other work between long CPU-bound steps of a job.
 * Locally, `wrangler dev` runs every Worker on one thread, and a request
 * that waits behind many seconds of uninterrupted CPU can stall in its local
 * proxy; in production it keeps a job's isolate responsive to its own I/O.
 */
export function yieldToRuntime(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
