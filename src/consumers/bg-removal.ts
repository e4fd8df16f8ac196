import { processBgRemoval } from "../bg-removal/process";
import { consumerWorker } from "../jobs/consumer";

// The background removal consumer Worker (wrangler.consumer.toml): background
// removals from printcart-jobs, and every kind's dead letters from
// printcart-jobs-dlq, which only fail and refund their job. The only Worker
// that bundles the model runtime. Each job kind has a Worker of its own so
// that an isolate only ever runs one kind (src/jobs/queue.ts says why), and
// each job has an isolate's 128 MB and CPU to itself, apart from the API.
export default consumerWorker({ bg_remove: processBgRemoval });
