#!/usr/bin/env node
// Decode speed and memory of the row-streaming PNG decoder (src/imaging/png-bands.ts)
// against sharp (libvips with libspng, whole frame) and against the project's whole-frame
// decodePng, on 12 MP and 25 MP photos, RGB and RGBA; and, inside workerd, inflating the
// image data alone with the runtime's zlib against fflate, the choice png-bands.ts made.
//
// The streaming decoder runs where it runs in production, in workerd (Miniflare, the file
// in its local R2, inflated by the runtime's zlib), and in Node, where DecompressionStream
// is not a byte stream and it inflates with fflate instead (its fallback). The Node runs
// (stream, decodePng, sharp) are each in a child process of their own, so each memory peak
// is that decoder's. Memory: for the stream, the largest retainedBytes() seen between bands
// and, in Node, the largest growth of the JS heap plus ArrayBuffers; for decodePng the same
// growth (the file and the frame); for sharp, whose buffers are native, the largest growth
// of the resident set (sampled every 5 ms) with its output frame.
//
// Inputs are made once into bench/out/png-bands/ (gitignored): the bench's photo
// (test/fixtures/bg/chelsea.jpg) enlarged with film grain by ImageMagick, RGBA ones with a
// radial alpha ramp, written by ImageMagick (libpng, zlib level 7, adaptive filters).
//
//   node bench/png-bands.mjs [name ...]     e.g. `node bench/png-bands.mjs 25mp-rgba`
//
// Needs (Debian): imagemagick; node_modules (esbuild, sharp, miniflare through wrangler).
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { table } from "./lib/markdown.mjs";
import { bundleForNode, median } from "./lib/node-bundle.mjs";

const root = path.resolve(import.meta.dirname, "..");
const outDir = path.join(root, "bench", "out", "png-bands");
const CONVERT = process.env.IM_CONVERT ?? "/usr/bin/convert";
const NODE_BUNDLE = path.join(outDir, "png-bands.node.mjs");

const FILES = [
  { name: "12mp-rgb", width: 4243, height: 2828, alpha: false },
  { name: "12mp-rgba", width: 4243, height: 2828, alpha: true },
  { name: "25mp-rgb", width: 6124, height: 4082, alpha: false },
  { name: "25mp-rgba", width: 6124, height: 4082, alpha: true },
];
const RUNS = (mp) => (mp > 20 ? 3 : 4);
const MB = (n) => (n / 1048576).toFixed(1);

