#!/usr/bin/env node
// measure-stages.mjs — runs a model prepared by prepare-isnet.mjs the way the model Worker
// does (src/bg-removal/stage-runner.ts, bundled here with esbuild, on onnxruntime-web's
// single-threaded wasm build: the same backend as workerd) and measures it.
//
//   node scripts/model/measure-stages.mjs --dir /tmp/isnet --name isnet-quint8-1024-tiled23-ext \
//        [--image photo.jpg ...] [--jobs 3] [--reference-dir /tmp/native --reference isnet-quint8-1024]
//      Stages one after another in one wasm instance, as in the Worker: per stage the wasm heap's
//      high-water mark so far, the bytes held in JS between stages, the time. The heap grows
//      exactly to what is asked (ORT's glue normally adds 20 % a step), so the last figure is the
//      least heap the whole run needs, fragmentation included. Per stage also the time in ORT's run
//      and in creating its session; the rest is the runner's own work (8-bit rows in and out).
//      With --reference: the mask's IoU (value >= 0.5) against the reference model run in
//      onnxruntime-node on the same input. --save <dir>: each image's output map as raw float32
//      (<name>-<image>.f32), to compare models of different sizes. --opt-level: ORT's
//      graphOptimizationLevel (default all, as in the Worker).
//   node scripts/model/measure-stages.mjs --dir ... --name ... --stage 5
//      One stage alone in a fresh instance on zeros: its own peak.
//   node scripts/model/measure-stages.mjs --dir ... --name <tiled> --verify <untiled name>
//      Tiling is exact: every tensor kept in float, the tiled run's output against the untiled
//      graph's (prepare-isnet --float-conv tiled, same size) in one session; max |difference|.
//
// Input images are stretched to N×N with sharp (bench/peers' copy: `cd bench/peers && npm ci`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'package.json'));
const peerRequire = createRequire(path.join(root, 'bench/peers/package.json'));
const { values: opt } = parseArgs({
  options: {
    dir: { type: 'string' }, name: { type: 'string' }, stage: { type: 'string' }, verify: { type: 'string' },
    image: { type: 'string', multiple: true, default: [] }, jobs: { type: 'string', default: '1' },
    'reference-dir': { type: 'string' }, reference: { type: 'string' }, pregrow: { type: 'string' },
    json: { type: 'boolean', default: false }, 'opt-level': { type: 'string', default: 'all' }, save: { type: 'string' },
  },
});
const MB = (x) => +(x / 1048576).toFixed(1);

