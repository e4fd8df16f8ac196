import { beforeAll, describe, expect, it } from "vitest";
import { collectRaster, streamImageData } from "../../src/imaging/raster-stream";
import { gaussianKernel, sharpenEdges, sharpenParamsFor, type SharpenParams } from "../../src/fixes/sharpen";
import { upscaleLanczos } from "../../src/fixes/upscale";
import { fixtureImage, laplacianVariance, meanGradient, psnr, solidImage } from "./helpers";

function sharpen(image: ImageData, params?: SharpenParams, bandRows?: number): Promise<ImageData> {
  return collectRaster(sharpenEdges(params)(streamImageData(image, { bandRows })));
}

/** Straightforward whole-frame unsharp mask in doubles, the definition the stage must follow. */
function referenceSharpen(image: ImageData, p: SharpenParams): ImageData {
  const { width: w, height: h, data } = image;
  const half = gaussianKernel(p.sigma);
  const r = half.length - 1;
  const k = (d: number) => half[Math.abs(d)]!;
  const at = (x: number, y: number, c: number) => data[(Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))) * 4 + c]!;
  const out = new Uint8ClampedArray(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let blur = 0;
        for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) blur += k(dy) * k(dx) * at(x + dx, y + dy, c);
        const original = at(x, y, c);
        const detail = original - blur;
        let lo = 255;
        let hi = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) (lo = Math.min(lo, at(x + dx, y + dy, c))), (hi = Math.max(hi, at(x + dx, y + dy, c)));
        const value = Math.abs(detail) < p.threshold ? original : Math.min(hi + p.haloLevels, Math.max(lo - p.haloLevels, original + p.amount * detail));
        out[(y * w + x) * 4 + c] = value;
      }
      out[(y * w + x) * 4 + 3] = data[(y * w + x) * 4 + 3]!;
    }
  }
  return new ImageData(out, w, h);
}

