// wrangler.fixes.toml's Worker in the e2e dev server: src/consumers/fixes.ts with the fault switch (../fault-consumer.ts).
import entry, { IMAGE_WORKER_STEPS } from "../../../src/consumers/fixes";
import { faultConsumer } from "../fault-consumer";

export default faultConsumer(entry, IMAGE_WORKER_STEPS);
