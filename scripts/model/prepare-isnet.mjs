#!/usr/bin/env node
// prepare-isnet.mjs — turn the ISNet model shipped in @imgly/background-removal-data
// into graphs that fit a 128 MB Workers isolate running onnxruntime-web (wasm, 1 thread).
//
//   node scripts/model/prepare-isnet.mjs --size 512 --out /tmp/isnet          (1 session)
//   node scripts/model/prepare-isnet.mjs --size 1024 --preset tiled --out /tmp/isnet
//        (the default model: 27 stages, high-resolution ones over bands of rows, see TILED;
//         ORT's heap 39.8 MB for a job, 43.7 after four; IoU >= 0.996 against the
//         unmodified model; numbers per stage in docs/background-removal.md)
//   node scripts/model/prepare-isnet.mjs --size 1024 --preset tiled-q --out /tmp/isnet
//        (the same 27 stages with the convs left quantized, each band with its own range: a job
//         in 0.67-0.83x of tiled's time, ORT's heap 44.5 MB, IoU against the unmodified model
//         within 0.005 of tiled's but no longer exact against the untiled graph; still about
//         11-14 s a job warm in Node on a loaded machine, the model's 160 G multiply-adds on one
//         thread. 768 px would halve that, but keeps only 0.70 of rocket.jpg's native mask)
//   node scripts/model/prepare-isnet.mjs --size 384 --preset worker --out /tmp/isnet
//        (= --float-conv highres --split 5 --external: 5 whole stages; fits up to 384 px:
//         at 768 its stages need 149/53/57/112/166 MB of heap, at 1024 316/79/81/188/286)
//
// Why each rewrite (measured with scripts/model/measure-stages.mjs):
//  * The shipped graph has 12 outputs (6 sigmoid side outputs at 1024x1024 + 6 decoder
//    feature maps). imgly only reads "output" (= sigmoid(side1), the highest-resolution
//    side output). Keeping the others alive costs ~20-25% of the wasm peak.
//  * The graph hard-codes 1024x1024: the input shape and all Resize nodes take a
//    constant `sizes` tensor [1,C,H,W]. Activations scale with N^2. N must be a
//    multiple of 64 (six 2x poolings: 1024 -> 16).
//  * Embedded weights pass through the wasm heap twice while the session parses the
//    proto. As external data, ORT-web copies them straight from the JS buffer into
//    tensors (single session after create: 127.5 -> 55.5 MB).
//  * ORT's ConvInteger im2col-expands its whole input; float Conv does not (see
//    floatConvs). Used where activations are big and weights small. Float is 1.8-2.8x slower
//    than ConvInteger in onnxruntime-web's wasm for 64+ channels, though (tiled-q trades
//    narrower bands for that). Static ranges instead of DynamicQuantizeLinear do not suit
//    ISNet: its decoder's activation ranges differ up to 55x between photos.
//  * Splitting: 90% of the 44 MB of (uint8) weights sit in the low-resolution middle of
//    the U-Net (stage4..stage4d) while almost all activation memory is in the
//    high-resolution ends. Running them as separate sessions (one after another, each
//    released before the next is created) keeps any one peak to max(weights) or
//    max(activations) instead of their sum. The caller hands the tensors listed in the
//    manifest (stages[].inputs/outputs) from one session to the next.
//
// Needs only protobufjs (any 7.x/8.x) and the onnx.proto next to this file.
// Licence: the model weights are AGPL-3.0 (IMG.LY). The produced files are derived works.

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// Resolve packages from the current working directory's node_modules first (the
// project root when run as `node scripts/model/...` from /work/main, or a lab dir),
// then from this file's location.
function resolvePkg(spec) {
  for (const base of [path.join(process.cwd(), 'noop.js'), import.meta.url]) {
    try { return createRequire(base).resolve(spec); } catch { /* try next */ }
  }
  throw new Error(`cannot resolve ${spec}; run \`npm install\` in the project (see FINDINGS.md)`);
}

