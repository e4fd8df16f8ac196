import { createApp } from "./app";
import { processBgRemoval } from "./bg-removal/process";
import { createJobConsumer } from "./jobs/consumer";
import type { Env } from "./platform/env";

export { AccountWallet } from "./wallet/account-wallet";

const app = createApp();

/** One consumer for every job kind; the dead-letter queue goes through it too. */
const consumeJobs = createJobConsumer({
  bg_remove: processBgRemoval,
  ai_fix: async () => {
    throw new Error("AI fix jobs are not available yet");
  },
});

export default {
  fetch: app.fetch,
  queue: (batch, env) => consumeJobs(batch, env),
} satisfies ExportedHandler<Env>;
