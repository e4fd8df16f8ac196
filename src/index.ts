import { createApp } from "./app";
import type { Env } from "./platform/env";

// The API Worker: HTTP only. Jobs run in the consumer Worker (src/consumer.ts),
// so a job's seconds of CPU never delay API requests, and this bundle carries
// no model runtime or image codecs.
export { AccountWallet } from "./wallet/account-wallet";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
