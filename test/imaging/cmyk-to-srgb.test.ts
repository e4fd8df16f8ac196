import { describe, expect, it } from "vitest";
import { ImageDecodeError } from "../../src/imaging/codecs";
import { cmykToSrgb, cmykToSrgbForJpeg, cmykToSrgbHeapBytes, type CmykToSrgb, type CmykTransformOptions } from "../../src/imaging/cmyk-to-srgb";
import { decodeJpegStream, type JpegHeader } from "../../src/imaging/jpeg-stream";
import { decodePng } from "../../src/imaging/png-decode";
import { compareRgba, deltaE2000, type Lab } from "../helpers/ciede2000";
import { fixtureBytes } from "../helpers/fixtures";

// Sharma, Wu and Dalal (2005), Table 1: the 34 published pairs and their CIEDE2000.
const SHARMA: [Lab, Lab, number][] = [
  [[50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425],
  [[50.0, 3.1571, -77.2803], [50.0, 0.0, -82.7485], 2.8615],
  [[50.0, 2.8361, -74.02], [50.0, 0.0, -82.7485], 3.4412],
  [[50.0, -1.3802, -84.2814], [50.0, 0.0, -82.7485], 1.0],
  [[50.0, -1.1848, -84.8006], [50.0, 0.0, -82.7485], 1.0],
  [[50.0, -0.9009, -85.5211], [50.0, 0.0, -82.7485], 1.0],
  [[50.0, 0.0, 0.0], [50.0, -1.0, 2.0], 2.3669],
  [[50.0, -1.0, 2.0], [50.0, 0.0, 0.0], 2.3669],
  [[50.0, 2.49, -0.001], [50.0, -2.49, 0.0009], 7.1792],
  [[50.0, 2.49, -0.001], [50.0, -2.49, 0.001], 7.1792],
  [[50.0, 2.49, -0.001], [50.0, -2.49, 0.0011], 7.2195],
  [[50.0, 2.49, -0.001], [50.0, -2.49, 0.0012], 7.2195],
  [[50.0, -0.001, 2.49], [50.0, 0.0009, -2.49], 4.8045],
  [[50.0, -0.001, 2.49], [50.0, 0.001, -2.49], 4.8045],
  [[50.0, -0.001, 2.49], [50.0, 0.0011, -2.49], 4.7461],
  [[50.0, 2.5, 0.0], [50.0, 0.0, -2.5], 4.3065],
  [[50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492],
  [[50.0, 2.5, 0.0], [61.0, -5.0, 29.0], 22.8977],
  [[50.0, 2.5, 0.0], [56.0, -27.0, -3.0], 31.903],
  [[50.0, 2.5, 0.0], [58.0, 24.0, 15.0], 19.4535],
  [[50.0, 2.5, 0.0], [50.0, 3.1736, 0.5854], 1.0],
  [[50.0, 2.5, 0.0], [50.0, 3.2972, 0.0], 1.0],
  [[50.0, 2.5, 0.0], [50.0, 1.8634, 0.5757], 1.0],
  [[50.0, 2.5, 0.0], [50.0, 3.2592, 0.335], 1.0],
  [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
  [[63.0109, -31.0961, -5.8663], [62.8187, -29.7946, -4.0864], 1.263],
  [[61.2901, 3.7196, -5.3901], [61.4292, 2.248, -4.962], 1.8731],
  [[35.0831, -44.1164, 3.7933], [35.0232, -40.0716, 1.5901], 1.8645],
  [[22.7233, 20.0904, -46.694], [23.0331, 14.973, -42.5619], 2.0373],
  [[36.4612, 47.858, 18.3852], [36.2715, 50.5065, 21.2231], 1.4146],
  [[90.8027, -2.0831, 1.441], [91.1528, -1.6435, 0.0447], 1.4441],
  [[90.9257, -0.5406, -0.9208], [88.6381, -0.8985, -0.7239], 1.5381],
  [[6.7747, -0.2908, -2.4247], [5.8714, -0.0985, -2.2286], 0.6377],
  [[2.0776, 0.0795, -1.135], [0.9033, -0.0636, -0.5514], 0.9082],
];

// Made by scripts/fixtures/make-cmyk-srgb-fixtures.sh, each with transicc's and
// ImageMagick's sRGB beside it in cmyk-srgb/<name>.{transicc,magick}.png.
const FIXTURES = [
  { name: "fogra29-adobe", file: "cmyk-srgb/fogra29-adobe.jpg", colorSpace: "cmyk", inverted: true, icc: true },
  { name: "fogra29-plain", file: "cmyk-srgb/fogra29-plain.jpg", colorSpace: "cmyk", inverted: false, icc: true },
  { name: "ycck-fogra29", file: "cmyk-srgb/ycck-fogra29.jpg", colorSpace: "ycck", inverted: true, icc: true },
  { name: "noicc-adobe", file: "cmyk-srgb/noicc-adobe.jpg", colorSpace: "cmyk", inverted: true, icc: false },
  { name: "jpeg-stream-cmyk", file: "jpeg-stream/cmyk.jpg", colorSpace: "cmyk", inverted: true, icc: false },
  { name: "jpeg-stream-ycck", file: "jpeg-stream/ycck.jpg", colorSpace: "ycck", inverted: true, icc: false },
  { name: "preflight-jpeg-cmyk-icc", file: "preflight/jpeg-cmyk-icc.jpg", colorSpace: "ycck", inverted: true, icc: true },
] as const;

/** Decodes a CMYK JPEG band by band, converting each band as it comes. */
async function convertJpeg(file: string, options?: CmykTransformOptions & { bandRows?: number; ignoreProfile?: boolean }) {
  let rgba = new Uint8Array(0);
  let transform: CmykToSrgb | undefined;
  const header: JpegHeader = await decodeJpegStream(
    await fixtureBytes(file),
    {
      onHeader: (h) => {
        rgba = new Uint8Array(h.width * h.height * 4);
        // Once per image; each band is converted while it is still a view into the decoder's heap.
        transform = options?.ignoreProfile ? cmykToSrgb(null, h.cmykInverted, options) : cmykToSrgbForJpeg(h, options).transform;
      },
      onBand: (band, h) => {
        transform!.convert(band.data, rgba.subarray(band.y * h.width * 4, (band.y + band.rows) * h.width * 4));
      },
    },
    { bandRows: options?.bandRows ?? 16 },
  );
  return { header, rgba, defaultProfile: transform!.defaultProfile };
}

async function referencePng(name: string, tool: "transicc" | "magick"): Promise<Uint8Array> {
  const png = decodePng(await fixtureBytes(`cmyk-srgb/${name}.${tool}.png`));
  return new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
}

describe("CIEDE2000 (test helper)", () => {
  it("gives the 34 published Sharma et al. values, both ways round, to 4 decimals", () => {
    for (const [a, b, expected] of SHARMA) {
      expect(Math.abs(deltaE2000(a, b) - expected)).toBeLessThan(5e-5);
      expect(Math.abs(deltaE2000(b, a) - expected)).toBeLessThan(5e-5);
    }
  });
});

describe("cmyk-to-srgb matches LittleCMS's transicc and ImageMagick (relative colorimetric, black point compensation)", () => {
  it.each(FIXTURES)("$name: mean ΔE2000 ≤ 1 against both", async (f) => {
    const { header, rgba, defaultProfile } = await convertJpeg(f.file);
    expect(header.output).toBe("cmyk");
    expect(header.colorSpace).toBe(f.colorSpace);
    expect(header.cmykInverted).toBe(f.inverted);
    expect(header.icc !== null).toBe(f.icc);
    expect(defaultProfile).toBe(!f.icc);
    const results: string[] = [];
    for (const tool of ["transicc", "magick"] as const) {
      const { mean, max } = compareRgba(rgba, await referencePng(f.name, tool));
      results.push(`${tool} mean ${mean.toFixed(3)} max ${max.toFixed(2)}`);
      expect(mean, `${f.name} against ${tool}`).toBeLessThanOrEqual(1);
    }
    console.log(`ΔE2000 ${f.name}: ${results.join("; ")}`);
  });

  it("the embedded profile is what makes the match: the default one instead is far off", async () => {
    const { rgba } = await convertJpeg("cmyk-srgb/fogra29-adobe.jpg", { ignoreProfile: true });
    expect(compareRgba(rgba, await referencePng("fogra29-adobe", "transicc")).mean).toBeGreaterThan(3);
  });

  it("band height changes nothing", async () => {
    const a = await convertJpeg("cmyk-srgb/ycck-fogra29.jpg", { bandRows: 1 });
    const b = await convertJpeg("cmyk-srgb/ycck-fogra29.jpg", { bandRows: 75 });
    expect(a.rgba).toEqual(b.rgba);
  });

  it("perceptual is offered and differs only a little for these profiles", async () => {
    const { rgba } = await convertJpeg("cmyk-srgb/fogra29-plain.jpg", { intent: "perceptual" });
    const { mean } = compareRgba(rgba, await referencePng("fogra29-plain", "transicc"));
    expect(mean).toBeGreaterThan(0);
    expect(mean).toBeLessThan(5);
  });
});

describe("cmyk-to-srgb transforms", () => {
  it("inverted input is undone before the transform: 255-v inverted equals v plain", () => {
    const plain = new Uint8Array(4 * 256);
    for (let i = 0; i < 256; i++) plain.set([i, (i * 7) & 255, 255 - i, (i * 3) & 255], i * 4);
    const inverted = plain.map((v) => 255 - v);
    expect(cmykToSrgb(null, true).convert(inverted)).toEqual(cmykToSrgb(null, false).convert(plain));
  });

  it("white paper is sRGB white, alpha is 255, and no ink is not full ink", () => {
    const out = cmykToSrgb(null, false).convert(new Uint8Array([0, 0, 0, 0, 255, 255, 255, 255]));
    expect([...out.subarray(0, 4)]).toEqual([255, 255, 255, 255]);
    expect(out[7]).toBe(255);
    expect(Math.max(out[4]!, out[5]!, out[6]!)).toBeLessThan(20);
  });

  it("converts in bounded pieces: a buffer larger than a piece equals its parts converted alone", () => {
    const n = 70_000;
    const cmyk = new Uint8Array(n * 4);
    for (let i = 0; i < cmyk.length; i++) cmyk[i] = (i * 2654435761) >>> 24;
    const t = cmykToSrgb(null, true);
    const whole = t.convert(cmyk);
    const parts = new Uint8Array(n * 4);
    for (let p = 0; p < n; p += 999) t.convert(cmyk.subarray(p * 4, Math.min(n, p + 999) * 4), parts.subarray(p * 4));
    expect(whole).toEqual(parts);
  });

  it("a transform is cached per profile: asking again does not grow the heap", async () => {
    const header = (await convertJpeg("cmyk-srgb/fogra29-adobe.jpg")).header;
    const before = cmykToSrgbHeapBytes();
    for (let i = 0; i < 20; i++) cmykToSrgb(header.icc!.slice(), true);
    expect(cmykToSrgbHeapBytes()).toBe(before);
    console.log(`cmyk-to-srgb heap: ${(before / 1048576).toFixed(2)} MiB`);
  });

  it("a transform let go from the cache while an image still uses it is made again, with the same result", async () => {
    const header = (await convertJpeg("cmyk-srgb/fogra29-adobe.jpg")).header;
    const cmyk = new Uint8Array(4 * 500).map((_, i) => (i * 37) & 255);
    const t = cmykToSrgb(header.icc, true);
    const before = t.convert(cmyk);
    // Other images' transforms (four intents and forms of the default profile) push it out.
    for (const intent of ["perceptual", "relative"] as const) for (const inverted of [false, true]) cmykToSrgb(null, inverted, { intent });
    cmykToSrgb(null, true, { blackPointCompensation: false });
    expect(t.convert(cmyk)).toEqual(before);
  });

  it("an unusable profile is an ImageDecodeError; for a JPEG the default is used and the reason given", async () => {
    expect(() => cmykToSrgb(new Uint8Array(200).fill(7), false)).toThrow(ImageDecodeError);
    const cmyk = await fixtureBytes("cmyk-srgb/fogra29-adobe.jpg");
    let header: JpegHeader | undefined;
    await decodeJpegStream(cmyk, { onHeader: (h) => void (header = h), onBand: () => undefined });
    const truncated = { ...header!, icc: header!.icc!.subarray(0, 300) };
    const { transform, profileError } = cmykToSrgbForJpeg(truncated);
    expect(transform.defaultProfile).toBe(true);
    expect(profileError).toMatch(/^CMYK profile: /);
  });
});
