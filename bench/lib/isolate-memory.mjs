// What one Workers isolate holds, sampled from inside through the runtime's
// inspector while a job runs: the JS heap in use and the ArrayBuffer backing
// stores (Runtime.getHeapUsage) plus every WebAssembly memory, which
// getHeapUsage does not count (a wasm memory is not an ArrayBuffer backing
// store there: creating or growing one leaves backingStorageSize unchanged).
// Those three are what the 128 MB limit of an isolate covers.
import { openInspector } from "./inspector.mjs";

/**
 * Installed in the isolate before its first job. It finds the wasm memories
 * (by wrapping WebAssembly.Memory, Instance and instantiate; a memory's size
 * is read when sampled, as wasm code grows it without asking JS, and its end
 * of life comes from a FinalizationRegistry) and stops the isolate at the
 * moments a job's memory peaks inside one synchronous stretch: right after a
 * wasm memory grows, right after a large byte array is allocated (the global
 * Uint8Array and Uint8ClampedArray are replaced by proxies of themselves, as
 * src/imaging/codecs.ts itself does during a decode), right before a large
 * buffer is released with `transfer(0)`, right after a large buffer or
 * typed array is copied with `slice`. The runtime answers the inspector
 * only between JS turns, so without these stops a decode would be seen only
 * once it has ended; stopped at a `debugger` statement, it answers at once.
 *
 * Runs inside the isolate: only what the Workers runtime offers.
 */
function installProbe(pauseBytes) {
  if (globalThis.__benchMemory) return "already installed";
  const RealMemory = WebAssembly.Memory;
  const RealInstance = WebAssembly.Instance;
  const memories = new Map();
  const known = new WeakSet();
  const gone = new FinalizationRegistry((id) => memories.delete(id));
  let nextId = 0;
  const track = (value) => {
    if (!(value instanceof RealMemory) || known.has(value)) return;
    known.add(value);
    const id = ++nextId;
    memories.set(id, new WeakRef(value));
    gone.register(value, id);
  };
  // Imports and exports hold memories at the top or one level down ({ env: { memory } }).
  const scan = (object) => {
    if (!object || typeof object !== "object") return;
    for (const value of Object.values(object)) {
      track(value);
      if (value && typeof value === "object" && !(value instanceof RealMemory)) for (const inner of Object.values(value)) track(inner);
    }
  };

  const state = { pausing: false, reason: "" };
  const pause = (reason) => {
    if (!state.pausing) return;
    state.reason = reason;
    debugger; // the sampler reads the isolate while it stands here
    state.reason = "";
  };

  // A constructor replaced by one that builds the real thing and looks at it; `instanceof` still holds.
  const watched = (Real, look) => {
    const Watched = function (...args) {
      const made = new Real(...args);
      look(made, args);
      return made;
    };
    Watched.prototype = Real.prototype;
    Object.setPrototypeOf(Watched, Real);
    return Watched;
  };
  WebAssembly.Memory = watched(RealMemory, (memory) => track(memory));
  WebAssembly.Instance = watched(RealInstance, (instance, [, imports]) => {
    scan(imports);
    scan(instance.exports);
  });
  const realInstantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async function instantiate(source, imports) {
    const result = await realInstantiate.call(WebAssembly, source, imports);
    scan(imports);
    scan((result instanceof RealInstance ? result : result.instance).exports);
    return result;
  };

  const realGrow = RealMemory.prototype.grow;
  RealMemory.prototype.grow = function grow(pages) {
    const previous = realGrow.call(this, pages);
    track(this);
    if (pages * 65536 >= pauseBytes) pause("a wasm memory grew");
    return previous;
  };
  const realTransfer = ArrayBuffer.prototype.transfer;
  if (realTransfer) {
    ArrayBuffer.prototype.transfer = function transfer(...args) {
      if (this.byteLength >= pauseBytes && (args[0] ?? this.byteLength) < this.byteLength) pause("a buffer about to be released");
      return realTransfer.apply(this, args);
    };
  }
  // Byte arrays (files, frames, strips) stop the isolate when a large one is
  // allocated or copied; a view onto an existing buffer is no new memory.
  for (const name of ["Uint8Array", "Uint8ClampedArray"]) {
    const Real = globalThis[name];
    globalThis[name] = new Proxy(Real, {
      construct(target, args, newTarget) {
        const made = Reflect.construct(target, args, newTarget);
        const viewOnly = args[0] instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && args[0] instanceof SharedArrayBuffer);
        if (!viewOnly && made.byteLength >= pauseBytes) pause("a buffer just allocated");
        return made;
      },
    });
  }
  const TypedArray = Object.getPrototypeOf(Uint8Array.prototype);
  for (const owner of [TypedArray, ArrayBuffer.prototype]) {
    const realSlice = owner.slice;
    owner.slice = function slice(...args) {
      const copy = realSlice.apply(this, args);
      if (copy.byteLength >= pauseBytes) pause("a buffer just copied");
      return copy;
    };
  }

  globalThis.__benchMemory = {
    state,
    sample() {
      let wasmBytes = 0;
      for (const [id, ref] of memories) {
        const memory = ref.deref();
        if (memory) wasmBytes += memory.buffer.byteLength;
        else memories.delete(id);
      }
      return { wasmBytes, wasmMemories: memories.size, reason: state.reason };
    },
  };
  return "installed";
}

