// The Worker the tests run: the API's fetch handler and Durable Objects with
// the consumer Workers' queue handler, so jobs created through the API are
// consumed in the same test runtime by the real consumer code, and the API
// Worker's own queue handler for webhook deliveries.
import api from "../../src/index";
import consumer from "../../src/consumer";
import { WEBHOOK_QUEUE } from "../../src/webhooks/deliver";
import type { Env } from "../../src/platform/env";
import { withFaultSwitch } from "../reliability/fault-switch";

export { AccountWallet, Throttle } from "../../src/index";

// consumer.queue as it is, except for jobs whose source URL asks for an
// injected fault (reliability suite); this entry is never deployed.
const jobQueues = withFaultSwitch(consumer.queue);

export default {
  fetch: api.fetch,
  scheduled: api.scheduled,
  queue: (batch, env, ctx) => (batch.queue === WEBHOOK_QUEUE ? api.queue(batch, env) : jobQueues(batch, env, ctx)),
} satisfies ExportedHandler<Env>;
