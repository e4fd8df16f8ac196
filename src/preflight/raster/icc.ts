import { ascii, u16be, u32be } from "./bytes";

/** What a report says about an embedded ICC profile. */
export interface IccFacts {
  present: boolean;
  /** The profile's 'desc' tag (e.g. "sRGB IEC61966-2.1"), when it could be read. */
  description: string | null;
  /** The profile's data colour space: "rgb", "cmyk", "gray" or the raw signature ("lab", ...). */
  colorSpace: string | null;
  /** Profile size in bytes as its header declares it. */
  bytes: number | null;
}

export const ABSENT_ICC: IccFacts = { present: false, description: null, colorSpace: null, bytes: null };

const COLOR_SPACES: Record<string, string> = { "RGB ": "rgb", CMYK: "cmyk", GRAY: "gray" };

function readDescription(p: Uint8Array): string | null {
  if (p.length < 132) return null;
  const tags = u32be(p, 128);
  for (let t = 0; t < tags && 132 + t * 12 + 12 <= p.length; t++) {
    const at = 132 + t * 12;
    if (ascii(p, at, 4) !== "desc") continue;
    const offset = u32be(p, at + 4);
    const size = u32be(p, at + 8);
    if (offset + Math.min(size, 16) > p.length || size < 12) return null;
    const type = ascii(p, offset, 4);
    if (type === "desc") {
      // ICC v2 textDescriptionType: a counted ASCII string.
      const count = u32be(p, offset + 8);
      const end = Math.min(offset + 12 + count, p.length);
      return clean(ascii(p, offset + 12, end - offset - 12));
    }
    if (type === "mluc" && size >= 28) {
      // ICC v4 multiLocalizedUnicodeType: take the first record (UTF-16BE).
      const length = u32be(p, offset + 20);
      const start = offset + u32be(p, offset + 24);
      const end = Math.min(start + length, p.length);
      let text = "";
      for (let i = start; i + 1 < end; i += 2) text += String.fromCharCode(u16be(p, i));
      return clean(text);
    }
    return null;
  }
  return null;
}

const clean = (text: string): string | null => text.replace(/\0+$/, "").trim() || null;

/**
 * Header and description of an ICC profile. `profile` may be cut short (a
 * bounded inflate); whatever lies beyond is simply not described.
 */
export function describeIcc(profile: Uint8Array): IccFacts {
  // A blob that is not a profile is still "present": the file embeds something the printer's RIP must deal with.
  if (profile.length < 128 || ascii(profile, 36, 4) !== "acsp") return { present: true, description: null, colorSpace: null, bytes: profile.length };
  const space = ascii(profile, 16, 4);
  return {
    present: true,
    description: readDescription(profile),
    colorSpace: COLOR_SPACES[space] ?? space.trim().toLowerCase(),
    bytes: u32be(profile, 0),
  };
}
