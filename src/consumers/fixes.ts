import { processFix } from "../ai-fix/process";
import { compositeCutOut, prepareCutOut } from "../bg-removal/stages";
import { consumerWorker, type JobProcessors } from "../jobs/consumer";
import { prepareSticker } from "../stickers/prepare";
import { renderSticker } from "../stickers/render";

// The image Worker (wrangler.fixes.toml), consuming printcart-fix-jobs: AI
// fix jobs, the decode and composite steps of background removals, and the
// decode and render steps of stickers. It
// never runs a model, so it imports no model runtime; its dead letters go to
// the background removal Worker (src/consumers/bg-removal.ts), which fails
// and refunds them.
export const IMAGE_WORKER_STEPS: JobProcessors = {
  ai_fix: processFix,
  "bg_remove:prepare": prepareCutOut,
  "bg_remove:composite": compositeCutOut,
  "sticker:prepare": prepareSticker,
  "sticker:render": renderSticker,
};

export default consumerWorker(IMAGE_WORKER_STEPS);
