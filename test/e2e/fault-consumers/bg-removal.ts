// wrangler.consumer.toml's Worker in the e2e dev server: src/consumers/bg-removal.ts with the fault switch (../fault-consumer.ts).
import entry, { MODEL_WORKER_STEPS } from "../../../src/consumers/bg-removal";
import { faultConsumer } from "../fault-consumer";

export default faultConsumer(entry, MODEL_WORKER_STEPS);
