import type { CutPath } from "./cut-path";

/**
 * The cut line as an SVG a cutter's software opens: sized in millimetres,
 * viewBox in millimetres (so path numbers are millimetres as they are),
 * one closed path per contour stroked as a 0.25 pt magenta hairline with
 * no fill (the convention for a `CutContour` line where a file cannot
 * carry a spot colour).
 *
 * The paths sit in one group `id="CutContour"`, also marked as an Inkscape
 * layer of that name, and each path is `CutContour-1`, `-2`, …: ids must be
 * unique in XML, so several paths cannot all be `CutContour`; Illustrator
 * names an imported group by its id and Inkscape shows the layer by its
 * label, so the name survives import in both and cutter plug-ins that look
 * for a `CutContour` layer or object find one, whatever the number of
 * pieces. Stroke and fill are set on each path, not inherited from the
 * group, for importers that ignore inheritance.
 */
export function cutLineSvg(paths: CutPath[], canvas: { widthMm: number; heightMm: number }): string {
  const w = mm(canvas.widthMm);
  const h = mm(canvas.heightMm);
  const body = paths
    .map((path, i) => `    <path id="CutContour-${i + 1}" d="${pathData(path)}" fill="none" stroke="#FF00FF" stroke-width="${HAIRLINE_MM}" stroke-linejoin="round"/>`)
    .join("\n");
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="${w}mm" height="${h}mm" viewBox="0 0 ${w} ${h}">`,
    `  <g id="CutContour" inkscape:groupmode="layer" inkscape:label="CutContour">`,
    body,
    `  </g>`,
    `</svg>`,
    ``,
  ].join("\n");
}

/** 0.25 pt in millimetres (25.4 / 72 / 4): the hairline RIPs and cutters expect for a cut path. */
const HAIRLINE_MM = "0.0882";

/** M, then one C per segment, then Z; the last segment ends on the start point, which Z restates. */
export function pathData(path: CutPath): string {
  const parts = [`M${mm(path.start[0])} ${mm(path.start[1])}`];
  for (const s of path.segments) parts.push(`C${mm(s.c1[0])} ${mm(s.c1[1])} ${mm(s.c2[0])} ${mm(s.c2[1])} ${mm(s.to[0])} ${mm(s.to[1])}`);
  parts.push("Z");
  return parts.join("");
}

/** A number rounded to 0.001 mm, without a trailing ".000" or a "-0". */
function mm(v: number): string {
  const r = Math.round(v * 1000) / 1000;
  return (r === 0 ? 0 : r).toString();
}
