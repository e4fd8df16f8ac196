import { describe, expect, it } from "vitest";
import { oneAtATime } from "../../src/platform/one-at-a-time";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("oneAtATime", () => {
  it("runs tasks one after another, in the order they asked, whether they succeed or fail", async () => {
    const run = oneAtATime(60_000);
    const events: string[] = [];
    let running = 0;
    const task = (name: string, ms: number, fail = false) =>
      run(async () => {
        running++;
        events.push(`start ${name} (${running} running)`);
        await sleep(ms);
        events.push(`end ${name}`);
        running--;
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([task("a", 30), task("b", 5, true), task("c", 10)]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual(["a", "b", "c"]);
    expect(results[1]!.status).toBe("rejected");
    expect(events).toEqual(["start a (1 running)", "end a", "start b (1 running)", "end b", "start c (1 running)", "end c"]);
  });

  it("passes a task that never settles over after maxHoldMs, once: the tasks behind it still run one at a time", async () => {
    const run = oneAtATime(50);
    const events: string[] = [];
    void run(() => new Promise(() => {}));
    const started = Date.now();
    const task = (name: string) =>
      run(async () => {
        events.push(`start ${name}`);
        await sleep(30);
        events.push(`end ${name}`);
      });
    await Promise.all([task("b"), task("c"), task("d")]);
    expect(events).toEqual(["start b", "end b", "start c", "end c", "start d", "end d"]);
    // 50 ms lost to the stuck task, then three turns of 30 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(50 + 3 * 30 - 5);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
