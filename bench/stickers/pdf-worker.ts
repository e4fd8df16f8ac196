// The bench's own Worker for the sticker PDF (bench/sticker-pdf.mjs): it
// makes a synthetic sticker image, deflated band by band as the sticker job
// does, holds it between requests, and builds the PDF on request, so the
// build can be sampled on its own.
import { buildStickerPdf } from "../../src/stickers/pdf";
import type { CutPath } from "../../src/stickers/cut-path";

/** Held between the two requests; a bench Worker's only state. */
let held: { rgb: Uint8Array; alpha: Uint8Array; width: number; height: number; dpi: number } | null = null;

const BAND_ROWS = 32;

/** Rows written to CompressionStream in bands, as the sticker job deflates what it renders: the raw frame never exists whole. */
async function deflateRows(width: number, height: number, channels: number, fill: (y: number, row: Uint8Array) => void): Promise<Uint8Array> {
  const stream = new CompressionStream("deflate");
  const writer = stream.writable.getWriter();
  const reading = new Response(stream.readable).arrayBuffer();
  const rowBytes = width * channels;
  for (let y0 = 0; y0 < height; y0 += BAND_ROWS) {
    const band = new Uint8Array(Math.min(BAND_ROWS, height - y0) * rowBytes);
    for (let i = 0; i * rowBytes < band.length; i++) fill(y0 + i, band.subarray(i * rowBytes, (i + 1) * rowBytes));
    await writer.write(band);
  }
  await writer.close();
  return new Uint8Array(await reading);
}

/** A gradient with `noiseBits` of noise in each channel (how well a photo compresses), and an opaque disc on a clear ground. */
async function prepare(width: number, height: number, noiseBits: number) {
  let seed = 0x9e3779b9;
  const noise = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) & ((1 << noiseBits) - 1);
  };
  const rgb = await deflateRows(width, height, 3, (y, row) => {
    for (let x = 0; x < width; x++) {
      row[3 * x] = ((255 * x) / width) ^ noise();
      row[3 * x + 1] = ((255 * y) / height) ^ noise();
      row[3 * x + 2] = 128 ^ noise();
    }
  });
  const r = Math.min(width, height) / 2 - 10;
  const alpha = await deflateRows(width, height, 1, (y, row) => {
    for (let x = 0; x < width; x++) row[x] = Math.hypot(x - width / 2, y - height / 2) <= r ? 255 : 0;
  });
  return { rgb, alpha, width, height, dpi: 300 };
}

/** A circle as four quarter-arc Béziers (control distance 4/3 (√2 − 1) r). */
function circleCut(cx: number, cy: number, r: number): CutPath {
  const k = (4 / 3) * (Math.SQRT2 - 1) * r;
  return {
    start: [cx + r, cy],
    segments: [
      { c1: [cx + r, cy + k], c2: [cx + k, cy + r], to: [cx, cy + r] },
      { c1: [cx - k, cy + r], c2: [cx - r, cy + k], to: [cx - r, cy] },
      { c1: [cx - r, cy - k], c2: [cx - k, cy - r], to: [cx, cy - r] },
      { c1: [cx + k, cy - r], c2: [cx + r, cy - k], to: [cx + r, cy] },
    ],
  };
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/prepare") {
      held = null;
      held = await prepare(Number(url.searchParams.get("width")), Number(url.searchParams.get("height")), Number(url.searchParams.get("noiseBits")));
      return Response.json({ rgbBytes: held.rgb.byteLength, alphaBytes: held.alpha.byteLength });
    }
    if (url.pathname === "/build" && held) {
      const { width, height, dpi } = held;
      const canvas = { widthMm: (width * 25.4) / dpi, heightMm: (height * 25.4) / dpi };
      const pdf = await buildStickerPdf({
        canvas,
        trim: { x: 1, y: 1, width: canvas.widthMm - 2, height: canvas.heightMm - 2 },
        paths: [circleCut(canvas.widthMm / 2, canvas.heightMm / 2, Math.min(canvas.widthMm, canvas.heightMm) / 2 - 1)],
        image: { width, height, rgb: held.rgb, alpha: held.alpha },
        dpi,
      });
      return Response.json({ pdfBytes: pdf.byteLength });
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler;