// ---------------------------------------------------------------- CLI
function parseArgs(argv) {
  const o = { sizes: [1024], out: null, split: 'none', external: false, model: 'small',
              dataDir: null, keepAllOutputs: false, name: 'isnet', floatConv: 'none', fp32: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = () => argv[++i];
    if (a === '--size' || a === '--sizes') o.sizes = v().split(',').map(Number);
    else if (a === '--out') o.out = v();
    else if (a === '--split') o.split = v();            // none | 2 | 3 | comma list of node names
    else if (a === '--external') o.external = true;
    else if (a === '--float-conv') o.floatConv = v();   // none | highres | all | comma list of module names
    else if (a === '--model') o.model = v();            // small (quint8, default) | medium (fp16)
    else if (a === '--data-dir') o.dataDir = v();       // .../@imgly/background-removal-data/dist
    else if (a === '--keep-all-outputs') o.keepAllOutputs = true;
    else if (a === '--fp32') o.fp32 = true;               // medium only: every fp16 tensor widened to fp32 (see toFloat32)
    else if (a === '--name') o.name = v();
    else if (a === '--band') o.band = Number(v());        // tiled stages: output rows per band, in each stage's coarsest rows (default per stage)
    else if (a === '--preset') {
      const preset = v();
      // worker: 5 stages, each whole (fits 128 MB up to 384 px). tiled: one RSU block or less per
      // stage, the high-resolution ones run over bands of rows (fits 128 MB at 1024 px; TILED below).
      if (preset === 'worker') Object.assign(o, { floatConv: 'highres', split: '5', external: true });
      else if (preset === 'tiled') Object.assign(o, { floatConv: 'tiled', split: 'tiled', external: true });
      // tiled-q: the same stages and bands with the convs left quantized, each band quantized with its own range (FLOAT_CONV).
      else if (preset === 'tiled-q') Object.assign(o, { floatConv: 'tiledq', split: 'tiled', external: true });
      else throw new Error('--preset: "worker", "tiled" or "tiled-q"');
    }
    else if (a === '-h' || a === '--help') { console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 5).join('\n')); process.exit(0); }
    else throw new Error(`unknown argument ${a}`);
  }
  if (!o.out) throw new Error('--out <dir> is required');
  if (o.fp32 && o.model !== 'medium') throw new Error('--fp32: only with --model medium');
  for (const n of o.sizes) if (!Number.isInteger(n) || n % 64 || n < 64) throw new Error(`--size ${n}: must be a multiple of 64`);
  return o;
}

// Split presets: each entry is the list of node names whose outputs end a stage; a stage
// is "everything needed for these nodes that an earlier stage has not computed", the last
// stage is whatever remains up to the graph output. Names are ISNet's (PyTorch export).
//  2: encoder (conv_in..stage6) | decoder.
//  3: high-res encoder (conv_in..stage3, pool34) | low-res middle, ~90% of the weights
//     (stage4..stage6, stage5d, stage4d) | high-res decoder (stage3d..stage1d, side1).
const SPLITS = {
  none: [],
  2: [['/stage6/Add']],
  3: [['/pool34/MaxPool'], ['/stage4d/Add']],
  //  5: like 3, but the weight-heavy middle is cut in two (stage4..6: 24 MB | stage5d,4d:
  //     16.7 MB) so that the model bytes held in JS while a session is created stay small,
  //     and the high-res decoder is cut before stage1d so its session does not also hold
  //     hx2/hx3 (feeds stay alive for a whole run).
  5: [['/pool34/MaxPool'], ['/stage6/Add'], ['/stage4d/Add'], ['/stage2d/Add']],
  //  6: like 5 with stage4,5 | stage6 apart: at most 16.7 MB of model bytes per session.
  6: [['/pool34/MaxPool'], ['/stage5/Add'], ['/stage6/Add'], ['/stage4d/Add'], ['/stage2d/Add']],
};

// tiled: one RSU block or less per stage, for 1024 px in 128 MB. An RSU block at high
// resolution is cut in three: its head (the input conv, the first conv and pooling) and its tail
// (the decoder's last upsampling, concat, conv and the residual add) are local operations and run
// over horizontal bands of rows with a halo, so no full-size float activation ever exists; its
// middle (<= 1/4 of the block's resolution, small activations) runs whole. The low-resolution
// blocks (stage4..stage4d: 90% of the weights, activations <= N/16) run whole, one per stage.
// Each entry: [targets, band] with band = output rows per band in the stage's coarsest
// resolution (null: whole). A tiled stage is exact: its bands match the untiled graph
// (scripts/model/measure-stages.mjs --verify).
const TILED = [
  [['/stage1/pool2/MaxPool'], 8],                 // conv_in, stage1 head (512 and 256 rows at 1024)
  [['/stage1/rebnconv3d/relu_s1/Relu'], null],     // stage1 middle (<= 128)
  [['/pool12/MaxPool'], 8],                       // stage1 tail -> hx1 (64 ch at 512), pool12
  [['/stage2/pool1/MaxPool'], 16],                 // stage2 head
  [['/stage2/rebnconv2d/relu_s1/Relu'], null],
  [['/pool23/MaxPool'], 16],                       // stage2 tail, pool23
  [['/stage3/pool1/MaxPool'], 16],                 // stage3 head
  [['/stage3/rebnconv2d/relu_s1/Relu'], null],
  [['/pool34/MaxPool'], 16],                       // stage3 tail, pool34
  [['/stage4/pool1/MaxPool'], 8],                  // stage4 head (float convs)
  [['/stage4/rebnconv2d/relu_s1/Relu'], null],     // stage4 middle (quantized convs from here ...)
  [['/pool45/MaxPool'], 8],                        // stage4 tail (float), pool45
  [['/pool56/MaxPool'], null],                     // stage5 (whole blocks, quantized: stage5..stage5d at <= N/32)
  [['/stage6/Add'], null],                         // stage6
  [['/stage5d/Add'], null],                        // stage5d
  [['/stage4d/pool1/MaxPool'], 8],                 // stage4d head (float convs)
  [['/stage4d/rebnconv2d/relu_s1/Relu'], null],    // stage4d middle (... to here)
  [['/stage4d/Add'], 8],                           // stage4d tail (float)
  [['/stage3d/pool1/MaxPool'], 16],                // stage3d head
  [['/stage3d/rebnconv2d/relu_s1/Relu'], null],
  [['/stage3d/Add'], 16],                          // stage3d tail
  [['/stage2d/pool1/MaxPool'], 16],                // stage2d head
  [['/stage2d/rebnconv2d/relu_s1/Relu'], null],
  [['/stage2d/Add'], 16],                          // stage2d tail
  [['/stage1d/pool2/MaxPool'], 8],                // stage1d head
  [['/stage1d/rebnconv3d/relu_s1/Relu'], null],
  [null, 8],                                      // stage1d tail, side1, upsampling to N, sigmoid
];

