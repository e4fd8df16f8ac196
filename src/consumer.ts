import { processFix } from "./ai-fix/process";
import { processBgRemoval } from "./bg-removal/process";
import { createJobConsumer } from "./jobs/consumer";
import type { Env } from "./platform/env";

// The consumer Workers' entry, deployed twice: once per job kind, each
// Worker consuming its kind's queue (wrangler.consumer.toml: background
// removals from printcart-jobs, and the dead-letter queue; wrangler.fixes.toml:
// AI fix jobs from printcart-fix-jobs), so that an isolate only ever runs one
// kind (src/jobs/queue.ts says why). Deployed apart from the API so that each
// job has an isolate's 128 MB and CPU to itself.
const consumeJobs = createJobConsumer({
  bg_remove: processBgRemoval,
  ai_fix: processFix,
});

export default {
  async fetch() {
    return Response.json({ error: "NOT_FOUND", message: "This Worker only consumes the job queue." }, { status: 404 });
  },
  queue: (batch, env) => consumeJobs(batch, env),
} satisfies ExportedHandler<Env>;
