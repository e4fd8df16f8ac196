#!/usr/bin/env node
// Background removal side by side: the API (workerd, queue consumer, R2)
// against the tools a user would pick instead — onnxruntime-node on the same
// model and input, and @imgly/background-removal-node end to end — per image
// size, plus the quality of each against the model run at its native size.
//
//   node bench/bg-removal.mjs [1,5,12,25]      prints the section
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { measureApi } from "./bg-removal/api.mjs";
import { MODEL_STEP_CPU_MS } from "./bill.mjs";
import { ensureModelsPrepared, modelManifest, NATIVE_MODEL, SAME_MODEL } from "./bg-removal/peers.mjs";
import { photoSize } from "./preflight/files.mjs";
import { deployedPixelLimit } from "./lib/limits.mjs";
import { ratio, table } from "./lib/markdown.mjs";
import { recordCpu } from "./lib/measured.mjs";
import { ensurePeersInstalled, peerVersion, peersDir, runPeer } from "./lib/peers.mjs";
import { ensureTools } from "./lib/system-tools.mjs";

const root = path.resolve(import.meta.dirname, "..");
const imagesDir = path.join(root, "bench", "out", "images");
const outputsDir = path.join(root, "bench", "out", "outputs");
const fixturesDir = path.join(root, "test", "fixtures", "bg");

/** Source photos of the sizes asked for, made once from a real photo (ImageMagick, Lanczos). */
export function benchImages(megapixels) {
  mkdirSync(imagesDir, { recursive: true });
  return megapixels.map((mp) => {
    const file = path.join(imagesDir, `photo-${mp}mp.jpg`);
    const { width, height } = photoSize(mp);
    if (!existsSync(file)) {
      ensureTools(["convert"]);
      execFileSync("convert", [path.join(fixturesDir, "chelsea.jpg"), "-filter", "Lanczos", "-resize", `${width}x${height}!`, "-quality", "90", file]);
    }
    return { mp, file, width, height };
  });
}

/** The real photos of the test fixtures, copied next to the bench images so one file server serves all. */
function qualityPhotos() {
  return readdirSync(fixturesDir)
    .filter((f) => f.endsWith(".jpg"))
    .sort()
    .map((f) => {
      const file = path.join(imagesDir, f);
      copyFileSync(path.join(fixturesDir, f), file);
      return file;
    });
}

/**
 * 1, 5, 12 and 25 MP (the most the service takes, BG_REMOVE_MAX_PIXELS).
 * Two runs per size: at 25 MP one job of each tool takes tens of seconds.
 */
export async function benchBgRemoval({ megapixels = [1, 5, 12, 25], runs = 2 } = {}) {
  ensurePeersInstalled();
  ensureModelsPrepared();
  const images = benchImages(megapixels);
  const [warmup] = benchImages([1]);
  const photos = qualityPhotos();
  const perSize = images.map((image) => ({ image }));

  const apiRun = await measureApi({ images, warmup: warmup.file, extra: photos, runs, imagesDir, outDir: outputsDir });
  apiRun.results.forEach((r, i) => (perSize[i].api = r));

  const peers = [
    { key: "ortNode", script: "ort-node.mjs", job: { manifest: modelManifest, model: SAME_MODEL.name } },
    // The same graph on one thread: the Worker's onnxruntime-web has one, so this ratio is the kernels' alone.
    { key: "ortNode1", script: "ort-node.mjs", job: { manifest: modelManifest, model: SAME_MODEL.name, threads: 1 }, latencyOnly: true },
    { key: "imgly", script: "imgly-node.mjs", job: {} },
  ];
  const extraOutputs = { api: apiRun.extraOutputs };
  for (const peer of peers) {
    for (const [i, entry] of perSize.entries()) {
      // The photos for the quality table ride along with the first size, after its measurement.
      const extra = i === 0 && !peer.latencyOnly ? photos : [];
      const result = await runPeer(peer.script, { ...peer.job, warmup: warmup.file, image: entry.image.file, runs, outDir: outputsDir, extra });
      entry[peer.key] = result;
      if (i === 0 && !peer.latencyOnly) extraOutputs[peer.key] = Object.fromEntries(extra.map((f) => [f, result.outputs[f]]));
      console.log(`${peer.key} ${entry.image.mp} MP: ${JSON.stringify({ ...result, outputs: undefined })}`);
    }
  }

  const sources = [
    ...perSize.map((e) => ({
      source: e.image.file,
      outputs: Object.fromEntries(
        [["api", e.api.output], ["ortNode", e.ortNode.outputs[e.image.file]], ["imgly", e.imgly.outputs[e.image.file]]].filter(([, png]) => png),
      ),
    })),
    ...photos.map((f) => ({
      source: f,
      outputs: Object.fromEntries([["api", extraOutputs.api[f]], ["ortNode", extraOutputs.ortNode[f]], ["imgly", extraOutputs.imgly[f]]].filter(([, png]) => png)),
    })),
  ];
  const quality = await runPeer("quality.mjs", { manifest: modelManifest, model: NATIVE_MODEL.name, sources, outDir: outputsDir });
  const iouOf = Object.fromEntries(quality.results.map((r) => [r.source, r.iou]));
  for (const e of perSize) e.iou = iouOf[e.image.file];
  const photoRows = photos.map((f) => ({ file: f, ...quality.results.find((r) => r.source === f) }));
  return { perSize, photoRows, runs, apiFailures: apiRun.extraFailures, maxSourcePixels: deployedPixelLimit("BG_REMOVE_MAX_PIXELS") };
}

