import { describe, expect, it } from "vitest";
import { colourKeyAlpha, flatBackgroundColour } from "../../src/bg-removal/colour-matte";
import { applyEdgeSoftness, boxBlur, featherRadius, upsampleMask } from "../../src/bg-removal/matte";

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
});
