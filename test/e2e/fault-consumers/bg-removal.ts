// wrangler.consumer.toml's Worker in the e2e dev server: src/consumers/bg-removal.ts with the fault switch (../fault-consumer.ts).
import { segmentCutOut } from "../../../src/bg-removal/segment";
import entry from "../../../src/consumers/bg-removal";
import { faultConsumer } from "../fault-consumer";

export default faultConsumer(entry, { "bg_remove:segment": segmentCutOut });
