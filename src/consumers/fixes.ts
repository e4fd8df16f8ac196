import { processFix } from "../ai-fix/process";
import { consumerWorker } from "../jobs/consumer";

// The AI fix consumer Worker (wrangler.fixes.toml): AI fix jobs from
// printcart-fix-jobs. It never runs a model, so it imports no background
// removal code; its dead letters go to the background removal Worker
// (src/consumers/bg-removal.ts), which fails and refunds them.
export default consumerWorker({ ai_fix: processFix });
