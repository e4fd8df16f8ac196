import { round } from "./boxes";
import { NON_SPOT_COLORANTS, type ColorSpaceInfo } from "./color-spaces";
import type { PdfColorSpace, PdfFacts, PdfTransparency } from "./facts";
import type { PageFindings } from "./graphics-state";

/** Page findings by 1-based page number. */
export type FindingsByPage = Map<number, PageFindings>;

/** Folds the pages' findings into the document-level facts. */
export function summarizeContent(facts: PdfFacts, findings: FindingsByPage): void {
  const spaces = new Map<string, { info: ColorSpaceInfo; pages: number[] }>();
  const transparency: PdfTransparency = { used: false, softMaskedImages: 0, softMaskGStates: 0, minFillAlpha: null, minStrokeAlpha: null, blendModes: [], pages: [] };
  const blendModes = new Set<string>();
  let minLineWidth: number | null = null;

  for (const [page, f] of findings) {
    facts.images.push(...f.images);
    for (const info of f.colorSpaces.values()) {
      const entry = spaces.get(info.name) ?? { info, pages: [] };
      entry.pages.push(page);
      spaces.set(info.name, entry);
    }
    if (f.minLineWidthPt !== null && (minLineWidth === null || f.minLineWidthPt < minLineWidth)) minLineWidth = f.minLineWidthPt;
    facts.thinLineStrokes += f.thinStrokes;
    transparency.softMaskedImages += f.softMaskedImages;
    transparency.softMaskGStates += f.softMaskGStates;
    transparency.minFillAlpha = minOf(transparency.minFillAlpha, f.minFillAlpha);
    transparency.minStrokeAlpha = minOf(transparency.minStrokeAlpha, f.minStrokeAlpha);
    for (const mode of f.blendModes) blendModes.add(mode);
    if (pageUsesTransparency(f)) transparency.pages.push(page);
    if (f.damage.length > 0) facts.damaged = true;
  }

  transparency.blendModes = [...blendModes].sort();
  transparency.used = transparency.pages.length > 0;
  facts.transparency = transparency;
  facts.minLineWidthPt = minLineWidth === null ? null : round(minLineWidth, 4);
  facts.colorSpaces = [...spaces.values()].map(({ info, pages }) => toFact(info, pages)).sort((a, b) => a.name.localeCompare(b.name));
  const infos = [...spaces.values()].map((s) => s.info);
  facts.spotColors = [...new Set(infos.filter((i) => i.process === "spot").flatMap((i) => i.colorants.filter((c) => !NON_SPOT_COLORANTS.has(c))))].sort();
  facts.colorMode = colorModeOf(infos);
}

export function pageUsesTransparency(f: PageFindings): boolean {
  return f.softMaskedImages > 0 || f.softMaskGStates > 0 || f.minFillAlpha !== null || f.minStrokeAlpha !== null || f.blendModes.size > 0;
}

function toFact(info: ColorSpaceInfo, pages: number[]): PdfColorSpace {
  return {
    name: info.name,
    family: info.family,
    components: info.components,
    process: info.process,
    ...(info.colorants.length > 0 ? { colorants: info.colorants } : {}),
    pages,
  };
}

/** Spot inks print on their own plates, so they do not make a file RGB or CMYK; Lab is left to the RIP. */
function colorModeOf(spaces: ColorSpaceInfo[]): PdfFacts["colorMode"] {
  const processes = new Set(spaces.map((s) => s.process));
  if (processes.has("rgb") && processes.has("cmyk")) return "mixed";
  if (processes.has("rgb")) return "rgb";
  if (processes.has("cmyk")) return "cmyk";
  if (processes.has("gray")) return "gray";
  if (processes.has("spot")) return "spot";
  return "none";
}

function minOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
