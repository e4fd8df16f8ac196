import { PDFArray, PDFDict, PDFDocument, PDFName } from "pdf-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { buildStickerPdf, type StickerPdfInput } from "../../src/stickers/pdf";
import { differing } from "../helpers/decoding";
import { runTool } from "../helpers/tools";
import { CANVAS, CUT_CIRCLE, DISC, IMAGE_PX, PT_PER_MM, TRIM, compositeOverWhite, deflate, distanceToCutMm, pointsOnCut, stickerInput } from "./pdf-input";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Objects = Record<string, { value?: Json; stream?: { dict: Record<string, Json>; data?: string } }>;

let input: Awaited<ReturnType<typeof stickerInput>>;
let pdf: Uint8Array;

beforeAll(async () => {
  input = await stickerInput();
  pdf = await buildStickerPdf(input);
});

/** qpdf's JSON (version 2) of every object, or of the one `only` names ("7 0 R"); `decoded` inflates the streams' data. */
async function qpdfObjects(bytes: Uint8Array, decoded: boolean, only?: string): Promise<Objects> {
  const select = only ? [`--json-object=${only.split(" ").slice(0, 2).join(",")}`] : [];
  const args = ["--json=2", "--json-key=qpdf", ...select, "--json-stream-data=inline", `--decode-level=${decoded ? "generalized" : "none"}`, "{in}"];
  const run = await runTool("qpdf", bytes, args, ".pdf");
  expect(run.exitCode, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { qpdf: [unknown, Objects] }).qpdf[1];
}

/** Follows "N 0 R" to the object's value (or stream). */
function resolve(objects: Objects, value: Json | undefined): Json | Objects[string] | undefined {
  if (typeof value !== "string" || !/^\d+ \d+ R$/.test(value)) return value;
  const object = objects[`obj:${value}`];
  return object?.value ?? object;
}