function makeFile({ name, width, height, alpha }) {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${name}.png`);
  if (existsSync(file)) return file;
  const env = { ...process.env, LC_ALL: "C", TZ: "UTC" };
  const ppm = path.join(outDir, `${width}x${height}.ppm`);
  if (!existsSync(ppm)) {
    execFileSync(CONVERT, [path.join(root, "test/fixtures/bg/chelsea.jpg"), "-strip", "-filter", "Lanczos", "-resize", `${width}x${height}!`,
      "-seed", "1", "-attenuate", "0.25", "+noise", "Gaussian", `PPM:${ppm}.partial`], { env });
    renameSync(`${ppm}.partial`, ppm);
  }
  const alphaArgs = alpha ? ["(", "-size", `${width}x${height}`, "radial-gradient:white-black", ")", "-alpha", "off", "-compose", "CopyOpacity", "-composite"] : [];
  execFileSync(CONVERT, [ppm, ...alphaArgs, "-strip", "-define", "png:exclude-chunks=date,time", `${alpha ? "PNG32" : "PNG24"}:${file}.partial`], { env });
  renameSync(`${file}.partial`, file);
  return file;
}

/** A file on disk as the decoder's SourceFile, streamed in 64 KiB chunks as R2 delivers it. */
function diskFile(file) {
  const size = statSync(file).size;
  return {
    size,
    stream: async (offset = 0) => Readable.toWeb(createReadStream(file, { start: offset, highWaterMark: 64 * 1024 })),
    read: async (offset, length) => {
      const bytes = readFileSync(file).subarray(offset, offset + length);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  };
}

const grown = (base) => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers - base;
};
const baseline = () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** Child: decodes one file with one decoder, prints JSON. */
async function child(decoder, file, runs) {
  const times = [];
  let peak = 0;
  let retained = 0;
  let sha256 = "";
  if (decoder === "stream") {
    const { openPngRaster } = await import(NODE_BUNDLE);
    for (let r = 0; r < runs; r++) {
      const base = baseline();
      const t0 = performance.now();
      const stream = await openPngRaster(diskFile(file), { maxPixels: 1e9 });
      for await (const _band of stream.bands) {
        retained = Math.max(retained, stream.retainedBytes());
        peak = Math.max(peak, grown(base));
      }
      times.push(performance.now() - t0);
    }
    const hash = createHash("sha256");
    const stream = await openPngRaster(diskFile(file), { maxPixels: 1e9 });
    for await (const band of stream.bands) hash.update(band.rows);
    sha256 = hash.digest("hex");
  } else if (decoder === "decodePng") {
    const { decodePng } = await import(NODE_BUNDLE);
    for (let r = 0; r < runs; r++) {
      const base = baseline();
      const t0 = performance.now();
      const bytes = new Uint8Array(readFileSync(file));
      const decoded = decodePng(bytes);
      times.push(performance.now() - t0);
      peak = Math.max(peak, grown(base));
      if (r === runs - 1) sha256 = createHash("sha256").update(decoded.data).digest("hex");
    }
  } else {
    const require = createRequire(path.join(root, "package.json"));
    const sharp = require("sharp");
    sharp.cache(false);
    for (let r = 0; r < runs; r++) {
      globalThis.gc?.();
      const base = process.memoryUsage().rss;
      let rss = 0;
      const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss - base)), 5);
      const t0 = performance.now();
      const out = await sharp(file, { limitInputPixels: false }).ensureAlpha().raw().toBuffer();
      times.push(performance.now() - t0);
      clearInterval(sampler);
      peak = Math.max(peak, rss, process.memoryUsage().rss - base);
      if (r === runs - 1) sha256 = createHash("sha256").update(out).digest("hex");
    }
  }
  console.log(JSON.stringify({ ms: median(times), all: times.map((t) => Math.round(t)), peak, retained, sha256 }));
}

/** The streaming decoder inside workerd: one Miniflare instance, the files in its local R2. */
async function workerdRunner() {
  const { build } = await import(path.join(root, "node_modules/esbuild/lib/main.js"));
  const fromWrangler = createRequire(path.join(root, "node_modules", "wrangler", "package.json"));
  const { Miniflare } = await import(fromWrangler.resolve("miniflare"));
  const worker = `
    import { Unzlib } from "fflate";
    import { openPngRaster } from "./src/imaging/png-bands.ts";
    import { r2File } from "./src/imaging/source-file.ts";

    /** The file's image data (every IDAT, joined): what the inflater gets. */
    function idatOf(bytes) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const parts = [];
      for (let at = 8; at + 8 <= bytes.length; ) {
        const length = view.getUint32(at);
        if (String.fromCharCode(...bytes.subarray(at + 4, at + 8)) === "IDAT") parts.push(bytes.subarray(at + 8, at + 8 + length));
        at += 12 + length;
      }
      const idat = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      parts.reduce((at, p) => (idat.set(p, at), at + p.length), 0);
      return idat;
    }

    /** Inflating alone, the decoder's two ways: the runtime's zlib in 4 KiB writes, each read whole; fflate's Unzlib in pieces. */
    async function inflateTimes(idat) {
      const PIECE = 4096;
      const times = {};
      let t0 = performance.now();
      const stream = new DecompressionStream("deflate");
      const writer = stream.writable.getWriter();
      const reader = stream.readable.getReader({ mode: "byob" });
      let buffer = new ArrayBuffer(1032 * (PIECE + 8) + 1024);
      let native = 0;
      // Every 4 KiB of a photo's data inflates to something, so each write fills the read waiting for it.
      for (let i = 0; i < idat.length; i += PIECE) {
        const read = reader.read(new Uint8Array(buffer));
        await writer.write(idat.subarray(i, i + PIECE));
        const { value } = await read;
        native += value.length;
        buffer = value.buffer;
      }
      times.native = performance.now() - t0;
      for (const piece of [PIECE, 64 * 1024]) {
        t0 = performance.now();
        let out = 0;
        const unzlib = new Unzlib((data) => (out += data.length));
        for (let i = 0; i < idat.length; i += piece) unzlib.push(idat.subarray(i, i + piece));
        times["fflate" + piece] = performance.now() - t0;
        if (out !== native) throw new Error("fflate and zlib disagree: " + out + " / " + native);
      }
      return times;
    }

    export default {
      async fetch(request, env) {
        const url = new URL(request.url);
        const key = url.searchParams.get("key");
        const head = await env.IMAGES.head(key);
        const file = r2File(env.IMAGES, key, head.size);
        if (url.searchParams.get("mode") === "inflate") return Response.json(await inflateTimes(idatOf(await file.read(0, file.size))));
        const t0 = performance.now();
        if (url.searchParams.get("mode") === "read") {
          const reader = (await file.stream()).getReader();
          let bytes = 0;
          for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += r.value.length;
          return Response.json({ ms: performance.now() - t0, bytes });
        }
        const stream = await openPngRaster(file, { maxPixels: 1e9 });
        let retained = 0;
        const digest = new crypto.DigestStream("SHA-256");
        const writer = url.searchParams.get("mode") === "hash" ? digest.getWriter() : null;
        for await (const band of stream.bands) {
          retained = Math.max(retained, stream.retainedBytes());
          if (writer) await writer.write(new Uint8Array(band.rows.buffer, band.rows.byteOffset, band.rows.byteLength));
        }
        const ms = performance.now() - t0;
        let sha256 = "";
        if (writer) {
          await writer.close();
          sha256 = [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
        }
        return Response.json({ ms, retained, sha256 });
      },
    };`;
  const result = await build({
    stdin: { contents: worker, resolveDir: root, loader: "js" },
    bundle: true,
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    format: "esm",
    write: false,
    logLevel: "warning",
  });
  const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(path.join(root, "wrangler.toml"), "utf8"))[1];
  const mf = new Miniflare({ modules: true, script: result.outputFiles[0].text, compatibilityDate, r2Buckets: ["IMAGES"] });
  const bucket = await mf.getR2Bucket("IMAGES");
  const call = async (key, mode) => {
    const res = await mf.dispatchFetch(`http://bench/?key=${key}&mode=${mode}`);
    if (!res.ok) throw new Error(`workerd ${mode} ${key}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    async run(name, file, runs) {
      const bytes = readFileSync(file);
      await bucket.put(name, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const read = [];
      const decode = [];
      const inflate = [];
      let retained = 0;
      for (let r = 0; r < runs; r++) {
        read.push((await call(name, "read")).ms);
        const d = await call(name, "decode");
        decode.push(d.ms);
        retained = Math.max(retained, d.retained);
        inflate.push(await call(name, "inflate"));
      }
      const { sha256 } = await call(name, "hash");
      await bucket.delete(name);
      const inflateMs = Object.fromEntries(Object.keys(inflate[0]).map((k) => [k, median(inflate.map((t) => t[k]))]));
      return { ms: median(decode), readMs: median(read), retained, sha256, inflateMs };
    },
    dispose: () => mf.dispose(),
  };
}

async function main() {
  const wanted = process.argv.slice(2);
  const files = wanted.length ? FILES.filter((f) => wanted.includes(f.name)) : FILES;
  if (!files.length) throw new Error(`unknown file; one of ${FILES.map((f) => f.name).join(", ")}`);
  mkdirSync(outDir, { recursive: true });
  rmSync(NODE_BUNDLE, { force: true });
  await bundleForNode(["src/imaging/png-bands.ts", "src/imaging/png-decode.ts"], NODE_BUNDLE);
  const workerd = await workerdRunner();
  const speed = [];
  const memory = [];
  const inflating = [];
  try {
    for (const spec of files) {
      const file = makeFile(spec);
      const mp = (spec.width * spec.height) / 1e6;
      const runs = RUNS(mp);
      const run = (decoder) => {
        const r = spawnSync(process.execPath, ["--expose-gc", import.meta.filename, "--child", decoder, file, String(runs)], { encoding: "utf8", maxBuffer: 1 << 20 });
        if (r.status !== 0) throw new Error(`${decoder} on ${spec.name}: ${r.stderr}`);
        return JSON.parse(r.stdout.trim().split("\n").pop());
      };
      const sharp = run("sharp");
      const stream = run("stream");
      const whole = run("decodePng");
      const inWorkerd = await workerd.run(spec.name, file, runs);
      const label = `${spec.name} (${spec.width}×${spec.height})`;
      speed.push({
        file: label,
        size: `${(statSync(file).size / 1e6).toFixed(1)} MB`,
        sharp: sharp.ms.toFixed(0),
        workerd: inWorkerd.ms.toFixed(0),
        read: inWorkerd.readMs.toFixed(0),
        node: stream.ms.toFixed(0),
        decodePng: whole.ms.toFixed(0),
        same: [inWorkerd.sha256, stream.sha256, whole.sha256].every((h) => h === sharp.sha256) ? "yes" : "NO",
      });
      inflating.push({
        file: label,
        idat: `${(statSync(file).size / 1e6).toFixed(1)} MB → ${MB(spec.height * (1 + spec.width * (spec.alpha ? 4 : 3)))} MB`,
        native: inWorkerd.inflateMs.native.toFixed(0),
        fflate4k: inWorkerd.inflateMs.fflate4096.toFixed(0),
        fflate64k: inWorkerd.inflateMs.fflate65536.toFixed(0),
      });
      memory.push({
        file: label,
        frame: MB(spec.width * spec.height * 4),
        retainedWorkerd: MB(inWorkerd.retained),
        retainedNode: MB(stream.retained),
        heapNode: MB(stream.peak),
        decodePng: MB(whole.peak),
        sharp: MB(sharp.peak),
      });
    }
  } finally {
    await workerd.dispose();
  }
  console.log(table(speed, {
    sharp: "sharp ms",
    workerd: "stream in workerd ms",
    read: "R2 read alone ms",
    node: "stream in Node (fflate) ms",
    decodePng: "decodePng ms",
    same: "same RGBA as sharp",
  }));
  console.log();
  console.log(table(inflating, {
    idat: "file → inflated",
    native: "zlib (DecompressionStream), 4 KiB writes ms",
    fflate4k: "fflate Unzlib, 4 KiB pushes ms",
    fflate64k: "fflate Unzlib, 64 KiB pushes ms",
  }));
  console.log();
  console.log(table(memory, {
    frame: "RGBA frame MB",
    retainedWorkerd: "stream retained MB (workerd)",
    retainedNode: "stream retained MB (Node)",
    heapNode: "stream heap + buffers MB (Node)",
    decodePng: "decodePng heap + buffers MB",
    sharp: "sharp RSS growth MB",
  }));
}

if (process.argv[2] === "--child") await child(process.argv[3], process.argv[4], Number(process.argv[5]));
else await main();
