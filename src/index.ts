import { createApp } from "./app";
import type { Env } from "./platform/env";

export { AccountWallet } from "./wallet/account-wallet";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
