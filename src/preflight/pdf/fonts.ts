import { PDFDict, type PDFContext, type PDFObject } from "pdf-lib";
import { arrayAt, arrayItems, asDict, dictAt, get, identityOf, nameAt, valuesOf } from "./objects";
import type { PdfFont } from "./facts";

/** The 14 fonts PDF viewers must provide (§9.6.2.2); printers substitute them when they are not embedded. */
const STANDARD_14 = new Set([
  "Times-Roman",
  "Times-Bold",
  "Times-Italic",
  "Times-BoldItalic",
  "Helvetica",
  "Helvetica-Bold",
  "Helvetica-Oblique",
  "Helvetica-BoldOblique",
  "Courier",
  "Courier-Bold",
  "Courier-Oblique",
  "Courier-BoldOblique",
  "Symbol",
  "ZapfDingbats",
]);

const SUBSET_TAG = /^[A-Z]{6}\+/;
const FONT_FILES = ["FontFile", "FontFile2", "FontFile3"] as const;
/** Forms in forms in patterns…: resource trees deeper than this are not followed. */
const MAX_RESOURCE_DEPTH = 12;

export function describeFont(ctx: PDFContext, font: PDFDict): Omit<PdfFont, "page" | "pages"> {
  const subtype = nameAt(ctx, font, "Subtype") ?? "Unknown";
  const name = nameAt(ctx, font, "BaseFont") ?? (subtype === "Type3" ? "(Type 3)" : "(unnamed)");
  const encodingName = nameAt(ctx, font, "Encoding");
  const encoding = encodingName ?? (get(ctx, font, "Encoding") ? "custom" : null);
  const subset = SUBSET_TAG.test(name);
  const standard14 = STANDARD_14.has(name.replace(SUBSET_TAG, ""));

  // Type 3 glyphs are content streams inside the font itself: always embedded.
  if (subtype === "Type3") return { name, type: subtype, embedded: true, subset, standard14, fontFile: null, encoding };

  let type = subtype;
  let descriptorOwner: PDFDict | undefined = font;
  if (subtype === "Type0") {
    const descendant = asDict(arrayItems(ctx, arrayAt(ctx, font, "DescendantFonts"))[0]);
    descriptorOwner = descendant;
    type = `Type0/${nameAt(ctx, descendant, "Subtype") ?? "Unknown"}`;
  }
  const descriptor = dictAt(ctx, descriptorOwner, "FontDescriptor");
  const fontFile = FONT_FILES.find((key) => get(ctx, descriptor, key) !== undefined) ?? null;
  return { name, type, embedded: fontFile !== null, subset, standard14, fontFile, encoding };
}

/** Collects fonts page by page, one entry per font object for the whole document. */
export class FontCollector {
  private readonly fonts = new Map<string | PDFObject, PdfFont>();

  constructor(private readonly ctx: PDFContext) {}

  /**
   * Walks a resource dictionary as pdffonts does: its /Font entries, and the
   * resources of the Form XObjects, tiling patterns and Type 3 fonts it
   * references, whether or not the content draws them.
   */
  collect(resources: PDFDict | undefined, page: number): void {
    this.walk(resources, page, new Set(), 0);
  }

  list(): PdfFont[] {
    return [...this.fonts.values()];
  }

  private walk(resources: PDFDict | undefined, page: number, visited: Set<PDFDict>, depth: number): void {
    if (!resources || visited.has(resources) || depth > MAX_RESOURCE_DEPTH) return;
    visited.add(resources);
    for (const [raw, value] of valuesOf(this.ctx, dictAt(this.ctx, resources, "Font"))) {
      if (!(value instanceof PDFDict)) continue;
      this.add(identityOf(raw, value)!, value, page);
      if (nameAt(this.ctx, value, "Subtype") === "Type3") this.walk(dictAt(this.ctx, value, "Resources"), page, visited, depth + 1);
    }
    for (const category of ["XObject", "Pattern"]) {
      for (const [, value] of valuesOf(this.ctx, dictAt(this.ctx, resources, category))) {
        this.walk(dictAt(this.ctx, asDict(value), "Resources"), page, visited, depth + 1);
      }
    }
  }

  private add(key: string | PDFObject, dict: PDFDict, page: number): void {
    const known = this.fonts.get(key);
    if (known) {
      if (!known.pages.includes(page)) known.pages.push(page);
      return;
    }
    this.fonts.set(key, { ...describeFont(this.ctx, dict), page, pages: [page] });
  }
}