// tiled-q: ORT's ConvInteger expands its whole band 9x (im2col, in u8) before its GEMM: narrower bands where that
// input is 64 to 128 channels at N/2 (stage1's tail, stage1d's head) keep the heap under the float preset's 46 MiB.
const TILED_Q_BANDS = { 2: 4, 24: 4 };

// Modules whose activations are at >= N/8 resolution but whose weights are small.
const FLOAT_CONV = {
  none: [],
  highres: ['conv_in', 'stage1', 'stage2', 'stage3', 'stage3d', 'stage2d', 'stage1d'],
  // Every conv a tiled stage runs must be float: a quantized one quantizes its input with the
  // min/max of the whole tensor (DynamicQuantizeLinear), which a band does not see.
  // And the heads of stage4 and stage4d, tiled too: their inputs (256 and 1024 channels at N/16)
  // would be expanded 9x by a quantized conv (9.4 and 38 MB of u8 at 1024, and 19 MB for
  // stage4's second conv), its int32 output cast, scaled and biased in three more full copies.
  tiled: ['conv_in', 'stage1', 'stage2', 'stage3', 'stage3d', 'stage2d', 'stage1d', 'side1',
          'stage4/rebnconvin', 'stage4/rebnconv1', 'stage4/rebnconv1d', 'stage4d/rebnconvin', 'stage4d/rebnconv1', 'stage4d/rebnconv1d'],
  // tiled-q: every conv stays quantized but conv_in (3 input channels) and side1 (1 output channel), both cheap in float.
  // A tiled stage's DynamicQuantizeLinear then takes its range from the band, not the whole tensor: no longer exact
  // against the untiled graph, but never coarser than it (a band's range lies within the tensor's).
  tiledq: ['conv_in', 'side1'],
  all: null, // every conv: ~176 MB of float weights, only for quality comparisons
};

const MEAN = [128, 128, 128], STD = [256, 256, 256]; // imgly: (rgb - 128) / 256, RGB, NCHW
const DTYPES = { 1: ['float32', 4], 2: ['uint8', 1], 3: ['int8', 1], 6: ['int32', 4], 7: ['int64', 8], 10: ['float16', 2] };

// ---------------------------------------------------------------- helpers
const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');
const num = (x) => (x == null ? x : Number(x)); // protobufjs gives Long/number/string for int64

function loadShipped(dataDir, model) {
  const resources = JSON.parse(fs.readFileSync(path.join(dataDir, 'resources.json'), 'utf8'));
  const entry = resources[`/models/${model}`];
  if (!entry) throw new Error(`/models/${model} not in resources.json`);
  // The package stores each model as ~4 MB chunks named by their sha256; chunk i covers
  // bytes [offsets[0], offsets[1]). Verify each chunk's hash while concatenating.
  const out = Buffer.alloc(entry.size);
  for (const c of entry.chunks) {
    const b = fs.readFileSync(path.join(dataDir, c.hash));
    if (sha256(b) !== c.hash) throw new Error(`chunk ${c.hash} corrupt`);
    if (b.length !== c.offsets[1] - c.offsets[0]) throw new Error(`chunk ${c.hash} size mismatch`);
    b.copy(out, c.offsets[0]);
  }
  return out;
}

function int64Values(t) {
  if (t.rawData?.length) {
    const dv = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.length);
    return Array.from({ length: t.rawData.length / 8 }, (_, i) => Number(dv.getBigInt64(i * 8, true)));
  }
  return t.int64Data.map(num);
}
function setInt64Values(t, vals) {
  const b = Buffer.alloc(vals.length * 8);
  vals.forEach((v, i) => b.writeBigInt64LE(BigInt(v), i * 8));
  t.rawData = b; t.int64Data = [];
}

