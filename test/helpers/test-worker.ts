// The Worker the tests run: the API's fetch, scheduled and queue handlers and
// Durable Objects, with both consumer Workers' queue handlers, so jobs
// created through the API are consumed in the same test runtime by the real
// consumer code. Each queue goes to the Worker whose wrangler config
// consumes it.
import bgRemovalConsumer, { MODEL_WORKER_STEPS } from "../../src/consumers/bg-removal";
import fixesConsumer, { IMAGE_WORKER_STEPS } from "../../src/consumers/fixes";
import api from "../../src/index";
import type { Env } from "../../src/platform/env";
import { WEBHOOK_QUEUE } from "../../src/webhooks/deliver";
import { withFaultSwitch } from "../reliability/fault-switch";

export { AccountWallet, Throttle } from "../../src/index";

// Each consumer's queue handler as it is, except for jobs whose source URL
// asks for an injected fault (reliability suite), with the fault applied to
// the kinds that Worker runs (as its entry maps them). Never deployed.
const bgRemovalQueue = withFaultSwitch(bgRemovalConsumer.queue, MODEL_WORKER_STEPS);
const fixesQueue = withFaultSwitch(fixesConsumer.queue, IMAGE_WORKER_STEPS);

/** As the wrangler configs assign the queues (vitest.config.ts declares them). */
const QUEUE_WORKERS: Record<string, (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => Promise<void>> = {
  "printcart-jobs": bgRemovalQueue,
  "printcart-jobs-dlq": bgRemovalQueue,
  "printcart-fix-jobs": fixesQueue,
  [WEBHOOK_QUEUE]: (batch, env) => api.queue(batch, env),
};

export default {
  fetch: api.fetch,
  scheduled: api.scheduled,
  async queue(batch, env, ctx) {
    const queue = QUEUE_WORKERS[batch.queue];
    if (!queue) throw new Error(`no Worker consumes ${batch.queue}`);
    return queue(batch, env, ctx);
  },
} satisfies ExportedHandler<Env>;
