import { describe, expect, it } from "vitest";
import { decodePng } from "../../src/imaging/png-decode";
import type { CutPath } from "../../src/stickers/cut-path";
import { traceCutLine, type CutLineOptions } from "../../src/stickers/geometry";
import { cutLineSvg } from "../../src/stickers/svg";
import { runTool } from "../helpers/tools";
import { disc, drawMask, star, union } from "./shapes";

/**
 * The cut line's SVG, read back twice: parsed here (size, viewBox, one
 * path per contour, numbers to 0.001 mm) and rasterized by librsvg
 * (`rsvg-convert`, Debian), whose magenta pixels must lie on the analytic
 * offset.
 */
const OPTIONS: CutLineOptions = { borderMm: 2, minRadiusMm: 1, bleedMm: 1.5, singlePiece: true };
const DPI = 300;
const TOLERANCE_MM = 0.25;

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
}

/** The `d` of a path read back as M x y, then C with six numbers each, then Z. */
function parsePathData(d: string): CutPath {
  expect(d).toMatch(/^M-?[\d.]+ -?[\d.]+(C(-?[\d.]+ ){5}-?[\d.]+)+Z$/);
  for (const n of d.match(/-?[\d.]+/g)!) expect(n).toMatch(/^-?\d+(\.\d{1,3})?$/);
  const [move, ...curves] = d.slice(0, -1).split(/(?=C)/);
  const start = move!.slice(1).split(" ").map(Number) as [number, number];
  const segments = curves.map((c) => {
    const v = c.slice(1).split(" ").map(Number);
    return { c1: [v[0]!, v[1]!] as const, c2: [v[2]!, v[3]!] as const, to: [v[4]!, v[5]!] as const };
  });
  return { start, segments };
}

async function renderedMagenta(svg: string, widthMm: number, heightMm: number): Promise<[number, number][]> {
  const run = await runTool("rsvg-convert", new TextEncoder().encode(svg), ["--dpi-x", `${DPI}`, "--dpi-y", `${DPI}`, "-b", "white", "-o", "{out}", "{in}"], ".svg");
  expect(run.exitCode, run.stderr).toBe(0);
  const image = decodePng(run.output!);
  // The size in millimetres, as librsvg understood it (it rounds a fractional pixel up).
  expect(image.width).toBe(Math.ceil((widthMm / 25.4) * DPI));
  expect(image.height).toBe(Math.ceil((heightMm / 25.4) * DPI));
  const mmPerPx = 25.4 / DPI;
  const out: [number, number][] = [];
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 4;
      // Magenta over white: red and blue stay full, green drops with the line's coverage.
      if (image.data[i]! > 200 && image.data[i + 2]! > 200 && image.data[i + 1]! < 128) out.push([(x + 0.5) * mmPerPx, (y + 0.5) * mmPerPx]);
    }
  }
  return out;
}

describe("cutLineSvg", () => {
  const R = 20;
  const canvas = { widthMm: 60, heightMm: 60 };
  const geometry = traceCutLine(drawMask(disc(30, 30, R), canvas.widthMm, canvas.heightMm), OPTIONS);
  const svg = cutLineSvg(geometry.paths, canvas);

  it("is sized and viewBoxed in millimetres, one closed magenta hairline path in the CutContour group", () => {
    const root = /<svg\b[^>]*>/.exec(svg)![0];
    expect(attribute(root, "width")).toBe("60mm");
    expect(attribute(root, "height")).toBe("60mm");
    expect(attribute(root, "viewBox")).toBe("0 0 60 60");
    expect(svg).toMatch(/<g id="CutContour"[^>]*>/);
    const paths = svg.match(/<path\b[^>]*\/>/g)!;
    expect(paths).toHaveLength(1);
    const tag = paths[0]!;
    expect(attribute(tag, "id")).toBe("CutContour-1");
    expect(attribute(tag, "fill")).toBe("none");
    expect(attribute(tag, "stroke")).toBe("#FF00FF");
    // 0.25 pt = 25.4 / 72 / 4 mm.
    expect(Number(attribute(tag, "stroke-width"))).toBeCloseTo(25.4 / 72 / 4, 4);
    const read = parsePathData(attribute(tag, "d")!);
    const path = geometry.paths[0]!;
    expect(read.segments).toHaveLength(path.segments.length);
    const flat = (p: CutPath) => [p.start, ...p.segments.flatMap((s) => [s.c1, s.c2, s.to])].flat();
    const written = flat(read);
    flat(path).forEach((v, i) => expect(Math.abs(written[i]! - v)).toBeLessThanOrEqual(0.0005));
  });

  it("renders (librsvg, 300 dpi) as a closed circle of radius R + border", async () => {
    const magenta = await renderedMagenta(svg, canvas.widthMm, canvas.heightMm);
    const r = R + OPTIONS.borderMm;
    const halfPixelMm = 25.4 / DPI / 2;
    const radii = magenta.map(([x, y]) => Math.hypot(x - 30, y - 30));
    expect(Math.min(...radii)).toBeGreaterThan(r - TOLERANCE_MM - halfPixelMm);
    expect(Math.max(...radii)).toBeLessThan(r + TOLERANCE_MM + halfPixelMm);
    // Every degree of the circle has its line: nothing is missing, so the cut closes.
    const degrees = new Set(magenta.map(([x, y]) => Math.floor(((Math.atan2(y - 30, x - 30) * 180) / Math.PI + 360) % 360)));
    expect(degrees.size).toBe(360);
  });

  it("gives each of several pieces its own path, all in the group", async () => {
    const shape = union(disc(15, 20, 8), disc(50, 20, 6));
    const pieces = traceCutLine(drawMask(shape, 70, 40), { ...OPTIONS, singlePiece: false });
    const sheet = cutLineSvg(pieces.paths, { widthMm: 70, heightMm: 40 });
    const group = /<g id="CutContour"[^>]*>([\s\S]*?)<\/g>/.exec(sheet)![1]!;
    const ids = [...group.matchAll(/<path\b[^>]*\/>/g)].map((m) => attribute(m[0], "id"));
    expect(ids).toEqual(["CutContour-1", "CutContour-2"]);
    const magenta = await renderedMagenta(sheet, 70, 40);
    const halfPixelMm = 25.4 / DPI / 2;
    for (const [x, y] of magenta) expect(Math.abs(shape(x, y) - OPTIONS.borderMm)).toBeLessThan(TOLERANCE_MM + halfPixelMm);
    expect(magenta.some(([x]) => x < 30) && magenta.some(([x]) => x > 40)).toBe(true);
  });

  it.each([
    ["a 3-inch disc", disc(45, 45, 76.2 / 2 - OPTIONS.borderMm)],
    ["a jagged 3-inch star", star(45, 45, 20, 76.2 / 2 - OPTIONS.borderMm, 36)],
  ])("stays well under 50 KB for %s at 300 dpi", (_, shape) => {
    const cut = traceCutLine(drawMask(shape, 90, 90, 25.4 / DPI, 4), OPTIONS);
    expect(Math.max(cut.bounds.width, cut.bounds.height)).toBeGreaterThan(76.2 - 2 * TOLERANCE_MM);
    const bytes = new TextEncoder().encode(cutLineSvg(cut.paths, { widthMm: 90, heightMm: 90 })).length;
    console.log(`cut line SVG, ${_}: ${cut.paths[0]!.segments.length} segments, ${bytes} bytes`);
    expect(bytes).toBeLessThan(50_000);
  });
});
