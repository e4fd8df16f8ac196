// The consumer Workers' entries in the e2e tests' dev server (scripts/dev.mjs
// --consumer-main, passed only by ./global-setup.ts; ./fault-consumers/ has
// one per Worker): a Worker's entry from src/consumers/ with the reliability
// suite's fault switch, so a job whose source URL on the loopback fixture
// server asks for a fault makes a real consumer Worker crash or die. Every
// other delivery goes to the entry's queue handler unchanged. Deployed
// Workers never contain this file: their configs' `main` is in
// src/consumers/, and nothing in src/ imports test code.
import { deliveryLabel, type consumerWorker, type JobProcessors } from "../../src/jobs/consumer";
import { JobMessage } from "../../src/jobs/queue";
import type { Env } from "../../src/platform/env";
import { InjectedFault, withFaultSwitch } from "../reliability/fault-switch";

/** `entry` (a consumer Worker's default export) with faults applied to `processors`, the kinds it runs. */
export function faultConsumer(entry: ReturnType<typeof consumerWorker>, processors: JobProcessors) {
  const queue = withFaultSwitch(entry.queue, processors);
  return {
    fetch: entry.fetch,
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
}
