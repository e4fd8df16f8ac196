#!/usr/bin/env node
// Background removal: latency and peak memory per image size, through the
// real API (wrangler dev, queue consumer, R2), one fresh server per size so
// each size's memory high-water mark is its own.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { api, demoToken, memoryOf, startApi, startFileServer } from "./lib/servers.mjs";

const root = path.resolve(import.meta.dirname, "..");
const imagesDir = path.join(root, "bench", "out", "images");

/** Source photos of 1, 4, 12 and 25 MP, made once from a real photo (ImageMagick, Lanczos). */
export function benchImages(megapixels = [1, 4, 12, 25]) {
  mkdirSync(imagesDir, { recursive: true });
  return megapixels.map((mp) => {
    const file = path.join(imagesDir, `photo-${mp}mp.jpg`);
    // 3:2 landscape, at most mp million pixels.
    const width = Math.floor(Math.sqrt(mp * 1e6 * 1.5));
    const height = Math.floor((mp * 1e6) / width);
    if (!existsSync(file)) {
      execFileSync("convert", [path.join(root, "test/fixtures/bg/chelsea.jpg"), "-filter", "Lanczos", "-resize", `${width}x${height}!`, "-quality", "90", file]);
    }
    return { mp, file, width, height };
  });
}

async function runJob(base, token, imageUrl) {
  const started = performance.now();
  const created = await api(base, "/v1/services/bg-remove", { token, body: { image_url: imageUrl, subject_type: "auto" } });
  if (created.status !== 202) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const job = await api(base, `/v1/services/bg-remove/${created.body.job_id}`, { token });
    if (job.body.status === "completed" || job.body.status === "failed") return { ms: performance.now() - started, job: job.body };
  }
}

export async function benchBgRemoval({ megapixels = [1, 4, 12, 25], runs = 3, port = 8796 } = {}) {
  const images = benchImages(megapixels);
  const [warmUp] = benchImages([1]);
  const files = await startFileServer(imagesDir);
  const stateDir = mkdtempSync(path.join(tmpdir(), "bench-bg-"));
  const rows = [];
  try {
    for (const image of images) {
      const server = await startApi({
        port,
        stateDir,
        // The bench measures past the default 12 MP limit and polls fast.
        vars: { MAX_SOURCE_PIXELS: "40000000", MAX_SOURCE_BYTES: String(100 * 1024 * 1024), RATE_LIMIT_PER_MINUTE: "100000", FETCH_TIMEOUT_MS: "60000" },
      });
      try {
        const token = await demoToken(server.base);
        const pid = server.workerdPid();
        // Warm-up on a small image: ORT initialised, codecs instantiated.
        await runJob(server.base, token, `${files.base}/${path.basename(warmUp.file)}`);
        const before = memoryOf(pid);
        const times = [];
        let last;
        for (let i = 0; i < runs; i++) {
          last = await runJob(server.base, token, `${files.base}/${path.basename(image.file)}`);
          times.push(last.ms);
        }
        const after = memoryOf(pid);
        times.sort((a, b) => a - b);
        rows.push({
          megapixels: image.mp,
          size: `${image.width}×${image.height}`,
          status: last.job.status,
          error: last.job.error_message,
          medianMs: Math.round(times[Math.floor(times.length / 2)]),
          workerdRssBeforeMB: Math.round(before.rssMB),
          workerdPeakMB: Math.round(after.hwmMB),
          peakAboveIdleMB: Math.round(after.hwmMB - before.rssMB),
        });
        console.log(JSON.stringify(rows.at(-1)));
      } finally {
        server.stop();
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  } finally {
    files.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv[2] ? process.argv[2].split(",").map(Number) : undefined;
  console.table(await benchBgRemoval({ megapixels: sizes }));
}