function base64Bytes(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** Boxes as pdfinfo -box prints them (two decimals). */
async function pdfBoxes(bytes: Uint8Array): Promise<Record<string, number[]>> {
  const run = await runTool("pdfinfo", bytes, ["-box", "{in}"], ".pdf");
  expect(run.exitCode, run.stderr).toBe(0);
  const boxes: Record<string, number[]> = {};
  for (const [, name, numbers] of run.stdout.matchAll(/^(\w+Box):\s+(.+)$/gm)) boxes[name!] = numbers!.trim().split(/\s+/).map(Number);
  return boxes;
}

/** pdftoppm's rendering as a binary PPM (P6): the same pixels as -png, with no decoder between poppler and the test. */
async function render(bytes: Uint8Array, dpi: number): Promise<{ width: number; height: number; rgb: Uint8Array }> {
  // -aaVector no: the 0.25 pt line covers whole pixels instead of fading into the artwork.
  const run = await runTool("pdftoppm", bytes, ["-r", String(dpi), "-aaVector", "no", "-singlefile", "{in}", "{out}"], ".pdf");
  expect(run.exitCode, run.stderr).toBe(0);
  const text = new TextDecoder("latin1").decode(run.output!.subarray(0, 64));
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(text)!;
  return { width: Number(header[1]), height: Number(header[2]), rgb: run.output!.subarray(header[0].length) };
}

describe("buildStickerPdf", () => {
  it("passes qpdf --check", async () => {
    const run = await runTool("qpdf", pdf, ["--check", "{in}"], ".pdf");
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain("No syntax or stream encoding errors found");
  });

  it("sets MediaBox = BleedBox = CropBox to the canvas and TrimBox to the cut line's bounds, y flipped", async () => {
    const boxes = await pdfBoxes(pdf);
    const canvas = [0, 0, CANVAS.widthMm * PT_PER_MM, CANVAS.heightMm * PT_PER_MM];
    const bottom = CANVAS.heightMm - TRIM.y - TRIM.height;
    const trim = [TRIM.x, bottom, TRIM.x + TRIM.width, bottom + TRIM.height].map((mm) => mm * PT_PER_MM);
    // pdfinfo prints two decimals (±0.005), the file holds three (±0.0005).
    const near = (got: number[], want: number[]) => got.length === 4 && got.every((v, i) => Math.abs(v - want[i]!) <= 0.0055);
    for (const name of ["MediaBox", "BleedBox", "CropBox"]) expect(near(boxes[name]!, canvas), `${name} ${boxes[name]} vs ${canvas}`).toBe(true);
    expect(near(boxes.TrimBox!, trim), `TrimBox ${boxes.TrimBox} vs ${trim}`).toBe(true);
    expect(canvas.slice(2)).toEqual([144, 108].map((pt) => expect.closeTo(pt, 9)));
  });

  it("writes the title and producer, and the same bytes for the same input", async () => {
    const run = await runTool("pdfinfo", pdf, ["{in}"], ".pdf");
    expect(run.stdout).toMatch(/^Title:\s+Test sticker$/m);
    expect(run.stdout).toMatch(/^Producer:\s+printcart-ai-services$/m);
    expect(run.stdout).not.toMatch(/^(CreationDate|ModDate):/m);
    const again = await buildStickerPdf(input);
    expect([again.length, differing(again, pdf)]).toEqual([pdf.length, 0]);
  });

  it("declares the CutContour separation, its overprint and its layer", async () => {
    const objects = await qpdfObjects(pdf, false);
    const catalog = Object.values(objects).find((o) => (o.value as Record<string, Json>)?.["/Type"] === "/Catalog")!.value as Record<string, Json>;
    const page = Object.values(objects).find((o) => (o.value as Record<string, Json>)?.["/Type"] === "/Page")!.value as Record<string, Json>;
    const resources = page["/Resources"] as Record<string, Record<string, Json>>;

    const colourSpaces = Object.values(resources["/ColorSpace"]!).map((v) => resolve(objects, v));
    expect(colourSpaces).toEqual([["/Separation", "/CutContour", "/DeviceCMYK", { "/FunctionType": 2, "/Domain": [0, 1], "/C0": [0, 0, 0, 0], "/C1": [0, 1, 0, 0], "/N": 1 }]]);
    expect(Object.values(resources["/ExtGState"]!).map((v) => resolve(objects, v))).toEqual([{ "/Type": "/ExtGState", "/OP": true, "/op": true, "/OPM": 1 }]);

    const properties = Object.entries(resources["/Properties"]!);
    expect(properties).toHaveLength(1);
    const [, layerRef] = properties[0]!;
    expect(resolve(objects, layerRef)).toEqual({ "/Type": "/OCG", "/Name": "u:CutContour" });
    const ocProperties = catalog["/OCProperties"] as Record<string, Record<string, Json> | Json[]>;
    expect(ocProperties["/OCGs"]).toEqual([layerRef]);
    expect((ocProperties["/D"] as Record<string, Json>)["/ON"]).toEqual([layerRef]);
    expect((ocProperties["/D"] as Record<string, Json>)["/Order"]).toEqual([layerRef]);
  });

  it("embeds the caller's deflated image and alpha as they are, the alpha as the image's soft mask", async () => {
    const objects = await qpdfObjects(pdf, false);
    const page = Object.values(objects).find((o) => (o.value as Record<string, Json>)?.["/Type"] === "/Page")!.value as Record<string, Json>;
    const xobjects = Object.values((page["/Resources"] as Record<string, Record<string, Json>>)["/XObject"]!);
    expect(xobjects).toHaveLength(1);
    const image = objects[`obj:${xobjects[0]}`]!.stream!;
    const mask = objects[`obj:${image.dict["/SMask"]}`]!.stream!;
    const common = { "/Type": "/XObject", "/Subtype": "/Image", "/Width": 600, "/Height": 450, "/BitsPerComponent": 8, "/Filter": "/FlateDecode" };
    expect(image.dict).toMatchObject({ ...common, "/ColorSpace": "/DeviceRGB" });
    expect(mask.dict).toMatchObject({ ...common, "/ColorSpace": "/DeviceGray" });
    expect(differing(base64Bytes(image.data!), input.image.rgb)).toBe(0);
    expect(differing(base64Bytes(mask.data!), input.image.alpha!)).toBe(0);

    const decoded = await qpdfObjects(pdf, true, xobjects[0] as string);
    expect(Object.keys(decoded)).toEqual([`obj:${xobjects[0]}`]);
    expect(differing(base64Bytes(decoded[`obj:${xobjects[0]}`]!.stream!.data!), input.raw.rgb)).toBe(0);

    const list = await runTool("pdfimages", pdf, ["-list", "{in}"], ".pdf");
    const rows = list.stdout.trim().split("\n").slice(2).map((line) => line.trim().split(/\s+/));
    expect(rows.map((r) => r.slice(2, 8))).toEqual([
      ["image", "600", "450", "rgb", "3", "8"],
      ["smask", "600", "450", "gray", "1", "8"],
    ]);
    expect(rows.map((r) => r.slice(12, 14))).toEqual([["300", "300"], ["300", "300"]]);
  });

  it("strokes the cut paths, flipped into points, inside the layer's marked content", async () => {
    const objects = await qpdfObjects(pdf, true);
    const page = Object.values(objects).find((o) => (o.value as Record<string, Json>)?.["/Type"] === "/Page")!.value as Record<string, Json>;
    const resources = page["/Resources"] as Record<string, Record<string, Json>>;
    const [layerName] = Object.keys(resources["/Properties"]!);
    const [spaceName] = Object.keys(resources["/ColorSpace"]!);
    const [stateName] = Object.keys(resources["/ExtGState"]!);
    const [imageName] = Object.keys(resources["/XObject"]!);
    const content = new TextDecoder().decode(base64Bytes(objects[`obj:${page["/Contents"]}`]!.stream!.data!));
    const tokens = content.trim().split(/\s+/);
    const bdc = tokens.indexOf("BDC");
    const emc = tokens.indexOf("EMC");
    expect(tokens.slice(bdc - 2, bdc)).toEqual(["/OC", layerName]);
    expect(tokens.lastIndexOf("EMC")).toBe(emc);

    // Before the layer: the artwork scaled onto the whole page, and nothing painted after the layer.
    expect(tokens.slice(0, bdc - 2)).toEqual(["q", "144", "0", "0", "108", "0", "0", "cm", imageName, "Do", "Q"]);
    expect(tokens.slice(emc + 1)).toEqual([]);

    const inside = tokens.slice(bdc + 1, emc);
    expect(inside.slice(0, 9)).toEqual(["q", stateName, "gs", spaceName, "CS", "1", "SCN", "0.25", "w"]);
    expect(inside.slice(-2)).toEqual(["S", "Q"]);
    expect(inside.filter((t) => ["f", "F", "f*", "B", "B*", "b", "b*", "Do", "BDC", "q"].includes(t))).toEqual(["q"]);

    const subpaths: number[][] = [];
    let numbers: number[] = [];
    for (const token of inside) {
      if (/^-?[\d.]+$/.test(token)) numbers.push(Number(token));
      else if (token === "m") subpaths.push(numbers.splice(0));
      else if (token === "c") subpaths.at(-1)!.push(...numbers.splice(0));
      else if (token === "h") expect(numbers).toEqual([]);
      else numbers = [];
    }
    const expected = input.paths.map((path) =>
      [path.start, ...path.segments.flatMap((s) => [s.c1, s.c2, s.to])].flatMap(([x, y]) => [x * PT_PER_MM, (CANVAS.heightMm - y) * PT_PER_MM]),
    );
    expect(subpaths.map((s) => s.length)).toEqual(expected.map((s) => s.length));
    subpaths.forEach((s, i) => s.forEach((v, j) => expect(Math.abs(v - expected[i]![j]!)).toBeLessThanOrEqual(0.0005 + 1e-9)));
  });

  it("renders the artwork over white and the cut line in magenta, and hides the line with its layer", async () => {
    const page = await render(pdf, 72);
    expect([page.width, page.height]).toEqual([144, 108]);
    const pixel = (x: number, y: number) => Array.from(page.rgb.subarray((y * page.width + x) * 3, (y * page.width + x) * 3 + 3));
    const mmPerPx = 25.4 / 72;

    // poppler averages the 300 dpi image onto 72 dpi pixels (4 or 5 source pixels a side) and rounds to 8 bits at each
    // step; against the exact gradient that leaves up to 3 levels, 4 with a margin.
    const TOLERANCE = 4;
    let compared = 0;
    for (let y = 0; y < page.height; y++) {
      for (let x = 0; x < page.width; x++) {
        const [xMm, yMm] = [(x + 0.5) * mmPerPx, (y + 0.5) * mmPerPx];
        // The image is scaled down about 4×: a pixel this close to the disc's edge averages both sides.
        const nearDiscEdge = Math.abs(Math.hypot(xMm - DISC.cx, yMm - DISC.cy) - DISC.r) < 2 * mmPerPx;
        if (nearDiscEdge || distanceToCutMm(xMm, yMm) < 1.5 * mmPerPx) continue;
        const want = compositeOverWhite(xMm, yMm);
        pixel(x, y).forEach((v, c) => expect(Math.abs(v - want[c]!), `pixel ${x},${y}`).toBeLessThanOrEqual(TOLERANCE));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(0.8 * 144 * 108);

    // The pixels under each point of the line: the one it falls in, and its neighbour when the point is
    // within 0.15 px of their common edge (which of them a 0.25 px line paints is then a rounding).
    const pixelsUnder = ([xMm, yMm]: readonly [number, number]) => {
      const [x, y] = [xMm / mmPerPx, yMm / mmPerPx];
      const xs = [...new Set([Math.floor(x - 0.15), Math.floor(x + 0.15)])];
      const ys = [...new Set([Math.floor(y - 0.15), Math.floor(y + 0.15)])];
      return xs.flatMap((px) => ys.map((py) => [px, py] as const));
    };
    const isMagenta = ([r, g, b]: number[]) => r! >= 200 && g! <= 40 && b! >= 100;
    const points = pointsOnCut();
    expect(points.length).toBeGreaterThan(100);
    for (const point of points) {
      const under = pixelsUnder(point);
      expect(under.some(([x, y]) => isMagenta(pixel(x, y))), `${point} over ${under.map(([x, y]) => pixel(x, y)).join(" | ")}`).toBe(true);
    }

    // poppler has no switch for optional content, but follows the document's default view: turn the layer off there.
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    const ocProperties = doc.catalog.lookup(PDFName.of("OCProperties"), PDFDict);
    const view = ocProperties.lookup(PDFName.of("D"), PDFDict);
    view.set(PDFName.of("OFF"), view.lookup(PDFName.of("ON"), PDFArray));
    view.delete(PDFName.of("ON"));
    const hidden = await render(await doc.save({ useObjectStreams: false }), 72);
    for (const [x, y] of points.flatMap(pixelsUnder)) {
      const want = compositeOverWhite((x + 0.5) * mmPerPx, (y + 0.5) * mmPerPx);
      const got = Array.from(hidden.rgb.subarray((y * hidden.width + x) * 3, (y * hidden.width + x) * 3 + 3));
      got.forEach((v, c) => expect(Math.abs(v - want[c]!), `hidden ${x},${y}`).toBeLessThanOrEqual(TOLERANCE));
    }
    expect(CUT_CIRCLE.r).toBeGreaterThan(DISC.r + 1); // the circle's line runs over the background, where the check above holds
  });

  it("leaves out the soft mask of an opaque image", async () => {
    const opaque = await buildStickerPdf(await stickerInput({ opaque: true }));
    const list = await runTool("pdfimages", opaque, ["-list", "{in}"], ".pdf");
    const rows = list.stdout.trim().split("\n").slice(2).map((line) => line.trim().split(/\s+/).slice(2, 8));
    expect(rows).toEqual([["image", "600", "450", "rgb", "3", "8"]]);
    expect((await runTool("qpdf", opaque, ["--check", "{in}"], ".pdf")).exitCode).toBe(0);
  });

  it("refuses input a RIP would choke on or print at the wrong size", async () => {
    const base: StickerPdfInput = { ...input, image: { ...input.image } };
    const rawDeflate = await deflate(input.raw.rgb, "deflate-raw");
    await expect(buildStickerPdf({ ...base, image: { ...base.image, rgb: rawDeflate } })).rejects.toThrow(/zlib/);
    await expect(buildStickerPdf({ ...base, image: { ...base.image, width: IMAGE_PX.width - 2 } })).rejects.toThrow(/598 × 450/);
    await expect(buildStickerPdf({ ...base, trim: { ...TRIM, x: CANVAS.widthMm - 1 } })).rejects.toThrow(/trim/);
    await expect(buildStickerPdf({ ...base, paths: [] })).rejects.toThrow(/cut path/);
  });
});
