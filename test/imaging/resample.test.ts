import { describe, expect, it } from "vitest";
import { collectRaster, pipeRaster, streamImageData, type RasterStream, type RowBand } from "../../src/imaging/raster-stream";
import { resampleLanczos, type ResampleCrop, type ResampleOptions } from "../../src/imaging/resample";
import { firstDifference, fixtureImage, psnr, solidImage } from "../fixes/helpers";
import { magickLanczos as magick } from "../helpers/magick";

async function resampled(image: ImageData, width: number, height: number, options: ResampleOptions & { bandRows?: number; hasAlpha?: boolean } = {}): Promise<ImageData> {
  const source = streamImageData(image, { bandRows: options.bandRows, hasAlpha: options.hasAlpha ?? false });
  const out = await collectRaster(resampleLanczos({ width, height }, options)(source));
  expect([out.width, out.height]).toEqual([width, height]);
  return out;
}

function maxDifference(a: ImageData, b: ImageData): number {
  let max = 0;
  for (let i = 0; i < a.data.length; i++) if ((i & 3) !== 3) max = Math.max(max, Math.abs(a.data[i]! - b.data[i]!));
  return max;
}

/**
 * PSNR of colours premultiplied by their alpha (what is visible), and of
 * alpha alone, in dB, over the pixels whose alpha in `b` passes `where`.
 */
function premultipliedPsnr(a: ImageData, b: ImageData, where: (alpha: number) => boolean = () => true): { colour: number; alpha: number } {
  const [ca, cb] = [a.data, b.data];
  let colour = 0;
  let alpha = 0;
  let pixels = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (!where(b.data[i + 3]!)) continue;
    for (let c = 0; c < 3; c++) colour += ((ca[i + c]! * a.data[i + 3]! - cb[i + c]! * b.data[i + 3]!) / 255) ** 2;
    alpha += (a.data[i + 3]! - b.data[i + 3]!) ** 2;
    pixels++;
  }
  return { colour: 10 * Math.log10((255 * 255 * 3 * pixels) / colour), alpha: 10 * Math.log10((255 * 255 * pixels) / alpha) };
}

/**
 * A photo given transparency of every kind: a soft vignette, a fully
 * transparent block whose hidden colours are loud (they must not bleed),
 * and a checkerboard of opaque and clear pixels (the hardest ringing).
 */
function withTransparency(photo: ImageData): ImageData {
  const { width, height } = photo;
  const data = photo.data.slice();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      let alpha = Math.round(255 * (1.2 - 2.2 * Math.hypot(x / width - 0.5, y / height - 0.5)));
      if (x > width * 0.7 && y < height * 0.3) {
        alpha = 0;
        data.set([(x * 97) % 256, 255, (y * 31) % 256], i);
      }
      if (x > width * 0.1 && x < width * 0.3 && y > height * 0.6 && y < height * 0.9) alpha = (x + y) % 2 ? 255 : 0;
      data[i + 3] = alpha;
    }
  }
  return new ImageData(data, width, height);
}

function cropped(image: ImageData, crop: ResampleCrop): ImageData {
  const data = new Uint8ClampedArray(crop.width * crop.height * 4);
  for (let y = 0; y < crop.height; y++) {
    const from = ((crop.y + y) * image.width + crop.x) * 4;
    data.set(image.data.subarray(from, from + crop.width * 4), y * crop.width * 4);
  }
  return new ImageData(data, crop.width, crop.height);
}

