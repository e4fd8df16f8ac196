// The Worker the tests run: the API's fetch, scheduled and queue handlers and
// Durable Objects, with both consumer Workers' queue handlers, so jobs
// created through the API are consumed in the same test runtime by the real
// consumer code. Each queue goes to the Worker whose wrangler config
// consumes it.
import { processFix } from "../../src/ai-fix/process";
import { segmentCutOut } from "../../src/bg-removal/segment";
import { compositeCutOut, prepareCutOut } from "../../src/bg-removal/stages";
import bgRemovalConsumer from "../../src/consumers/bg-removal";
import fixesConsumer from "../../src/consumers/fixes";
import api from "../../src/index";
import { prepareSticker } from "../../src/stickers/prepare";
import { renderSticker } from "../../src/stickers/render";
import type { Env } from "../../src/platform/env";
import { WEBHOOK_QUEUE } from "../../src/webhooks/deliver";
import { withFaultSwitch } from "../reliability/fault-switch";

export { AccountWallet, Throttle } from "../../src/index";

// Each consumer's queue handler as it is, except for jobs whose source URL
// asks for an injected fault (reliability suite), with the fault applied to
// the kinds that Worker runs (as its entry maps them). Never deployed.
const bgRemovalQueue = withFaultSwitch(bgRemovalConsumer.queue, { "bg_remove:segment": segmentCutOut, "sticker:segment": segmentCutOut });
const fixesQueue = withFaultSwitch(fixesConsumer.queue, {
  ai_fix: processFix,
  "bg_remove:prepare": prepareCutOut,
  "bg_remove:composite": compositeCutOut,
  "sticker:prepare": prepareSticker,
  "sticker:render": renderSticker,
});

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