// ---------------------------------------------------------------- onnxruntime-web, exact growth
let memory = null;
async function loadOrtWeb() {
  const dist = path.dirname(require.resolve('onnxruntime-web/wasm')); // .../dist/ort.wasm.min.js
  const src = fs.readFileSync(path.join(dist, 'ort.wasm.bundle.min.mjs'), 'utf8');
  // emscripten's heap growth asks for the requested size or 20 % more, whichever is larger:
  // make it the requested size, so the heap's final size is the most the run ever held.
  const grow = /(function \w+\((\w)\)\{\2>>>=0;var (\w)=[^;]+;if\(\2<=\3\|\|4294901760<\2\)return!1;for\(var (\w)=1;4>=\4;\4\*=2\)\{var \w=)\3\*\(1\+\.2\/\4\)/;
  if (!grow.test(src)) throw new Error('onnxruntime-web glue changed: cannot make its heap grow exactly');
  const file = path.join(os.tmpdir(), `ort-exact-grow-${process.pid}.mjs`);
  fs.writeFileSync(file, src.replace(grow, '$1$2'));
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = function (source, imports) {
    for (const ns of Object.values(imports ?? {})) for (const v of Object.values(ns)) if (v instanceof WebAssembly.Memory) {
      memory = v;
      const want = Number(opt.pregrow ?? 0) * 1048576;
      if (want > v.buffer.byteLength) v.grow(Math.ceil((want - v.buffer.byteLength) / 65536));
    }
    return instantiate.call(this, source, imports);
  };
  const ort = await import(pathToFileURL(file).href);
  fs.rmSync(file);
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = fs.readFileSync(path.join(dist, 'ort-wasm-simd-threaded.wasm'));
  ort.env.logLevel = 'error';
  return ort;
}

async function loadRunner() {
  const esbuild = require('esbuild');
  const out = path.join(os.tmpdir(), `stage-runner-${process.pid}.mjs`);
  await esbuild.build({ entryPoints: [path.join(root, 'src/bg-removal/stage-runner.ts')], bundle: true, format: 'esm', platform: 'neutral', outfile: out, logLevel: 'error' });
  const mod = await import(pathToFileURL(out).href);
  fs.rmSync(out);
  return mod;
}

function readEntry(dir, name) {
  const { models } = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const entry = models.find((m) => m.name === name);
  if (!entry) throw new Error(`${name} is not in ${dir}/manifest.json`);
  return entry;
}

const sessionOptions = { executionMode: 'parallel', graphOptimizationLevel: opt['opt-level'] };
function openStage(ort, dir) {
  return async (stage) => {
    const [graph, ...data] = stage.files;
    return ort.InferenceSession.create(fs.readFileSync(path.join(dir, graph)), { ...sessionOptions, externalData: data.map((p) => ({ path: p, data: fs.readFileSync(path.join(dir, p)) })) });
  };
}

async function imageInput(file, entry) {
  const sharp = peerRequire('sharp');
  const n = entry.inputSize;
  const rgb = await sharp(file).rotate().removeAlpha().resize(n, n, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  const plane = n * n;
  const input = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) input[c * plane + i] = (rgb[i * 3 + c] - entry.mean[c]) / entry.std[c];
  return input;
}

async function reference(input, n) {
  const ortNode = peerRequire('onnxruntime-node');
  const entry = readEntry(opt['reference-dir'], opt.reference);
  const session = await ortNode.InferenceSession.create(path.join(opt['reference-dir'], `${entry.name}.onnx`));
  const out = await session.run({ [entry.inputName]: new ortNode.Tensor('float32', input, [1, 3, n, n]) }, [entry.outputName]);
  return out[entry.outputName].data;
}

function iou(a, b) {
  let both = 0, either = 0;
  for (let i = 0; i < a.length; i++) { const x = a[i] >= 0.5, y = b[i] >= 0.5; if (x && y) both++; if (x || y) either++; }
  return either ? both / either : 1;
}

// ---------------------------------------------------------------- modes
const entry = readEntry(opt.dir, opt.name);
const ort = await loadOrtWeb();
const n = entry.inputSize;

if (opt.stage !== undefined) {
  const stage = entry.stages[Number(opt.stage)];
  const t0 = performance.now();
  const session = await openStage(ort, opt.dir)(stage);
  const created = memory.buffer.byteLength, createMs = performance.now() - t0;
  const { runStages } = await loadRunner();
  // A first stage that hands over zeros of the right shapes, then this one through the runner's band loop.
  const t1 = performance.now();
  const fake = { index: -1, files: [], inputs: [{ name: '__none', shape: [1, 1, 1, 1] }], outputs: stage.inputs };
  await runStages({
    ort, stages: [fake, stage], inputName: '__none', outputName: stage.outputs[0].name,
    open: async (st) => (st === fake ? { run: async () => Object.fromEntries(stage.inputs.map((t) => [t.name, { data: new Float32Array(t.shape.reduce((a, b) => a * b)), dims: t.shape }])), release: async () => {} } : session),
  }, new Float32Array(1));
  console.log(JSON.stringify({ stage: stage.index, tile: stage.tile ?? null, weightsMB: MB(stage.weightBytes), heapAfterCreateMB: MB(created), heapPeakMB: MB(memory.buffer.byteLength), createMs: Math.round(createMs), runMs: Math.round(performance.now() - t1) }));
  process.exit(0);
}

const { runStages } = await loadRunner();
const images = opt.image.length ? opt.image : [null];
for (let job = 0; job < Number(opt.jobs); job++) {
  for (const file of images) {
    const input = file ? await imageInput(file, entry) : new Float32Array(3 * n * n).fill(0.1);
    const refInput = opt.reference || opt.verify ? input.slice() : null;
    const rows = [];
    let createMs = 0, stageCreateMs = 0, stageRunMs = 0, runMs = 0;
    const t0 = performance.now();
    const out = await runStages({
      ort, stages: entry.stages, inputName: entry.inputName, outputName: entry.outputName, holdFloat: !!opt.verify,
      open: async (stage) => {
        const t = performance.now();
        const s = await openStage(ort, opt.dir)(stage);
        stageCreateMs = performance.now() - t; createMs += stageCreateMs; stageRunMs = 0;
        // Time inside ORT's run apart from the stage's total: the rest is creating the session and the runner's own work (8-bit rows in and out).
        return { run: async (...a) => { const r0 = performance.now(); try { return await s.run(...a); } finally { stageRunMs += performance.now() - r0; } }, release: () => s.release() };
      },
      report: (r) => { runMs += stageRunMs; rows.push({ stage: r.index, bands: r.bands, heapMB: MB(memory.buffer.byteLength), heldMB: MB(r.heldBytes), ms: r.runMs, createMs: Math.round(stageCreateMs), ortRunMs: Math.round(stageRunMs) }); },
    }, input);
    const totalMs = performance.now() - t0;
    const result = { job, image: file && path.basename(file), heapMB: MB(memory.buffer.byteLength), totalMs: Math.round(totalMs), createMs: Math.round(createMs), ortRunMs: Math.round(runMs) };
    if (opt.save && file) fs.writeFileSync(path.join(opt.save, `${entry.name}-${path.basename(file).replace(/\.[^.]*$/, '')}.f32`), Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
    if (opt.verify) {
      const untiled = readEntry(opt.dir, opt.verify);
      const [graph, ...data] = untiled.files.map((f) => f.path);
      const session = await ort.InferenceSession.create(fs.readFileSync(path.join(opt.dir, graph)), { ...sessionOptions, externalData: data.map((p) => ({ path: p, data: fs.readFileSync(path.join(opt.dir, p)) })) });
      const ref = (await session.run({ [untiled.inputName]: new ort.Tensor('float32', refInput, [1, 3, n, n]) }, [untiled.outputName]))[untiled.outputName].data;
      let max = 0;
      for (let i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(ref[i] - out.data[i]));
      result.maxAbsDiff = max;
    }
    if (opt.reference) result.iou = +iou(out.data, await reference(refInput, n)).toFixed(4);
    if (opt.json) console.log(JSON.stringify({ ...result, stages: rows }));
    else {
      if (job === 0 && file === images[0]) console.table(rows);
      console.log(JSON.stringify(result));
    }
  }
}