const mb = (v) => (v === undefined || v === null ? "" : String(v));
const iouText = (v) => (v === undefined || v === null ? "–" : v.toFixed(3));

function sizeTable({ image, api, ortNode, ortNode1, imgly, iou }) {
  const rows = [
    { tool: "API (workerd)", result: api, iou: iou.api },
    { tool: "onnxruntime-node, same model", result: ortNode, iou: iou.ortNode },
    { tool: "onnxruntime-node, same model, one thread", result: ortNode1, iou: undefined },
    { tool: "@imgly/background-removal-node", result: imgly, iou: iou.imgly },
  ];
  const apiOk = api.status === "completed";
  return table(
    rows.map(({ tool, result, iou: v }, i) => ({
      tool,
      latency: i === 0 && !apiOk ? `${api.status}: ${api.error}` : `${result.medianMs}${i === 0 && api.consumerMedianMs ? ` (consumer ${api.consumerMedianMs})` : ""}`,
      peak: mb(result.peakMB),
      idle: `${result.idleRssMB} (+${result.peakMB - result.idleRssMB})`,
      iou: iouText(v),
      latencyRatio: i === 0 || !apiOk ? "–" : ratio(api.medianMs, result.medianMs),
      peakRatio: i === 0 || !apiOk ? "–" : ratio(api.peakMB, result.peakMB),
    })),
    {
      tool: "tool",
      latency: "latency ms (median)",
      peak: "peak memory MB",
      idle: "idle MB (+ jobs)",
      iou: "IoU vs native 1024",
      latencyRatio: "latency API ÷ tool",
      peakRatio: "peak memory API ÷ tool",
    },
  );
}

/**
 * Each size's CPU for the bill (bench/bill.mjs): the consumer's laps of
 * this run plus the model step's CPU. This section does not measure the
 * latter, so it stays the figure docs/background-removal.md measured, and
 * the record says so.
 */
export function recordBgRemovalCpu({ perSize, runs }) {
  for (const { image, api } of perSize) {
    if (api.status !== "completed" || api.consumerMedianMs === null || api.consumerMedianMs === undefined) continue;
    const size = `${image.width}×${image.height}`;
    const outputBytes = statSync(api.output).size;
    recordCpu({
      kind: "bgModel",
      key: `${image.mp} MP`,
      label: `${image.mp} MP JPEG (${size}), \`auto\``,
      cpuMs: Math.round(api.consumerMedianMs) + MODEL_STEP_CPU_MS,
      covers: `the consumer's own laps of prepare + composite (fetch, decode, matte, encode, store; wall-clock between I/O, so at most their CPU), median of ${runs}, plus the model step's ${MODEL_STEP_CPU_MS.toLocaleString("en-US")} CPU ms warm, which this section does not measure (the model Worker's thread over a job in the workers tests: docs/background-removal.md, *The first job after a cold start*); the API request is in no figure`,
      row: `*Background removal › ${image.mp} MP (${size})*, API (workerd): "consumer" + the model step from docs/background-removal.md`,
      // What the job keeps is its PNG: the staged source is a work file, deleted with the rest.
      size: { sourceBytes: statSync(image.file).size, outputBytes, keptBytes: outputBytes },
    });
  }
}

