import { describe, expect, it } from "vitest";
import { colourKeyAlpha, flatBackgroundColour } from "../../src/bg-removal/colour-matte";
import { applyEdgeSoftness, bilinearTap, boxBlur, clamp255, featherRadius, refineEdges, type Rgba, upsampleMask } from "../../src/bg-removal/matte";

/** The guided filter on whole planes, straight from the definition, to check the banded one against. */
function refineEdgesWhole(image: Rgba, alpha: Uint8Array, options: { workSide: number; radius: number; epsilon: number; band: [number, number] }): void {
  const scale = Math.min(1, options.workSide / Math.max(image.width, image.height));
  const gw = Math.max(1, Math.round(image.width * scale));
  const gh = Math.max(1, Math.round(image.height * scale));
  const I = new Float32Array(gw * gh);
  const counts = new Float32Array(gw * gh);
  for (let y = 0; y < image.height; y++) {
    const ty = Math.min(gh - 1, Math.floor((y * gh) / image.height));
    for (let x = 0; x < image.width; x++) {
      const t = ty * gw + Math.min(gw - 1, Math.floor((x * gw) / image.width));
      const i = (y * image.width + x) * 4;
      I[t]! += (0.299 * image.data[i]! + 0.587 * image.data[i + 1]! + 0.114 * image.data[i + 2]!) / 255;
      counts[t]!++;
    }
  }
  for (let t = 0; t < I.length; t++) I[t]! /= counts[t]!;
  const p = new Float32Array(gw * gh);
  for (let y = 0; y < gh; y++) {
    const sy = Math.min(image.height - 1, Math.floor(((y + 0.5) * image.height) / gh));
    for (let x = 0; x < gw; x++) p[y * gw + x] = alpha[sy * image.width + Math.min(image.width - 1, Math.floor(((x + 0.5) * image.width) / gw))]! / 255;
  }
  const meanI = I.slice();
  const meanP = p.slice();
  const corrII = I.map((v) => v * v);
  const corrIP = I.map((v, i) => v * p[i]!);
  for (const plane of [meanI, meanP, corrII, corrIP]) boxBlur(plane, gw, gh, options.radius);
  const a = meanI.map((mI, i) => (corrIP[i]! - mI * meanP[i]!) / (corrII[i]! - mI * mI + options.epsilon));
  const b = meanP.map((mP, i) => mP - a[i]! * meanI[i]!);
  boxBlur(a, gw, gh, options.radius);
  boxBlur(b, gw, gh, options.radius);
  for (let y = 0; y < image.height; y++) {
    const [y0, y1, wy] = bilinearTap(y, gh / image.height, gh);
    for (let x = 0; x < image.width; x++) {
      const k = y * image.width + x;
      if (alpha[k]! <= options.band[0] || alpha[k]! >= options.band[1]) continue;
      const [x0, x1, wx] = bilinearTap(x, gw / image.width, gw);
      const lerp = (m: Float32Array) => (m[y0 * gw + x0]! * (1 - wx) + m[y0 * gw + x1]! * wx) * (1 - wy) + (m[y1 * gw + x0]! * (1 - wx) + m[y1 * gw + x1]! * wx) * wy;
      const i = k * 4;
      alpha[k] = clamp255((lerp(a) * ((0.299 * image.data[i]! + 0.587 * image.data[i + 1]! + 0.114 * image.data[i + 2]!) / 255) + lerp(b)) * 255);
    }
  }
}

