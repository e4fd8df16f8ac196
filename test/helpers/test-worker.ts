// The Worker the tests run: the API's fetch handler and Durable Object with
// the consumer Worker's queue handler, so jobs created through the API are
// consumed in the same test runtime by the real consumer code.
import api from "../../src/index";
import consumer from "../../src/consumer";

export { AccountWallet } from "../../src/index";

export default {
  fetch: api.fetch,
  queue: consumer.queue,
} satisfies ExportedHandler<import("../../src/platform/env").Env>;