describe("resampleLanczos against ImageMagick's -filter Lanczos -resize WxH!", () => {
  // [fixture, target width, height, input band rows, ImageMagick filters horizontally first]
  const cases = [
    ["÷2", "bg/astronaut.jpg", 256, 256, 7, false],
    ["÷3.7", "bg/coffee.jpg", 162, 108, 1, false],
    ["×2", "bg/chelsea.jpg", 902, 600, 300, false],
    ["×2.6", "fixes/upscale-coffee-96x72.png", 250, 187, 5, true],
    ["÷1.5 across, ×1.17 down", "bg/chelsea.jpg", 300, 350, 64, false],
    ["×1.55 across, ÷2 down", "bg/chelsea.jpg", 700, 150, 13, true],
  ] as const;

  it.each(cases)("%s (%s → %i×%i): PSNR ≥ 60 dB", async (_, name, width, height, bandRows, horizontalFirst) => {
    const photo = await fixtureImage(name);
    const ours = await resampled(photo, width, height, { bandRows });
    const reference = await magick(photo, width, height);
    const db = psnr(ours, reference);
    const max = maxDifference(ours, reference);
    console.log(`${name} ${photo.width}×${photo.height} → ${width}×${height}: PSNR ${db.toFixed(2)} dB, largest difference ${max}`);
    expect(db).toBeGreaterThanOrEqual(60);
    // Same pass order, same clamp: only float rounding is left.
    if (horizontalFirst) expect(max).toBeLessThanOrEqual(1);
  });

  it.each([
    ["÷2", 300, 200],
    ["÷3.7", 162, 108],
    ["×2", 1200, 800],
    ["non-square", 700, 300],
  ] as const)("with transparency, %s (→ %i×%i): alpha-weighted colours as ImageMagick's, PSNR ≥ 55 dB premultiplied", async (label, width, height) => {
    const image = withTransparency(await fixtureImage("bg/coffee.jpg"));
    const ours = await resampled(image, width, height, { bandRows: 9, hasAlpha: true });
    const reference = await magick(image, width, height);
    const db = premultipliedPsnr(ours, reference);
    // Colours filtered as stored, without alpha weights: the hidden ones bleed into the translucent pixels.
    const straight = await resampled(image, width, height, { bandRows: 9, hasAlpha: false });
    for (let i = 3; i < ours.data.length; i += 4) straight.data[i] = ours.data[i]!;
    const translucent = (alpha: number) => alpha > 0 && alpha < 255;
    const edgeDb = premultipliedPsnr(ours, reference, translucent).colour;
    const straightDb = premultipliedPsnr(straight, reference, translucent).colour;
    let opaqueMax = 0;
    for (let i = 0; i < ours.data.length; i += 4) {
      if (reference.data[i + 3] !== 255) continue;
      for (let c = 0; c < 3; c++) opaqueMax = Math.max(opaqueMax, Math.abs(ours.data[i + c]! - reference.data[i + c]!));
    }
    console.log(`transparency ${label} 600×400 → ${width}×${height}: premultiplied PSNR ${db.colour.toFixed(2)} dB, alpha ${db.alpha.toFixed(2)} dB, largest difference on opaque pixels ${opaqueMax}; translucent pixels ${edgeDb.toFixed(2)} dB (unweighted colours there: ${straightDb.toFixed(2)} dB)`);
    expect(db.colour).toBeGreaterThanOrEqual(55);
    expect(db.alpha).toBeGreaterThanOrEqual(55);
    expect(edgeDb).toBeGreaterThanOrEqual(50);
    expect(straightDb).toBeLessThan(edgeDb - 10);
  });

  it.each([
    ["a reduction", { x: 37, y: 51, width: 211, height: 170 }, 100, 61],
    ["an enlargement", { x: 300, y: 120, width: 151, height: 180 }, 410, 470],
  ] as const)("a crop (%s) gives ImageMagick's -crop … +repage -resize, and the same pixels as cropping first", async (_, crop, width, height) => {
    const photo = await fixtureImage("bg/chelsea.jpg");
    const ours = await resampled(photo, width, height, { crop, bandRows: 7 });
    const first = await resampled(cropped(photo, crop), width, height, { bandRows: 300 });
    expect(firstDifference(ours.data, first.data)).toBe(-1);
    const reference = await magick(photo, width, height, crop);
    const db = psnr(ours, reference);
    console.log(`crop ${crop.width}×${crop.height}+${crop.x}+${crop.y} → ${width}×${height}: PSNR ${db.toFixed(2)} dB`);
    expect(db).toBeGreaterThanOrEqual(60);
  });
});

