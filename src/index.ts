import { createApp } from "./app";
import { sweep } from "./maintenance/sweeper";
import { consumeWebhooks } from "./webhooks/deliver";
import type { Env } from "./platform/env";

// The API Worker: HTTP only. Jobs run in the consumer Workers
// (src/consumers/, one Worker per job kind), so a job's seconds of CPU never
// delay API requests. Nothing reachable from here imports the model runtime
// (src/bg-removal/model.ts), so this bundle does not contain it
// (test/e2e/bundles.test.ts checks); preflight checks decode images here with
// the decoders of wasm/codecs.ts.
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
    const { jobsFailed, holdsRefunded, uploadsDeleted, workFilesDeleted, webhookDeliveriesResent } = report;
    if (jobsFailed.length || holdsRefunded.length || uploadsDeleted || workFilesDeleted || webhookDeliveriesResent) console.log("sweeper", JSON.stringify(report));
  },
} satisfies ExportedHandler<Env>;