/** The "Background removal" section of bench/RESULTS.md. */
export async function bgRemovalSection(options) {
  const r = await benchBgRemoval(options);
  recordBgRemovalCpu(r);
  const ortVersion = peerVersion("onnxruntime-node");
  const imglyOrt = peerVersion("onnxruntime-node", path.join(peersDir, "node_modules", "@imgly", "background-removal-node"));
  const limitMP = r.maxSourcePixels ? r.maxSourcePixels / 1e6 : null;
  const sizes = r.perSize
    .map((e) => {
      const over = limitMP !== null && e.image.width * e.image.height > r.maxSourcePixels;
      const note = over
        ? `\n\nOver the service's default limit (BG_REMOVE_MAX_PIXELS = ${limitMP.toFixed(1)} MP), which refuses this size; raised for this measurement only.`
        : "";
      return `### ${e.image.mp} MP (${e.image.width}×${e.image.height})${note}\n\n${sizeTable(e)}`;
    })
    .join("\n\n");
  const photos = table(
    r.photoRows.map((p) => ({
      photo: path.basename(p.file),
      size: `${p.width}×${p.height}`,
      api: r.apiFailures[p.file] ? `**${r.apiFailures[p.file]}**` : iouText(p.iou.api),
      ortNode: iouText(p.iou.ortNode),
      imgly: iouText(p.iou.imgly),
    })),
    { api: "API (workerd)", ortNode: "onnxruntime-node, same model", imgly: "@imgly/background-removal-node" },
  );
  const mean = (key) => {
    const vs = r.photoRows.map((p) => p.iou[key]).filter((v) => v !== undefined);
    return vs.length ? (vs.reduce((a, b) => a + b, 0) / vs.length).toFixed(3) : "–";
  };
  return `## Background removal

Each size is one photo (a real photo upscaled with ImageMagick Lanczos, JPEG),
processed by three tools, each after a warm-up image (1 MP) so that start-up
costs (model load, session creation) do not count; latency is the median of
${r.runs} runs.

- **API (workerd)**: \`POST /v1/services/bg-remove\` (\`subject_type\` auto)
  through the real API and consumer under \`wrangler dev\`, one fresh server per
  size. Latency is create → completed as a client polling every 100 ms sees
  it: it includes the queue delivery, the consumer fetching the source over
  HTTP, R2 writes and the poll interval; "consumer" is the part the consumer
  itself spent (decode, model, matte, encode, store). The Worker runs the
  model at its native 1024 px as 27 sessions one after another on one thread
  (onnxruntime-web, wasm; the high-resolution stages over bands of rows) and
  refines the matte at full resolution. Memory is the workerd runtime
  process (both Workers, D1, Durable Objects, R2): its resident set after the
  warm-up and its high-water mark after the runs (the consumer isolate's own
  peak against its 128 MB is in *Memory per job kind*).
- **onnxruntime-node, same model**: onnxruntime-node ${ortVersion} in a Node
  process, in-process (no HTTP, queue or storage), on the same 1024 px graph
  untiled (\`${SAME_MODEL.name}\`, same weights, the same convolutions in
  float) and the same input (decoded and stretched to 1024×1024 with sharp,
  normalised with the manifest's mean/std), then what a Node user writes
  around it: the mask upscaled (bilinear), joined as alpha, PNG encoded with
  sharp. ORT's default threads (one per core), and again on one thread (the
  Worker's count, so API ÷ that row is the runtime's and the kernels' cost,
  not the threads'); no matte refinement.
- **@imgly/background-removal-node** 1.4.5 (onnxruntime-node ${imglyOrt},
  sharp ${peerVersion("sharp")} via \`overrides\`) end to end, \`removeBackground(file)\`
  to PNG bytes, in-process, with its default model **medium** (the same ISNet
  in fp16, always run at 1024×1024).

Peak memory of the peers is their Node process's VmHWM; "idle" is its resident
set after the warm-up. Ratios are API ÷ tool: above 1 the API is slower or
uses more. workerd's figure covers a whole local runtime, so compare the
"+ jobs" parts too. **IoU vs native**: foreground (alpha ≥ 128) of each
tool's output PNG — for the API the file downloaded from the job's
\`output_url\` — against the unmodified model (\`${NATIVE_MODEL.name}\`, all
outputs, as @imgly/background-removal-data ships it) run at its native
1024×1024 in onnxruntime-node, its mask stretched to the photo's size. imgly
runs that model's fp16 twin at the same size.

${sizes}

### Quality on the test photos

IoU vs the native 1024 model on \`test/fixtures/bg/*.jpg\` (each once, after
the 1 MP measurement). Mean: API ${mean("api")}, onnxruntime-node ${mean("ortNode")}, imgly ${mean("imgly")}.

${photos}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const megapixels = process.argv[2] ? process.argv[2].split(",").map(Number) : undefined;
  console.log(await bgRemovalSection({ megapixels }));
}