function erf(x: number): number {
  // Abramowitz & Stegun 7.1.26, |error| < 1.5e-7.
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

/** A vertical edge from `low` to `high` at x = 31.5, Gaussian-blurred with `sigma` (0: a hard step). */
function stepEdge(low: number, high: number, sigma: number): ImageData {
  return solidImage(64, 24, (x) => {
    const t = sigma === 0 ? (x >= 32 ? 1 : 0) : 0.5 * (1 + erf((x - 31.5) / (sigma * Math.SQRT2)));
    const v = Math.round(low + (high - low) * t);
    return [v, v, v, 255];
  });
}

function row(image: ImageData, y: number): number[] {
  return Array.from({ length: image.width }, (_, x) => image.data[(y * image.width + x) * 4]!);
}

const maxStep = (values: number[]) => Math.max(...values.slice(1).map((v, i) => Math.abs(v - values[i]!)));
/** Pixels strictly between 10 % and 90 % of the way from low to high: the edge's rise width. */
const riseWidth = (values: number[], low: number, high: number) => values.filter((v) => v > low + 0.1 * (high - low) && v < low + 0.9 * (high - low)).length;

describe("sharpen parameters", () => {
  it("scales σ with the long side: 0.5 px up to 1200 px, long side / 2400, at most 2 px", () => {
    expect(sharpenParamsFor(600, 400).sigma).toBe(0.5);
    expect(sharpenParamsFor(1200, 800).sigma).toBe(0.5);
    expect(sharpenParamsFor(2400, 1600).sigma).toBe(1);
    expect(sharpenParamsFor(3000, 3600).sigma).toBe(1.5);
    expect(sharpenParamsFor(4800, 3200).sigma).toBe(2);
    expect(sharpenParamsFor(16000, 12000).sigma).toBe(2);
    expect(sharpenParamsFor(4000, 3000)).toMatchObject({ amount: 1.2, threshold: 2, haloLevels: 8 });
  });

  it("uses a normalised Gaussian reaching 3σ", () => {
    const half = gaussianKernel(1.5);
    expect(half.length).toBe(6);
    expect(half[0]! + 2 * half.slice(1).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
  });
});

describe("sharpen on a step edge", () => {
  const params = { ...sharpenParamsFor(4800, 3200) };

  it("steepens a soft edge (as an upscale leaves it) with at most 8 levels of overshoot", async () => {
    const soft = stepEdge(50, 200, 2);
    const out = await sharpen(soft, params);
    const before = row(soft, 12);
    const after = row(out, 12);
    console.log(`soft edge: max step ${maxStep(before)} → ${maxStep(after)}, 10–90 % rise ${riseWidth(before, 50, 200)} → ${riseWidth(after, 50, 200)} px, range ${Math.min(...after)}..${Math.max(...after)}`);
    expect(maxStep(after) / maxStep(before)).toBeGreaterThanOrEqual(1.3);
    expect(riseWidth(after, 50, 200)).toBeLessThan(riseWidth(before, 50, 200));
    expect(Math.max(...after)).toBeLessThanOrEqual(200 + params.haloLevels);
    expect(Math.min(...after)).toBeGreaterThanOrEqual(50 - params.haloLevels);
    // The same on every row: a vertical edge stays vertical.
    for (let y = 0; y < out.height; y++) expect(row(out, y)).toEqual(after);
  });

  it("overshoots a hard step by at most 8 levels, where an unclamped unsharp mask overshoots by far more", async () => {
    const hard = stepEdge(50, 200, 0);
    const clamped = row(await sharpen(hard, params), 12);
    const unclamped = row(await sharpen(hard, { ...params, haloLevels: 255 }), 12);
    console.log(`hard step: clamped range ${Math.min(...clamped)}..${Math.max(...clamped)}, unclamped ${Math.min(...unclamped)}..${Math.max(...unclamped)}`);
    expect(Math.max(...clamped)).toBe(208);
    expect(Math.min(...clamped)).toBe(42);
    expect(Math.max(...unclamped) - 200).toBeGreaterThan(40);
  });

  it("leaves flat areas and alpha untouched", async () => {
    const flat = solidImage(40, 30, () => [120, 80, 40, 200]);
    const out = await sharpen(flat, params);
    expect(out.data).toEqual(flat.data);
  });
});

describe("sharpen on real photos", () => {
  let photo: ImageData;
  beforeAll(async () => {
    // The case the fix is for: a photo enlarged 4× (soft edges), 384×288.
    const crop = await fixtureImage("fixes/upscale-astronaut-96x72.png");
    photo = await collectRaster(upscaleLanczos(4)(streamImageData(crop)));
  });

  it("matches a whole-frame unsharp mask, whatever the band size", async () => {
    const params = { ...sharpenParamsFor(4800, 3600) };
    const reference = referenceSharpen(photo, params);
    for (const bandRows of [1, 7, 288]) {
      const out = await sharpen(photo, params, bandRows);
      let worst = 0;
      let differing = 0;
      for (let i = 0; i < out.data.length; i++) {
        const d = Math.abs(out.data[i]! - reference.data[i]!);
        worst = Math.max(worst, d);
        if (d) differing++;
      }
      // Float32 against double rounding: at most a level, or a threshold decision flipped at ±2 levels.
      expect(worst).toBeLessThanOrEqual(3);
      expect(differing / out.data.length).toBeLessThan(0.001);
    }
  });

  it("raises edge contrast on an upscaled photo: mean gradient ×1.25, Laplacian variance ×2", async () => {
    // A crop of what a 1200×900 photo becomes at 4×: its edges are as soft, and σ is the 4800 px one.
    const params = sharpenParamsFor(4 * 1200, 4 * 900);
    const out = await sharpen(photo, params);
    const gradient = meanGradient(out) / meanGradient(photo);
    const laplacian = laplacianVariance(out) / laplacianVariance(photo);
    console.log(`upscaled astronaut (σ ${params.sigma}): mean gradient ×${gradient.toFixed(2)}, Laplacian variance ×${laplacian.toFixed(2)}, PSNR to input ${psnr(out, photo).toFixed(1)} dB`);
    expect(gradient).toBeGreaterThanOrEqual(1.25);
    expect(laplacian).toBeGreaterThanOrEqual(2);
  });

  it("raises edge contrast on a photo at its own size (σ 0.5): mean gradient ×1.1, Laplacian variance ×1.5", async () => {
    const coffee = await fixtureImage("bg/coffee.jpg");
    const out = await sharpen(coffee);
    const gradient = meanGradient(out) / meanGradient(coffee);
    const laplacian = laplacianVariance(out) / laplacianVariance(coffee);
    console.log(`coffee 600×400 (σ 0.5): mean gradient ×${gradient.toFixed(2)}, Laplacian variance ×${laplacian.toFixed(2)}, PSNR to input ${psnr(out, coffee).toFixed(1)} dB`);
    expect(gradient).toBeGreaterThanOrEqual(1.1);
    expect(laplacian).toBeGreaterThanOrEqual(1.5);
  });
});
