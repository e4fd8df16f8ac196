// The API side of the sticker benches: one job through the real API and both
// consumers under `wrangler dev`, and the logos it is measured on.
import { existsSync, mkdirSync, renameSync } from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { api } from "../lib/servers.mjs";
import { ensureTools } from "../lib/system-tools.mjs";
import { printFilesDir } from "../preflight/files.mjs";

/**
 * One sticker job, create → completed or failed as a client polling every
 * 100 ms sees it; `params` are the request's fields besides image_url.
 * Polling stops after `timeoutMs` (a caller that gave up would otherwise
 * leave it polling a stopped server for good).
 */
export async function runStickerJob(base, token, imageUrl, params = {}, { timeoutMs = 30 * 60_000 } = {}) {
  const started = performance.now();
  const created = await api(base, "/v1/services/stickers", { token, body: { image_url: imageUrl, ...params } });
  if (created.status !== 202) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    // A poll that stalls locally is dropped and the next one asked; polls change nothing.
    const job = await api(base, `/v1/services/stickers/${created.body.job_id}`, { token, timeoutMs: 10_000 }).catch(() => null);
    if (job?.body?.status === "completed" || job?.body?.status === "failed") return { ms: performance.now() - started, job: job.body };
    if (performance.now() - started > timeoutMs) throw new Error(`job ${created.body.job_id} did not finish within ${timeoutMs / 1000} s`);
  }
}

/**
 * A logo as shops send them, on transparency: a disc and a triangle above
 * a rounded bar with lettering, in flat colours with antialiased edges,
 * filling a square (so its sticker's canvas is as large as `size_inches ×
 * dpi` allows: the long side's square), `side` px a side. The bar stands
 * apart (12 % of the side: 9 mm at 3 in), so the cut line joins two pieces
 * with a bridge, the tracer's most expensive path. Made once with ImageMagick into
 * bench/out/print-files/ (no date chunks: the same bytes each time).
 */
export function benchLogo(side) {
  mkdirSync(printFilesDir, { recursive: true });
  const file = path.join(printFilesDir, `logo-${side}px-alpha.png`);
  if (!existsSync(file)) {
    ensureTools(["convert"]);
    const s = side / 1000;
    const at = (...v) => v.map((x) => Math.round(x * s)).join(",");
    const partial = `${file}.partial`;
    execFileSync("convert", [
      ...["-size", `${side}x${side}`, "xc:none", "-fill", "#1d4ed8"],
      ...["-draw", `circle ${at(330, 330)} ${at(330, 20)}`, "-draw", `roundrectangle ${at(40, 760, 980, 990)} ${at(60, 60)}`],
      ...["-fill", "#f59e0b", "-draw", `polygon ${at(700, 60)} ${at(980, 560)} ${at(560, 560)}`],
      ...["-fill", "#ffffff", "-font", "DejaVu-Sans-Bold", "-pointsize", String(Math.round(200 * s)), "-annotate", `+${at(150)}+${at(950)}`, "PRINT"],
      ...["-define", "png:exclude-chunks=date,time", `PNG32:${partial}`],
    ]);
    renameSync(partial, file);
  }
  return file;
}
