import { PDFArray, PDFName, type PDFContext, type PDFDict, type PDFObject } from "pdf-lib";
import { asDict, asName, arrayItems, get, numberAt, resolve } from "./objects";
import { PdfName, type Operand } from "./content-stream";
import type { ProcessModel } from "./facts";

/** What a colour space is, reduced to what a print check needs. */
export interface ColorSpaceInfo {
  /** Label in the form qpdf-based tooling uses: `DeviceRGB`, `ICCBased(N=3)`, `Separation:PANTONE 185 C`. */
  name: string;
  family: string;
  components: number | null;
  process: ProcessModel;
  /** Separation / DeviceN colourant names. */
  colorants: string[];
  /** The base of an Indexed or uncoloured Pattern space. */
  base?: ColorSpaceInfo;
}

export const DEVICE_GRAY: ColorSpaceInfo = { name: "DeviceGray", family: "DeviceGray", components: 1, process: "gray", colorants: [] };
export const DEVICE_RGB: ColorSpaceInfo = { name: "DeviceRGB", family: "DeviceRGB", components: 3, process: "rgb", colorants: [] };
export const DEVICE_CMYK: ColorSpaceInfo = { name: "DeviceCMYK", family: "DeviceCMYK", components: 4, process: "cmyk", colorants: [] };
const PATTERN: ColorSpaceInfo = { name: "Pattern", family: "Pattern", components: null, process: "pattern", colorants: [] };
const UNKNOWN: ColorSpaceInfo = { name: "Unknown", family: "Unknown", components: null, process: "unknown", colorants: [] };

/** Names that mean a device space without a resource lookup; the short forms are inline-image abbreviations. */
const DIRECT: Record<string, ColorSpaceInfo> = {
  DeviceGray: DEVICE_GRAY,
  G: DEVICE_GRAY,
  DeviceRGB: DEVICE_RGB,
  RGB: DEVICE_RGB,
  DeviceCMYK: DEVICE_CMYK,
  CMYK: DEVICE_CMYK,
  Pattern: PATTERN,
};

const PROCESS_COLORANTS = new Set(["Cyan", "Magenta", "Yellow", "Black"]);
/** `All` paints every separation (registration marks) and `None` paints nothing: neither is a spot ink. */
export const NON_SPOT_COLORANTS = new Set(["All", "None", ...PROCESS_COLORANTS]);

/** Nesting guard: Indexed → Separation → … chains are short in real files. */
const MAX_COLOR_SPACE_DEPTH = 6;

/** Describes colour space objects, memoised per object for one document. */
export class ColorSpaces {
  private readonly cache = new Map<PDFObject, ColorSpaceInfo>();

  constructor(private readonly ctx: PDFContext) {}

  /** A colour space operand of `cs`/`CS` (or an inline image's /CS), looked up in `resources` when it is not a device name. */
  fromOperand(operand: Operand | undefined, resources: PDFDict | undefined): ColorSpaceInfo | undefined {
    if (operand instanceof PdfName) {
      const direct = DIRECT[operand.value];
      if (direct) return direct;
      const entry = get(this.ctx, asDict(get(this.ctx, resources, "ColorSpace")), operand.value);
      return entry === undefined ? undefined : this.describe(entry);
    }
    // Inline images may spell an Indexed space out: [/I /RGB 255 <…>].
    if (Array.isArray(operand) && operand[0] instanceof PdfName && (operand[0].value === "I" || operand[0].value === "Indexed")) {
      const base = this.fromOperand(operand[1], resources) ?? UNKNOWN;
      return indexed(base);
    }
    return undefined;
  }

  describe(obj: PDFObject | undefined, depth = 0): ColorSpaceInfo {
    const value = resolve(this.ctx, obj);
    if (value === undefined || depth > MAX_COLOR_SPACE_DEPTH) return UNKNOWN;
    const cached = this.cache.get(value);
    if (cached) return cached;
    const info = this.describeUncached(value, depth);
    this.cache.set(value, info);
    return info;
  }

  private describeUncached(value: PDFObject, depth: number): ColorSpaceInfo {
    if (value instanceof PDFName) return DIRECT[asName(value) ?? ""] ?? UNKNOWN;
    if (!(value instanceof PDFArray)) return UNKNOWN;
    const items = arrayItems(this.ctx, value);
    const family = asName(items[0]);
    switch (family) {
      case undefined:
        return UNKNOWN;
      case "DeviceGray":
      case "DeviceRGB":
      case "DeviceCMYK":
        return DIRECT[family]!;
      case "CalGray":
        return { name: "CalGray", family, components: 1, process: "gray", colorants: [] };
      case "CalRGB":
        return { name: "CalRGB", family, components: 3, process: "rgb", colorants: [] };
      case "Lab":
        return { name: "Lab", family, components: 3, process: "lab", colorants: [] };
      case "ICCBased": {
        const stream = asDict(items[1]);
        const n = numberAt(this.ctx, stream, "N") ?? this.describe(get(this.ctx, stream, "Alternate"), depth + 1).components;
        const process: ProcessModel = n === 1 ? "gray" : n === 3 ? "rgb" : n === 4 ? "cmyk" : "unknown";
        return { name: `ICCBased(N=${n ?? "?"})`, family, components: n ?? null, process, colorants: [] };
      }
      case "Indexed":
      case "I":
        return indexed(this.describe(items[1], depth + 1));
      case "Separation": {
        const colorant = asName(items[1]) ?? "?";
        return { name: `Separation:${colorant}`, family, components: 1, process: "spot", colorants: [colorant] };
      }
      case "DeviceN": {
        const colorants = arrayItems(this.ctx, items[1] instanceof PDFArray ? items[1] : undefined).map((c) => asName(c) ?? "?");
        const spot = colorants.some((c) => !NON_SPOT_COLORANTS.has(c));
        return { name: `DeviceN:${colorants.join(",")}`, family, components: colorants.length, process: spot ? "spot" : "cmyk", colorants };
      }
      case "Pattern": {
        const base = items[1] === undefined ? undefined : this.describe(items[1], depth + 1);
        return base ? { ...PATTERN, base } : PATTERN;
      }
      default:
        return { ...UNKNOWN, name: family, family };
    }
  }
}

function indexed(base: ColorSpaceInfo): ColorSpaceInfo {
  return { name: `Indexed(${base.name})`, family: "Indexed", components: 1, process: base.process, colorants: base.colorants, base };
}