// ---------------------------------------------------------------- graph surgery
// Keep only nodes needed for `outputs` (reverse reachability), then drop unused initializers.
function prune(g, outputs) {
  const producer = new Map();
  g.node.forEach((n, i) => n.output.forEach((o) => producer.set(o, i)));
  const need = new Set(outputs), keep = new Set();
  for (let i = g.node.length - 1; i >= 0; i--) {
    const n = g.node[i];
    if (!n.output.some((o) => need.has(o))) continue;
    keep.add(i); n.input.forEach((x) => x && need.add(x));
  }
  g.node = g.node.filter((_, i) => keep.has(i));
  g.initializer = g.initializer.filter((t) => need.has(t.name));
  g.output = g.output.filter((o) => outputs.includes(o.name));
  g.valueInfo = g.valueInfo.filter((v) => need.has(v.name));
}

// Rewrite 1024 -> N: graph input/output dims and every Resize `sizes` constant.
function resizeGraph(g, N, base) {
  const init = new Map(g.initializer.map((t) => [t.name, t]));
  const done = new Set();
  let resizes = 0;
  for (const n of g.node) {
    if (n.opType !== 'Resize') continue;
    resizes++;
    const sizesName = n.input[3];
    const t = sizesName && init.get(sizesName);
    if (!t) throw new Error(`Resize ${n.name}: sizes is not a constant initializer; cannot rewrite`);
    if (done.has(sizesName)) continue;
    const [b, c, h, w] = int64Values(t);
    const nh = (h * N) / base, nw = (w * N) / base;
    if (!Number.isInteger(nh) || !Number.isInteger(nw)) throw new Error(`Resize ${n.name}: ${h}x${w} * ${N}/${base} not integral`);
    setInt64Values(t, [b, c, nh, nw]);
    done.add(sizesName);
  }
  const scaleDims = (vi) => {
    const d = vi.type?.tensorType?.shape?.dim;
    if (d?.length === 4) for (const k of [2, 3]) d[k].dimValue = (num(d[k].dimValue) * N) / base;
  };
  g.input.forEach(scaleDims); g.output.forEach(scaleDims);
  // Intermediate shape annotations are stale now; ORT re-infers them.
  g.valueInfo = [];
  return resizes;
}

// Replace the dynamically-quantized conv pattern emitted by onnxruntime's quantizer
//   DynamicQuantizeLinear(x) -> ConvInteger(xq, Wq, xzp, wzp) -> Cast -> Mul(xs*ws) -> Add(bias)
// by a float Conv(x, (Wq - wzp) * ws, bias) for the nodes selected by `pick(name)`.
// Why: ORT's ConvInteger kernel expands the whole input with im2col before the GEMM
// (C_in*9*H*W bytes; 75 MB for the 128-channel concat of stage1d at N=512), while the float
// Conv goes through MLAS with a small bounded working buffer. In the high-resolution
// modules the weights are tiny (3.3 MB quint8 -> 13 MB float), so float convs there cut the
// activation peak a lot for little weight memory; the deep modules keep uint8 weights.
function floatConvs(g, pick) {
  const init = new Map(g.initializer.map((t) => [t.name, t]));
  const producer = new Map(), consumers = new Map();
  g.node.forEach((n) => {
    n.output.forEach((o) => producer.set(o, n));
    n.input.forEach((x) => { if (!consumers.has(x)) consumers.set(x, []); consumers.get(x).push(n); });
  });
  const only = (t, op) => { const c = consumers.get(t) ?? []; return c.length === 1 && c[0].opType === op ? c[0] : null; };
  const replaced = new Map(); // old ConvInteger node -> new Conv node
  const dead = new Set();
  let count = 0, floatWeightBytes = 0;
  for (const n of g.node) {
    if (n.opType !== 'ConvInteger' || !pick(n.name)) continue;
    const dql = producer.get(n.input[0]);
    const cast = only(n.output[0], 'Cast');
    const mul = cast && only(cast.output[0], 'Mul');
    const add = mul && only(mul.output[0], 'Add');
    const wq = init.get(n.input[1]), wzp = init.get(n.input[3]);
    if (dql?.opType !== 'DynamicQuantizeLinear' || !add || !wq || !wzp) throw new Error(`unexpected pattern at ${n.name}`);
    const scalesMul = producer.get(mul.input.find((x) => x !== cast.output[0])); // Mul(x_scale, w_scale)
    const ws = init.get(scalesMul.input.find((x) => init.has(x)));
    const biasReshape = producer.get(add.input.find((x) => x !== mul.output[0]));
    const bias = biasReshape?.opType === 'Reshape' ? biasReshape.input[0] : null;
    if (wq.dataType !== 2 || wzp.dataType !== 2 || ws.dataType !== 1 || ws.dims.length || !bias) throw new Error(`unsupported quantization at ${n.name}`);
    const zp = wzp.rawData?.length ? wzp.rawData[0] : wzp.int32Data[0];
    const s = ws.rawData?.length ? Buffer.from(ws.rawData).readFloatLE(0) : ws.floatData[0];
    const f = Buffer.alloc(wq.rawData.length * 4);
    for (let i = 0; i < wq.rawData.length; i++) f.writeFloatLE((wq.rawData[i] - zp) * s, i * 4);
    const wName = `${n.input[1]}_dequantized`;
    g.initializer.push({ name: wName, dataType: 1, dims: wq.dims, rawData: f });
    floatWeightBytes += f.length;
    replaced.set(n, { name: `${n.name}_float`, opType: 'Conv', domain: '', input: [dql.input[0], wName, bias],
                      output: [add.output[0]], attribute: n.attribute });
    [cast, mul, add].forEach((x) => dead.add(x));
    count++;
  }
  g.node = g.node.filter((n) => !dead.has(n)).map((n) => replaced.get(n) ?? n);
  return { count, floatWeightBytes };
}