describe("resampleLanczos in bands", () => {
  it("gives identical output for input bands of 1, 7 and 300 rows and any output band size", async () => {
    const photo = await fixtureImage("bg/chelsea.jpg");
    const transparent = withTransparency(photo);
    for (const [image, hasAlpha] of [[photo, false], [transparent, true]] as const) {
      for (const [width, height] of [[173, 411], [902, 600]] as const) {
        const whole = await resampled(image, width, height, { bandRows: 300, hasAlpha });
        for (const [bandRows, bandBytes] of [[1, 1], [7, 5000], [300, undefined]] as const) {
          const banded = await resampled(image, width, height, { bandRows, bandBytes, hasAlpha });
          expect(firstDifference(banded.data, whole.data)).toBe(-1);
        }
      }
    }
  });

  it("leaves a same-size image as it was and a flat colour flat (the weights sum to one)", async () => {
    const photo = await fixtureImage("bg/chelsea.jpg");
    expect(firstDifference((await resampled(photo, 451, 300, { bandRows: 3 })).data, photo.data)).toBe(-1);
    const flat = solidImage(37, 5, () => [200, 17, 99, 180]);
    for (const [width, height] of [[1, 1], [5, 3], [100, 41]] as const) {
      const out = await resampled(flat, width, height, { hasAlpha: true });
      for (let i = 0; i < out.data.length; i += 4) expect([...out.data.subarray(i, i + 4)]).toEqual([200, 17, 99, 180]);
    }
  });

  it("holds a ring of rows, not the image: the same 150 KB for 600 or 20,000 source rows", async () => {
    const retained: number[] = [];
    for (const height of [600, 20_000]) {
      // Rows made as they are asked for, so no frame exists anywhere.
      const width = 400;
      const source: RasterStream = {
        info: { width, height, hasAlpha: false },
        retainedBytes: () => 0,
        bands: (async function* () {
          for (let y = 0; y < height; y += 16) {
            const rows = new Uint8ClampedArray(Math.min(16, height - y) * width * 4).fill(255);
            yield { y, width, height: Math.min(16, height - y), rows };
          }
        })(),
      };
      let rows = 0;
      const result = await pipeRaster(source, [resampleLanczos({ width: 100, height: height / 4 }, { bandBytes: 16 * 100 * 4 })], {
        start: () => {},
        write: (band) => {
          rows += band.height;
          for (let i = 0; i < band.rows.length; i++) if (band.rows[i] !== 255) throw new Error(`byte ${i} of row ${band.y} is ${band.rows[i]}`);
        },
        finish: () => {},
      });
      expect(rows).toBe(height / 4);
      retained.push(result.peakRetainedBytes);
    }
    // ÷4: a support of 12 rows each side, so at most 27 float rows of 100 × 3 channels; a row of
    // float64 sums; one output band of 16 rows.
    expect(retained[1]).toBe(retained[0]);
    expect(retained[0]).toBeLessThanOrEqual(27 * 100 * 3 * 4 + 100 * 3 * 8 + 16 * 100 * 4);
  });
});

describe("resampleLanczos's input", () => {
  /** Bands of `rows` rows of a width×height image; counts what was pulled and whether it was cancelled. */
  function countedSource(width: number, height: number, rows: number, cancellable: boolean) {
    const seen = { bands: 0, rows: 0, cancelled: false };
    const generator = (async function* (): AsyncGenerator<RowBand> {
      try {
        for (let y = 0; y < height; y += rows) {
          seen.bands++;
          seen.rows += Math.min(rows, height - y);
          yield { y, width, height: Math.min(rows, height - y), rows: new Uint8ClampedArray(Math.min(rows, height - y) * width * 4).fill(128) };
        }
      } finally {
        if (seen.rows < height) seen.cancelled = true;
      }
    })();
    const bands: AsyncIterable<RowBand> = cancellable ? generator : { [Symbol.asyncIterator]: () => ({ next: () => generator.next() }) };
    return { seen, stream: { info: { width, height, hasAlpha: false }, retainedBytes: () => 0, bands } satisfies RasterStream };
  }

  it("stops reading after the crop's last row: cancels a source that can be cancelled, drains one that cannot", async () => {
    const crop = { x: 10, y: 20, width: 50, height: 30 };
    const cancellable = countedSource(80, 200, 10, true);
    const out = await collectRaster(resampleLanczos({ width: 20, height: 12 }, { crop })(cancellable.stream));
    expect([out.width, out.height]).toEqual([20, 12]);
    expect(cancellable.seen).toEqual({ bands: 5, rows: 50, cancelled: true });

    const plain = countedSource(80, 200, 10, false);
    await collectRaster(resampleLanczos({ width: 20, height: 12 }, { crop })(plain.stream));
    expect(plain.seen).toEqual({ bands: 20, rows: 200, cancelled: false });
  });

  it("refuses a crop outside the image, a target under one pixel and an input that ends early", async () => {
    const { stream } = countedSource(80, 200, 10, true);
    expect(() => resampleLanczos({ width: 10, height: 10 }, { crop: { x: 40, y: 0, width: 41, height: 10 } })(stream)).toThrow(/does not lie within the 80×200 image/);
    expect(() => resampleLanczos({ width: 0, height: 10 })(stream)).toThrow(/at least 1×1/);
    expect(() => resampleLanczos({ width: 2.5, height: 10 })(stream)).toThrow(/at least 1×1/);
    const short = countedSource(80, 200, 10, true);
    const lying = { ...short.stream, info: { ...short.stream.info, height: 210 } };
    await expect(collectRaster(resampleLanczos({ width: 40, height: 105 })(lying))).rejects.toThrow(/ended after 200 of 210 rows/);
  });
});