const PROBE_SAMPLE = "globalThis.__benchMemory.sample()";
/** Buffers of at least this size stop the isolate for a sample; smaller ones are too many and too small to matter. */
const PAUSE_BYTES = 1024 * 1024;
const COLLECT_EVERY_MS = 500;
/**
 * The longest the sampler waits for an answer. A synchronous stretch keeps
 * the isolate from answering for seconds; far longer means the answer is
 * not coming (the runtime went away), and the sampler asks again.
 */
const ANSWER_MS = 120_000;

/**
 * A session with the isolate's context id. Enabling reports the context;
 * wrangler's DevTools endpoint shares a session that is enabled already, so
 * it is enabled afresh. Right after a server starts, wrangler may still
 * close a new DevTools connection, so a session that closes while being set
 * up is opened again.
 */
async function attach(url, attempts = 5) {
  for (let attempt = 1; ; attempt++) {
    const inspector = await openInspector(url);
    let contextId;
    inspector.on((m) => {
      if (m.method === "Runtime.executionContextCreated") contextId = m.params.context.id;
    });
    try {
      await inspector.send("Runtime.disable").catch(() => {});
      await inspector.send("Runtime.enable");
      for (let i = 0; i < 100 && contextId === undefined; i++) await new Promise((r) => setTimeout(r, 20));
      if (contextId === undefined) throw new Error(`${url}: the isolate reported no context`);
      return { inspector, contextId };
    } catch (error) {
      inspector.close();
      if (attempt >= attempts) throw error;
      console.log(`bench: inspector ${url}: ${error.message}; connecting again`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * Connects to an isolate's inspector, installs the probe and samples until
 * stopped: every `intervalMs` that the isolate is between turns, and at
 * each stop the probe makes. Install it before the isolate's first job:
 * wasm memories created before it are not seen.
 */
export async function sampleIsolate(url, { intervalMs = 20 } = {}) {
  const { inspector, contextId } = await attach(url);
  const evaluate = async (expression) => {
    const { result, exceptionDetails } = await inspector.send("Runtime.evaluate", { contextId, expression, returnByValue: true }, { timeoutMs: ANSWER_MS });
    if (exceptionDetails) throw new Error(`${expression.slice(0, 80)}: ${JSON.stringify(exceptionDetails).slice(0, 500)}`);
    return result.value;
  };
  // A probe left by an earlier session of the same isolate has seen everything since; it serves again.
  await evaluate(`(${installProbe})(${PAUSE_BYTES})`);

  const samples = [];
  // With `collecting` on, every sample is taken after a full collection:
  // what the isolate must keep, not what it holds (which includes garbage
  // V8 has not collected yet). HeapProfiler.collectGarbage never completes
  // in this runtime (no answer comes and nothing is freed), so the
  // collection is the one V8 makes before a heap snapshot, whose chunks are
  // dropped: 0.2–0.5 s for a 15 MB heap, during which the isolate stands
  // still. Every stop collects (stops are where peaks are); between turns,
  // at most one sample every COLLECT_EVERY_MS does, and the others are held
  // figures (marked so).
  let collecting = false;
  let lastCollection = 0;
  // Through wrangler's DevTools endpoint a snapshot sometimes never answers
  // (seen after a background removal): that sample then counts as held, and
  // the measurement goes on rather than losing the server's other jobs.
  const collect = async () => {
    try {
      await inspector.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false, captureNumericValue: false }, { timeoutMs: ANSWER_MS });
      lastCollection = performance.now();
      return true;
    } catch (error) {
      console.log(`bench: ${url}: no collection (${error.message.slice(0, 120)})`);
      return false;
    }
  };
  const take = async (readProbe, { atStop = false } = {}) => {
    const collectNow = collecting && (atStop || performance.now() - lastCollection >= COLLECT_EVERY_MS) && (await collect());
    const [heap, probe] = await Promise.all([inspector.send("Runtime.getHeapUsage", {}, { timeoutMs: ANSWER_MS }), readProbe()]);
    return {
      t: performance.now(),
      usedBytes: heap.usedSize,
      buffersBytes: heap.backingStorageSize,
      wasmBytes: probe.wasmBytes,
      wasmMemories: probe.wasmMemories,
      at: probe.reason || "between turns",
      collected: collectNow,
    };
  };

  // What the isolate logs, with the sample count at that moment: a consumer
  // logs the end of each step it runs (src/jobs/consumer.ts), which splits a
  // job's samples into its steps.
  const logs = [];
  inspector.on((m) => {
    if (m.method !== "Runtime.consoleAPICalled") return;
    const text = m.params.args.map((a) => a.value ?? a.description ?? "").join(" ");
    logs.push({ at: samples.length, t: performance.now(), text });
  });

  let paused = false;
  inspector.on(async (m) => {
    if (m.method !== "Debugger.paused") return;
    paused = true;
    try {
      const callFrameId = m.params.callFrames[0]?.callFrameId;
      const evaluateHere = async () =>
        (await inspector.send("Debugger.evaluateOnCallFrame", { callFrameId, expression: PROBE_SAMPLE, returnByValue: true }, { timeoutMs: ANSWER_MS })).result.value;
      samples.push(await take(evaluateHere, { atStop: true }));
    } catch {
      // The session closed while stopped; closing it resumes the isolate.
    } finally {
      await inspector.send("Debugger.resume", {}, { timeoutMs: 5000 }).catch(() => {});
      paused = false;
    }
  });
  await inspector.send("Debugger.enable");
  await evaluate("globalThis.__benchMemory.state.pausing = true");

  let running = true;
  const loop = (async () => {
    while (running && !inspector.closed) {
      if (!paused) {
        try {
          const sample = await take(() => evaluate(PROBE_SAMPLE));
          // Taken while a stop began: the stop records that moment itself.
          if (sample.at === "between turns" && !paused) samples.push(sample);
        } catch {
          // A stop began in between; it takes its own sample.
        }
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();

  return {
    samples,
    /** Lines the isolate logged, each with `at`: the index of the first sample after it. */
    logs,
    /** Index of the next sample: where a measured stretch begins or ends. */
    mark: () => samples.length,
    /**
     * Resolves once a sample taken from now on is in (with `collected`, one
     * taken after a collection; at most `timeoutMs`): the end of a stretch. An isolate behind wrangler's DevTools endpoint
     * answers only once the request it serves has ended, after the caller
     * already has the response.
     */
    async settled({ collected = false, timeoutMs = 30_000 } = {}) {
      const since = performance.now();
      const done = () => samples.some((s) => s.t > since && (!collected || s.collected));
      while (!done() && performance.now() - since < timeoutMs) await new Promise((r) => setTimeout(r, 20));
    },
    /** Turns collecting before each sample on or off (see `take`). */
    collectBeforeSamples(on) {
      collecting = on;
    },
    /** One full collection now, so that the isolate at rest holds only what it keeps. */
    collectGarbage: collect,
    /**
     * Ends sampling. Nothing here waits long for the isolate: an answer that
     * does not come (a runtime that went away, a stop cut short) must not
     * hold the bench, and closing the session fails what is still pending.
     */
    async stop() {
      running = false;
      await inspector.send("Runtime.evaluate", { contextId, expression: "globalThis.__benchMemory.state.pausing = false" }, { timeoutMs: 5000 }).catch(() => {});
      await inspector.send("Debugger.disable", {}, { timeoutMs: 5000 }).catch(() => {});
      inspector.close();
      await loop;
    },
  };
}

// MB as the docs count them (2^20 bytes), the unit of the 128 MB limit.
const MB = (bytes) => bytes / 2 ** 20;
export const totalBytes = (s) => s.usedBytes + s.buffersBytes + s.wasmBytes;

/**
 * The largest total in samples [from, to) with its parts and the moment it
 * was taken (with `collected`, among the samples taken after a collection
 * only); `rest` is the last sample before `from` (the isolate idle, after
 * its warm-up). `longestGapMs` is the longest stretch without a sample:
 * what happened within it is seen only as far as it was still held at its
 * end or at a stop.
 */
export function peakOf(samples, from, to = samples.length, { collected = false } = {}) {
  const window = samples.slice(from, to).filter((s) => !collected || s.collected);
  if (!window.length) throw new Error("no samples in the measured stretch");
  const peak = window.reduce((a, b) => (totalBytes(b) > totalBytes(a) ? b : a));
  let longestGapMs = 0;
  for (let i = 1; i < window.length; i++) longestGapMs = Math.max(longestGapMs, window[i].t - window[i - 1].t);
  const rest = samples[from - 1] ?? window[0];
  const parts = (s) => ({ totalMB: MB(totalBytes(s)), jsHeapMB: MB(s.usedBytes), buffersMB: MB(s.buffersBytes), wasmMB: MB(s.wasmBytes), wasmMemories: s.wasmMemories });
  return {
    peak: { ...parts(peak), at: peak.at },
    rest: parts(rest),
    samples: window.length,
    stops: window.filter((s) => s.at !== "between turns").length,
    longestGapMs: Math.round(longestGapMs),
  };
}