// The fp16 graph (medium) computed in full precision: every fp16 initializer and constant
// widened to fp32 (exact: each fp16 value is representable in fp32), every Cast to fp16
// made a Cast to fp32. The weights are the shipped ones; only the arithmetic is wider.
// Used as the quality reference ("the model at its native size in full precision").
function halfToFloat(h) {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
function widenTensor(t) {
  if (t.dataType !== 10) return false;
  const src = t.rawData?.length ? t.rawData : null;
  const n = src ? src.length / 2 : t.int32Data.length;
  const out = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) out.writeFloatLE(halfToFloat(src ? src[2 * i] | (src[2 * i + 1] << 8) : t.int32Data[i]), i * 4);
  t.dataType = 1; t.rawData = out; t.int32Data = [];
  return true;
}
function toFloat32(g) {
  let tensors = 0, casts = 0;
  for (const t of g.initializer) if (widenTensor(t)) tensors++;
  for (const n of g.node) {
    for (const a of n.attribute) {
      if (a.t && widenTensor(a.t)) tensors++;
      if (n.opType === 'Cast' && a.name === 'to' && num(a.i) === 10) { a.i = 1; casts++; }
    }
  }
  g.valueInfo = [];
  return { tensors, casts };
}

// Partition nodes into stages by "targets" (see SPLITS). Returns [{nodes, inputs, outputs}].
function partition(g, targetsPerStage) {
  const producer = new Map();
  g.node.forEach((n, i) => n.output.forEach((o) => producer.set(o, i)));
  const byName = new Map(g.node.map((n, i) => [n.name, i]));
  const initNames = new Set(g.initializer.map((t) => t.name));
  const stageOf = new Array(g.node.length).fill(-1);
  const mark = (i, s) => { // mark i and its not-yet-assigned ancestors as stage s
    const stack = [i];
    while (stack.length) {
      const j = stack.pop();
      if (stageOf[j] !== -1) continue;
      stageOf[j] = s;
      for (const x of g.node[j].input) { const p = producer.get(x); if (p !== undefined && stageOf[p] === -1) stack.push(p); }
    }
  };
  targetsPerStage.forEach((names, s) => names.forEach((nm) => {
    if (!byName.has(nm)) throw new Error(`split target node ${nm} not found`);
    mark(byName.get(nm), s);
  }));
  const last = targetsPerStage.length;
  stageOf.forEach((s, i) => { if (s === -1) stageOf[i] = last; });
  const stages = Array.from({ length: last + 1 }, () => ({ nodes: [], idx: [], inputs: [], outputs: [] }));
  g.node.forEach((n, i) => stages[stageOf[i]].nodes.push(n)); // keeps topological order
  g.node.forEach((n, i) => stages[stageOf[i]].idx.push(i));
  const graphOut = new Set(g.output.map((o) => o.name));
  stages.forEach((st) => {
    const made = new Set(st.nodes.flatMap((n) => n.output));
    const ins = new Set();
    for (const n of st.nodes) for (const x of n.input) if (x && !made.has(x) && !initNames.has(x)) ins.add(x);
    st.inputs = [...ins];
    st.made = made; // outputs are known once every stage's inputs are (second pass)
  });
  stages.forEach((st, s) => {
    const usedLater = new Set();
    stages.slice(s + 1).forEach((o) => o.inputs.forEach((x) => usedLater.add(x)));
    st.outputs = [...st.made].filter((x) => usedLater.has(x) || graphOut.has(x));
    for (const x of st.inputs) {
      const p = producer.get(x);
      if (p !== undefined && stageOf[p] > s) throw new Error(`stage ${s} needs ${x} from a later stage`);
    }
    delete st.made;
  });
  return stages;
}

