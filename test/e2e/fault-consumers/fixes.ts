// wrangler.fixes.toml's Worker in the e2e dev server: src/consumers/fixes.ts with the fault switch (../fault-consumer.ts).
import { processFix } from "../../../src/ai-fix/process";
import { compositeCutOut, prepareCutOut } from "../../../src/bg-removal/stages";
import entry from "../../../src/consumers/fixes";
import { faultConsumer } from "../fault-consumer";

export default faultConsumer(entry, { ai_fix: processFix, "bg_remove:prepare": prepareCutOut, "bg_remove:composite": compositeCutOut });