describe("matte math", () => {
  it("box blur keeps a constant plane and spreads an impulse evenly", () => {
    const flat = new Float32Array(25).fill(0.5);
    boxBlur(flat, 5, 5, 1);
    expect([...flat].every((v) => Math.abs(v - 0.5) < 1e-6)).toBe(true);
    const impulse = new Float32Array(49);
    impulse[24] = 9;
    boxBlur(impulse, 7, 7, 1);
    expect(impulse[24]).toBeCloseTo(1);
    expect(impulse[16]).toBeCloseTo(1);
    expect(impulse[0]).toBe(0);
    const bytes = new Uint8Array(49);
    bytes[24] = 255;
    boxBlur(bytes, 7, 7, 1);
    expect(bytes[24]).toBe(28); // 255 / 9, rounded
  });

  it("upsamples a mask to the image size", () => {
    const alpha = upsampleMask(new Float32Array([0, 1, 0, 1]), 2, 2, 4, 2);
    expect(alpha.length).toBe(8);
    expect(alpha[0]).toBe(0);
    expect(alpha[3]).toBe(255);
  });

  it("edge softness 0 cuts hard and higher values widen the feathered band", () => {
    // 1000 px: softness 3 and 10 give feather radii of 3 and 10 px.
    const size = 1000;
    const make = () => {
      const a = new Uint8Array(size * size);
      for (let y = 300; y < 700; y++) for (let x = 300; x < 700; x++) a[y * size + x] = 200;
      return a;
    };
    const partial = (a: Uint8Array) => a.filter((v) => v > 0 && v < 255).length;
    const hard = make();
    applyEdgeSoftness(hard, size, size, 0, true);
    expect(partial(hard)).toBe(0);
    const soft3 = make();
    applyEdgeSoftness(soft3, size, size, 3, false);
    const soft10 = make();
    applyEdgeSoftness(soft10, size, size, 10, false);
    expect(partial(soft10)).toBeGreaterThan(partial(soft3));
    expect(featherRadius(10, 600, 450)).toBe(6);
    expect(featherRadius(0, 6000, 4000)).toBe(0);
  });

  it("detects a flat background and keys it out, holes included", () => {
    const width = 40;
    const height = 40;
    const data = new Uint8ClampedArray(width * height * 4).fill(255);
    // A blue ring: inside and outside are the white background.
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const r = Math.hypot(x - 20, y - 20);
        if (r > 6 && r < 12) data.set([20, 40, 160, 255], (y * width + x) * 4);
      }
    const image = { data, width, height };
    expect(flatBackgroundColour(image)).toEqual([255, 255, 255]);
    const alpha = colourKeyAlpha(image, [255, 255, 255]);
    expect(alpha[20 * width + 20]).toBe(0); // the hole
    expect(alpha[20 * width + 29]).toBe(255); // the ring
    expect(alpha[0]).toBe(0);
  });

  it.each([
    ["downscaled to the working size", 700, 530, { workSide: 256, radius: 4, epsilon: 1e-3, band: [12, 243] as [number, number] }],
    ["at full size, radius 2", 300, 220, { workSide: 2048, radius: 2, epsilon: 1e-4, band: [3, 252] as [number, number] }],
  ])("the guided filter in bands matches the whole-plane filter (%s)", async (_name, width, height, options) => {
    // A textured photo-like image and a soft, blobby mask whose edge band crosses many working bands.
    const data = new Uint8ClampedArray(width * height * 4);
    const alpha = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        data[i] = 128 + 100 * Math.sin(x / 7) * Math.cos(y / 11);
        data[i + 1] = (x * 3 + y * 5) % 256;
        data[i + 2] = 255 - ((x * y) % 256);
        data[i + 3] = 255;
        const d = Math.hypot(x - width / 2, (y - height / 2) * 1.3) - Math.min(width, height) / 3 + 12 * Math.sin(x / 9);
        alpha[y * width + x] = clamp255(128 - d * 6);
      }
    }
    const image = { data, width, height };
    const banded = alpha.slice();
    await refineEdges(image, banded, options);
    const whole = alpha.slice();
    refineEdgesWhole(image, whole, options);
    let changed = 0;
    let off = 0;
    let worst = 0;
    for (let k = 0; k < alpha.length; k++) {
      if (whole[k] !== alpha[k]) changed++;
      if (banded[k] !== whole[k]) off++;
      worst = Math.max(worst, Math.abs(banded[k]! - whole[k]!));
    }
    expect(changed).toBeGreaterThan(1000);
    // Float rounding in the running sums may move a value by one step, rarely; nothing more.
    expect(worst).toBeLessThanOrEqual(1);
    expect(off / changed).toBeLessThan(0.01);
  });
});