// Concrete shapes of the tensors that cross stage boundaries, via a tiny shape pass over
// the ops ISNet uses (everything is NCHW; only conv/pool/resize/concat change shapes).
function inferShapes(g, N) {
  const init = new Map(g.initializer.map((t) => [t.name, t]));
  const shapes = new Map([[g.input[0].name, [1, 3, N, N]]]);
  for (const n of g.node) {
    const s0 = shapes.get(n.input[0]);
    const attr = (k) => n.attribute.find((a) => a.name === k);
    let out;
    switch (n.opType) {
      case 'Conv': case 'ConvInteger': {
        const w = init.get(n.input[1]); const st = attr('strides')?.ints.map(num) ?? [1, 1];
        const pads = attr('pads')?.ints.map(num) ?? [0, 0, 0, 0]; const dil = attr('dilations')?.ints.map(num) ?? [1, 1];
        const k = w.dims.map(num);
        out = [s0[0], k[0], ...[0, 1].map((d) => Math.floor((s0[2 + d] + pads[d] + pads[d + 2] - dil[d] * (k[2 + d] - 1) - 1) / st[d]) + 1)];
        break;
      }
      case 'MaxPool': {
        const k = attr('kernel_shape').ints.map(num), st = attr('strides').ints.map(num);
        const f = num(attr('ceil_mode')?.i) ? Math.ceil : Math.floor;
        out = [s0[0], s0[1], ...[0, 1].map((d) => f((s0[2 + d] - k[d]) / st[d]) + 1)];
        break;
      }
      case 'Resize': out = int64Values(init.get(n.input[3])); break;
      case 'Concat': out = [...s0]; out[1] = n.input.reduce((a, x) => a + shapes.get(x)[1], 0); break;
      case 'Add': case 'Mul': {
        const s1 = shapes.get(n.input[1]) ?? init.get(n.input[1])?.dims.map(num) ?? [];
        out = (s0?.length ?? 0) >= s1.length ? s0 : s1; break;
      }
      default: out = s0; // Relu, Cast, Sigmoid, DynamicQuantizeLinear[0], Reshape(bias) ...
    }
    if (out) shapes.set(n.output[0], out);
  }
  return shapes;
}

// Makes a stage's graph run on a band of rows: its inputs' and outputs' height symbolic, its
// Resize nodes by scale instead of size. Returns the band geometry the runner needs: all rows
// counted in the stage's coarsest resolution ("unit rows"; every tensor in the stage is a whole
// multiple of it), and the halo, in unit rows, that makes each band's kept rows exact. The halo
// is each op's reach walked back from the outputs: a 3x3 conv reaches its padding (dilation x1
// or x2) beyond the rows it must produce, a stride-2 conv or 2x2 pooling doubles what it is
// asked for, a 2x upsampling halves it plus one row for the bilinear taps.
function tileStage(sg, shapes, band, quantizedBands) {
  const H = (x) => shapes.get(x)[2];
  const init = new Map(sg.initializer.map((t) => [t.name, t]));
  const io = [...sg.input.map((v) => v.name), ...sg.output.map((v) => v.name)];
  const unit = Math.min(...io.map(H));
  for (const n of sg.node) {
    if (!quantizedBands && (n.opType === 'DynamicQuantizeLinear' || n.opType === 'ConvInteger')) throw new Error(`tiled stage has ${n.name}: a quantized conv needs the whole tensor's range`);
    for (const o of n.output) { const sh = shapes.get(o); if (sh?.length === 4 && sh[2] < unit) throw new Error(`tiled stage: ${o} is coarser than its inputs and outputs`); }
  }
  for (const n of sg.node) {
    if (n.opType !== 'Resize') continue;
    const r = H(n.output[0]) / H(n.input[0]);
    const f = Buffer.alloc(16);
    [1, 1, r, r].forEach((v, i) => f.writeFloatLE(v, i * 4));
    const name = `${n.name}_scales`;
    sg.initializer.push({ name, dataType: 1, dims: [4], rawData: f });
    n.input = [n.input[0], '', name];
  }
  const used = new Set(sg.node.flatMap((n) => n.input));
  sg.initializer = sg.initializer.filter((t) => used.has(t.name)); // the Resize sizes just replaced
  const need = new Map(io.filter((x) => sg.output.some((v) => v.name === x)).map((x) => [x, 0]));
  const attr = (n, k) => n.attribute.find((a) => a.name === k)?.ints.map(num);
  for (const n of [...sg.node].reverse()) {
    const e = Math.max(0, ...n.output.map((o) => need.get(o) ?? 0));
    let demand;
    switch (n.opType) {
      case 'Conv': case 'ConvInteger': {
        const k = attr(n, 'kernel_shape')?.[0] ?? num(init.get(n.input[1]).dims[2]);
        const d = attr(n, 'dilations')?.[0] ?? 1, p = attr(n, 'pads')?.[0] ?? 0, st = attr(n, 'strides')?.[0] ?? 1;
        demand = e * st + Math.max(p, d * (k - 1) - p);
        break;
      }
      case 'MaxPool': demand = e * attr(n, 'strides')[0] + attr(n, 'kernel_shape')[0] - attr(n, 'strides')[0]; break;
      case 'Resize': demand = Math.ceil(e / (H(n.output[0]) / H(n.input[0]))) + 1; break;
      case 'Relu': case 'Add': case 'Concat': case 'Sigmoid': case 'Mul': case 'Cast': case 'DynamicQuantizeLinear': case 'Reshape': demand = e; break;
      default: throw new Error(`tiled stage: no halo rule for ${n.opType} (${n.name})`);
    }
    for (const x of n.input) if (x && !init.has(x)) need.set(x, Math.max(need.get(x) ?? 0, demand));
  }
  const halo = Math.max(...sg.input.map((v) => Math.ceil(need.get(v.name) / (H(v.name) / unit))));
  const symbolic = (v) => {
    const shape = shapes.get(v.name);
    return { ...v, type: { tensorType: { elemType: 1, shape: { dim: shape.map((d, i) => (i === 2 ? { dimParam: `rows_x${d / unit}` } : { dimValue: d })) } } } };
  };
  sg.input = sg.input.map(symbolic);
  sg.output = sg.output.map(symbolic);
  return { unitRows: unit, bandRows: band, haloRows: halo };
}

