import { createApp } from "./app";
import { sweep } from "./maintenance/sweeper";
import { consumeWebhooks } from "./webhooks/deliver";
import type { Env } from "./platform/env";

// The API Worker: HTTP only. Jobs run in the consumer Workers
// (src/consumer.ts, one Worker per job kind), so a job's seconds of CPU never
// delay API requests, and this bundle never loads the model runtime
// (preflight checks decode images here, with the codecs of wasm/codecs.ts
// only).
export { AccountWallet } from "./wallet/account-wallet";
export { Throttle } from "./auth/throttle";

const app = createApp();

export default {
  fetch: app.fetch,
  // Webhook deliveries (printcart-webhooks): light work, a signed POST each, so the API Worker does it.
  queue: (batch, env) => consumeWebhooks(batch, env),
  // The sweeper (wrangler.toml [triggers] crons): ends overdue jobs and holds, deletes old uploads.
  async scheduled(controller, env) {
    const report = await sweep(env, controller.scheduledTime);
    const { jobsFailed, holdsRefunded, uploadsDeleted, webhookDeliveriesResent } = report;
    if (jobsFailed.length || holdsRefunded.length || uploadsDeleted || webhookDeliveriesResent) console.log("sweeper", JSON.stringify(report));
  },
} satisfies ExportedHandler<Env>;
