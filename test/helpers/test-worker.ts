// The Worker the tests run: the API's fetch handler and Durable Object with
// the consumer Worker's queue handler, so jobs created through the API are
// consumed in the same test runtime by the real consumer code.
import api from "../../src/index";
import consumer from "../../src/consumer";
import { withFaultSwitch } from "../reliability/fault-switch";

export { AccountWallet, Throttle } from "../../src/index";

export default {
  fetch: api.fetch,
  // consumer.queue as it is, except for jobs whose source URL asks for an
  // injected fault (reliability suite); this entry is never deployed.
  queue: withFaultSwitch(consumer.queue),
} satisfies ExportedHandler<import("../../src/platform/env").Env>;