// ---------------------------------------------------------------- writing
function valueInfo(root, name, shape, elemType = 1) {
  return root.lookupType('onnx.ValueInfoProto').create({
    name, type: { tensorType: { elemType, shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
  });
}

// Writes model (and optional external data). Returns file records for the manifest.
function writeModel(root, model, outDir, base, external) {
  const Model = root.lookupType('onnx.ModelProto');
  const files = [];
  if (external) {
    // Tensors >= 1 KiB go to <base>.data, 64-byte aligned. The small ones (Resize sizes,
    // reshape shapes, scales) stay inline so the graph stays self-describing.
    const parts = []; let off = 0;
    const dataName = `${base}.data`;
    for (const t of model.graph.initializer) {
      if (!t.rawData || t.rawData.length < 1024) continue;
      const pad = (64 - (off % 64)) % 64;
      if (pad) { parts.push(Buffer.alloc(pad)); off += pad; }
      parts.push(Buffer.from(t.rawData));
      t.externalData = [{ key: 'location', value: dataName }, { key: 'offset', value: String(off) }, { key: 'length', value: String(t.rawData.length) }];
      t.dataLocation = 1;
      off += t.rawData.length;
      t.rawData = Buffer.alloc(0);
    }
    const data = Buffer.concat(parts);
    fs.writeFileSync(path.join(outDir, dataName), data);
    files.push({ path: dataName, role: 'externalData', bytes: data.length, sha256: sha256(data) });
  }
  const bytes = Buffer.from(Model.encode(model).finish());
  fs.writeFileSync(path.join(outDir, `${base}.onnx`), bytes);
  files.unshift({ path: `${base}.onnx`, role: 'model', bytes: bytes.length, sha256: sha256(bytes) });
  return files;
}

// ---------------------------------------------------------------- main
async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const protobuf = (await import(pathToFileURL(resolvePkg('protobufjs')).href)).default;
  const root = protobuf.loadSync(path.join(here, 'onnx.proto'));
  const Model = root.lookupType('onnx.ModelProto');

  const dataPkgJson = opt.dataDir ? path.join(opt.dataDir, '..', 'package.json') : resolvePkg('@imgly/background-removal-data/package.json');
  const dataDir = opt.dataDir ?? path.join(path.dirname(dataPkgJson), 'dist');
  const dataVersion = JSON.parse(fs.readFileSync(dataPkgJson, 'utf8')).version;
  const shipped = loadShipped(dataDir, opt.model);
  console.log(`read /models/${opt.model} from @imgly/background-removal-data@${dataVersion}: ${shipped.length} bytes, sha256 ${sha256(shipped)}`);

  fs.mkdirSync(opt.out, { recursive: true });
  const manifestPath = path.join(opt.out, 'manifest.json');
  const manifest = fs.existsSync(manifestPath) ? JSON.parse(fs.readFileSync(manifestPath, 'utf8')) : { models: [] };

  const tiledSplit = opt.split === 'tiled';
  const targets = tiledSplit ? TILED.slice(0, -1).map(([t]) => t) : SPLITS[opt.split] ?? opt.split.split(';').map((s) => s.split(','));
  const bands = tiledSplit ? TILED.map(([, b], s) => (b && opt.band ? opt.band : opt.floatConv === 'tiledq' ? TILED_Q_BANDS[s] ?? b : b)) : [];
  const dtypeOf = opt.fp32 ? 'fp32' : opt.model === 'medium' ? 'fp16' : 'quint8';

  for (const N of opt.sizes) {
    const model = Model.decode(shipped); // fresh copy per size
    const g = model.graph;
    const base = num(g.input[0].type.tensorType.shape.dim[2].dimValue); // 1024
    const inputName = g.input[0].name;
    const outputName = 'output';
    if (!opt.keepAllOutputs) prune(g, [outputName]);
    const widened = opt.fp32 ? toFloat32(g) : null;
    const resizes = base === N ? 0 : resizeGraph(g, N, base);
    let fc = { count: 0, floatWeightBytes: 0 };
    if (opt.floatConv !== 'none') {
      const mods = FLOAT_CONV[opt.floatConv] !== undefined ? FLOAT_CONV[opt.floatConv] : opt.floatConv.split(',');
      fc = floatConvs(g, (nm) => mods === null || mods.some((m) => nm.startsWith(`/${m}/`)));
      prune(g, g.output.map((o) => o.name)); // drop the now-unused quantize nodes / uint8 weights
    }
    model.producerName = `${model.producerName}+prepare-isnet`;
    // The small shape pass knows the quint8 graph's ops; the fp16 graph computes its Resize sizes
    // (Shape, Slice) and is only ever run whole, so its boundary shapes are the graph's own.
    const shapes = opt.fp32 ? new Map([[inputName, [1, 3, N, N]]]) : inferShapes(g, N);
    if (opt.fp32 && targets.length) throw new Error('--fp32: the graph cannot be split');

    const name = `${opt.name}-${dtypeOf}-${N}${opt.floatConv !== 'none' && !tiledSplit ? `-f${opt.floatConv === 'highres' ? 'hr' : opt.floatConv}` : ''}` +
      `${tiledSplit ? `-tiled${targets.length + 1}${opt.floatConv === 'tiledq' ? 'q' : ''}${opt.band ? `-b${opt.band}` : ''}` : opt.split !== 'none' ? `-split${targets.length + 1}` : ''}${opt.external ? '-ext' : ''}`;
    const entry = {
      name, inputSize: N, dtype: dtypeOf,
      inputName, outputName,
      input: { shape: [1, 3, N, N], type: 'float32', layout: 'NCHW', channels: 'RGB', mean: MEAN, std: STD,
               note: 'value = (rgb8 - mean) / std; image stretched to NxN (aspect not kept), bilinear' },
      output: { shape: [1, 1, N, N], type: 'float32', range: '0..1 (already sigmoid), alpha = value*255' },
      mean: MEAN, std: STD,
      files: [], stages: [],
      source: { package: '@imgly/background-removal-data', version: dataVersion, resource: `/models/${opt.model}`, sha256: sha256(shipped) },
      licence: 'AGPL-3.0-only (ISNet weights and graph (c) IMG.LY, from @imgly/background-removal-data; derived files keep that licence)',
      rewrites: { keptOutputs: opt.keepAllOutputs ? 'all' : [outputName], resizeNodesRewritten: resizes, externalData: opt.external,
                  floatConvs: fc.count, floatWeightBytes: fc.floatWeightBytes, floatConvModules: opt.floatConv,
                  ...(widened ? { widenedToFp32: widened } : {}) },
    };

    const stages = partition(g, targets);
    const prepared = Model.encode(model).finish();
    const tinfo = (x) => { const shape = shapes.get(x) ?? null; return { name: x, shape, type: 'float32', bytes: shape ? shape.reduce((a, b) => a * b, 4) : null }; };
    stages.forEach((st, s) => {
      const m = Model.decode(prepared); // deep copy; same node order as g
      const sg = m.graph;
      const keep = new Set(st.idx);
      sg.node = sg.node.filter((_, i) => keep.has(i));
      const used = new Set(sg.node.flatMap((n) => n.input));
      sg.initializer = sg.initializer.filter((t) => used.has(t.name));
      // One stage is the whole graph: its own inputs and outputs (all of them with --keep-all-outputs).
      sg.input = stages.length === 1 ? g.input : st.inputs.map((x) => (x === inputName ? g.input[0] : valueInfo(root, x, shapes.get(x))));
      sg.output = stages.length === 1 ? g.output : st.outputs.map((x) => (x === outputName ? g.output[0] : valueInfo(root, x, shapes.get(x))));
      sg.valueInfo = [];
      const tile = bands[s] ? tileStage(sg, shapes, bands[s], opt.floatConv === 'tiledq') : null;
      const fileBase = stages.length > 1 ? `${name}.s${s + 1}of${stages.length}` : name;
      const files = writeModel(root, m, opt.out, fileBase, opt.external);
      entry.files.push(...files);
      const weightBytes = sg.initializer.reduce((a, t) => a + (t.rawData?.length || 0), 0) + (opt.external ? files.find((f) => f.role === 'externalData').bytes : 0);
      entry.stages.push({ index: s, files: files.map((f) => f.path), nodes: sg.node.length, weightBytes,
                          inputs: st.inputs.map(tinfo), outputs: st.outputs.map(tinfo), ...(tile ? { tile } : {}) });
    });
    if (stages.length > 1) {
      // What the caller has to keep in JS between stages (the high-water mark over boundaries).
      entry.handover = stages.slice(0, -1).map((_, s) => {
        const live = new Set();
        stages.slice(s + 1).forEach((o) => o.inputs.forEach((x) => { if (stages.slice(0, s + 1).some((p) => p.outputs.includes(x))) live.add(x); }));
        return { after: s, tensors: [...live], bytes: [...live].reduce((a, x) => a + tinfo(x).bytes, 0) };
      });
    }
    manifest.models = manifest.models.filter((e) => e.name !== name).concat(entry);
    const total = entry.files.reduce((a, f) => a + f.bytes, 0);
    console.log(`${name}: ${stages.length} stage(s), ${resizes} Resize rewritten, ${entry.files.length} file(s), ${total} bytes` +
      (entry.handover ? `, handover ${entry.handover.map((h) => (h.bytes / 1e6).toFixed(1) + ' MB').join(' / ')}` : ''));
  }
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`manifest: ${manifestPath}`);
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
