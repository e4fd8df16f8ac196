// The consumer Workers' entry in the e2e tests' dev server (scripts/dev.mjs
// --consumer-main, passed only by ./global-setup.ts): src/consumer.ts with
// the reliability suite's fault switch, so a job whose source URL on the
// loopback fixture server asks for a fault makes a real consumer Worker
// crash or die. Every other delivery goes to src/consumer.ts unchanged.
// Deployed Workers never contain this file: their configs' `main` is
// src/consumer.ts, and nothing in src/ imports test code.
import consumer from "../../src/consumer";
import { deliveryLabel } from "../../src/jobs/consumer";
import { JobMessage } from "../../src/jobs/queue";
import type { Env } from "../../src/platform/env";
import { InjectedFault, withFaultSwitch } from "../reliability/fault-switch";

const queue = withFaultSwitch(consumer.queue);

export default {
  fetch: consumer.fetch,
  async queue(batch, env, ctx) {
    try {
      await queue(batch, env, ctx);
    } catch (error) {
      // A delivery that dies writes no line of its own; this one says which Worker it died in.
      if (error instanceof InjectedFault) {
        for (const message of batch.messages) {
          const parsed = JobMessage.safeParse(message.body);
          if (parsed.success) console.error(`${deliveryLabel(env, batch.queue, parsed.data, message.attempts)}: ${error.message}`);
        }
      }
      throw error;
    }
  },
} satisfies ExportedHandler<Env>;
