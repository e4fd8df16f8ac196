import { beforeAll, describe, expect, it } from "vitest";
import { graphicMatte } from "../../src/bg-removal/graphic-matte";
import { decodeImage, encodeJpeg } from "../../src/imaging/codecs";
import { grant, signUp, uploadFile } from "../helpers/api";
import { fixtureBytes } from "../helpers/fixtures";
import { cutOut } from "../helpers/jobs";
import { channel, iou, transparentShare } from "../helpers/masks";
import { ensureModel } from "../helpers/model";

// Graphics over a photograph (src/bg-removal/graphic-matte.ts). The graphic
// is drawn here from analytic shapes over a real photo (skimage's coffee
// cup, whose cup and saucer a segmentation model takes for the subject):
// rings (letters with a counter, such as "o"), bars, and a badge with an
// outline of another colour. Every pixel's coverage is computed by 4×4
// supersampling of the shapes, so the expected mask is geometry, not
// anything the service computed.

type Shape = { inside: (x: number, y: number) => boolean; colour: [number, number, number] };

const ring = (cx: number, cy: number, outer: number, inner: number) => (x: number, y: number) => {
  const d = Math.hypot(x - cx, y - cy);
  return d <= outer && d >= inner;
};
const box = (x0: number, y0: number, x1: number, y1: number) => (x: number, y: number) => x >= x0 && x <= x1 && y >= y0 && y <= y1;

/** Paints shapes (later over earlier) onto the photo; returns the painted image, each pixel's graphic coverage (0..1) and the counters' pixels. */
function paint(photo: ImageData, shapes: Shape[], counters: ((x: number, y: number) => boolean)[]) {
  const { width, height } = photo;
  const data = new Uint8ClampedArray(photo.data);
  const coverage = new Float32Array(width * height);
  const counter = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = y * width + x;
      const mix = [0, 0, 0];
      let covered = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const px = x + (sx + 0.5) / 4;
          const py = y + (sy + 0.5) / 4;
          let top: Shape | undefined;
          for (const shape of shapes) if (shape.inside(px, py)) top = shape;
          if (!top) continue;
          covered++;
          for (let c = 0; c < 3; c++) mix[c]! += top.colour[c]!;
        }
      }
      coverage[k] = covered / 16;
      for (let c = 0; c < 3; c++) data[k * 4 + c] = Math.round((mix[c]! + (16 - covered) * photo.data[k * 4 + c]!) / 16);
      if (counters.some((inside) => inside(x + 0.5, y + 0.5)) && covered === 0) counter[k] = 1;
    }
  }
  return { image: new ImageData(data, width, height), coverage, counter };
}

/** IoU of alpha ≥ 128 against coverage ≥ 0.5, and the share of counter pixels left transparent. */
function score(alpha: ArrayLike<number>, coverage: Float32Array, counter: Uint8Array) {
  const truth = coverage.map((c) => (c >= 0.5 ? 255 : 0));
  return { iou: iou(alpha, truth), counters: transparentShare(alpha, counter.map((c) => c * 255)) ?? 1 };
}

// A badge: a green rounded box with a dark outline and a white "o"; beside it, three navy letters' worth of rings and bars.
const GREEN: [number, number, number] = [46, 138, 87];
const DARK: [number, number, number] = [34, 34, 36];
const WHITE: [number, number, number] = [255, 253, 250];
const NAVY: [number, number, number] = [29, 60, 143];
const SHAPES: Shape[] = [
  { inside: box(60, 120, 250, 280), colour: DARK },
  { inside: box(66, 126, 244, 274), colour: GREEN },
  { inside: ring(155, 200, 50, 26), colour: WHITE },
  { inside: ring(330, 200, 46, 22), colour: NAVY },
  { inside: box(395, 150, 415, 250), colour: NAVY },
  { inside: ring(480, 200, 46, 22), colour: NAVY },
];
// The counters that show the photograph (the badge's "o" shows the badge, which is part of the graphic).
const COUNTERS = [ring(330, 200, 20, 0), ring(480, 200, 20, 0)];

describe("graphics over a photograph: the cut follows the graphic's fills", () => {
  let photo: ImageData;
  beforeAll(async () => {
    photo = await decodeImage(await fixtureBytes("bg/coffee.jpg"), "jpeg");
  });

  it("finds every fill, keeps the outline and leaves the counters transparent, with no help from the model", async () => {
    const { image, coverage, counter } = paint(photo, SHAPES, COUNTERS);
    // Through a JPEG, as a shop's file would come: fills then carry compression noise.
    const jpeg = await decodeImage(await encodeJpeg(image, 90), "jpeg");
    const alpha = graphicMatte(jpeg, new Uint8Array(coverage.length));
    expect(alpha).not.toBeNull();
    const { iou: overlap, counters } = score(alpha!, coverage, counter);
    expect(overlap).toBeGreaterThanOrEqual(0.97);
    expect(counters).toBeGreaterThanOrEqual(0.95);
  });

  it("finds no graphic in a photograph alone, so the caller keeps the model's cut", () => {
    expect(graphicMatte(photo, new Uint8Array(photo.width * photo.height))).toBeNull();
  });

  describe("through the API", () => {
    let shop: { token: string; id: string };
    beforeAll(async () => {
      await ensureModel();
      shop = await signUp("bg-graphic");
      await grant(shop.id, 1_000);
    }, 120_000);

    it("a logo over the cup: the graphic, not the cup the model sees", async () => {
      const { image, coverage, counter } = paint(photo, SHAPES, COUNTERS);
      const source = await uploadFile(shop.token, await encodeJpeg(image, 92), "image/jpeg");
      const { done, file } = await cutOut(shop.token, { image_url: source, subject_type: "logo", edge_softness: 0 });
      expect(done.alpha_source).toBe("model");
      const out = await decodeImage(file.bytes, "png");
      const { iou: overlap, counters } = score(channel(out, 3), coverage, counter);
      expect(overlap).toBeGreaterThanOrEqual(0.95);
      expect(counters).toBeGreaterThanOrEqual(0.95);
    });
  });
});
