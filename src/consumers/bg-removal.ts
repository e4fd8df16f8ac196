import { segmentCutOut } from "../bg-removal/segment";
import { consumerWorker, type JobProcessors } from "../jobs/consumer";

// The background removal consumer Worker (wrangler.consumer.toml): the model
// step of background removals and stickers from printcart-jobs, and every kind's dead
// letters from printcart-jobs-dlq, which only fail and refund their job. The
// only Worker that bundles the model runtime, and it never decodes an image:
// the steps before and after the model run in the AI fix Worker
// (src/jobs/queue.ts says why), so an isolate here holds the model's heap
// and a few MB of tensors.
export const MODEL_WORKER_STEPS: JobProcessors = { "bg_remove:segment": segmentCutOut, "sticker:segment": segmentCutOut };

export default consumerWorker(MODEL_WORKER_STEPS);
