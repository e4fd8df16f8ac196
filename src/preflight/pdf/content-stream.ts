/**
 * A tokenizer for page content streams (PDF 32000-1 §7.2, §7.8.2). It only
 * needs to be right about token boundaries and about the operands the
 * interpreter reads (numbers and names); string contents are never looked at.
 * Malformed input never throws: it produces odd tokens the interpreter ignores.
 */

export class PdfName {
  constructor(readonly value: string) {}
}

/** A string operand; its bytes are not kept because no check reads text. */
export const PDF_STRING = Object.freeze({ kind: "string" as const });

export type Operand = number | boolean | null | PdfName | typeof PDF_STRING | Operand[] | Map<string, Operand>;

/** Arrays and dictionaries nested deeper than this are skipped, so `[[[[…` cannot exhaust the stack. */
const MAX_NESTING = 32;
/** A run of operands without an operator is garbage; past this many the stack is dropped. */
const MAX_OPERANDS = 4096;

const WHITESPACE = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) WHITESPACE[c] = 1;
const DELIMITER = new Uint8Array(256);
for (const c of "()<>[]{}/%") DELIMITER[c.charCodeAt(0)] = 1;

export interface InlineImage {
  dict: Map<string, Operand>;
  /** False when no end (`EI`) was found: the rest of the stream was image data. */
  complete: boolean;
}

export class ContentLexer {
  private pos = 0;
  readonly operands: Operand[] = [];

  constructor(private readonly bytes: Uint8Array) {}

  /** Reads operands into `operands` up to the next operator and returns it; null at the end. */
  nextOperator(): string | null {
    this.operands.length = 0;
    for (;;) {
      const token = this.readToken(0);
      if (token === END) return null;
      if (typeof token === "string") return token;
      if (token === CLOSE) continue;
      if (this.operands.length >= MAX_OPERANDS) this.operands.length = 0;
      this.operands.push(token);
    }
  }

  /**
   * Called right after a `BI` operator: reads the image dictionary up to `ID`
   * and skips the data through `EI`.
   */
  readInlineImage(): InlineImage {
    const dict = new Map<string, Operand>();
    let key: string | null = null;
    for (;;) {
      const token = this.readToken(0);
      if (token === END) return { dict, complete: false };
      if (typeof token === "string") {
        if (token === "ID") break;
        continue;
      }
      if (token === CLOSE) continue;
      if (key === null) {
        if (token instanceof PdfName) key = token.value;
      } else {
        dict.set(key, token);
        key = null;
      }
    }
    // One white-space byte separates ID from the data (§8.9.7).
    if (WHITESPACE[this.bytes[this.pos] ?? 0]) this.pos++;
    const complete = this.skipInlineData(dict);
    return { dict, complete };
  }

  private skipInlineData(dict: Map<string, Operand>): boolean {
    const bytes = this.bytes;
    const declared = dict.get("L") ?? dict.get("Length");
    const length = typeof declared === "number" ? declared : unfilteredLength(dict);
    if (length !== null && length >= 0) {
      let end = this.pos + Math.floor(length);
      while (end < bytes.length && WHITESPACE[bytes[end]!]) end++;
      if (bytes[end] === 0x45 && bytes[end + 1] === 0x49 && isTokenEnd(bytes, end + 2)) {
        this.pos = end + 2;
        return true;
      }
    }
    // Filtered data has no stated length: the end is the first "EI" that
    // stands alone as a token and is followed by text that looks like
    // operators rather than binary data (what pdf.js and poppler do too).
    for (let i = this.pos; i + 1 < bytes.length; i++) {
      if (bytes[i] !== 0x45 || bytes[i + 1] !== 0x49) continue;
      if (i > this.pos && !WHITESPACE[bytes[i - 1]!]) continue;
      if (!isTokenEnd(bytes, i + 2) || !looksLikeText(bytes, i + 2)) continue;
      this.pos = i + 2;
      return true;
    }
    this.pos = bytes.length;
    return false;
  }

  private skipWhitespaceAndComments(): void {
    const bytes = this.bytes;
    while (this.pos < bytes.length) {
      const c = bytes[this.pos]!;
      if (WHITESPACE[c]) {
        this.pos++;
      } else if (c === 0x25) {
        while (this.pos < bytes.length && bytes[this.pos] !== 0x0a && bytes[this.pos] !== 0x0d) this.pos++;
      } else {
        return;
      }
    }
  }

  /** An operand, an operator (the only tokens returned as strings), END or CLOSE. */
  private readToken(depth: number): Operand | string | typeof END | typeof CLOSE {
    this.skipWhitespaceAndComments();
    const bytes = this.bytes;
    if (this.pos >= bytes.length) return END;
    const c = bytes[this.pos]!;
    switch (c) {
      case 0x2f: // /
        return this.readName();
      case 0x28: // (
        this.skipLiteralString();
        return PDF_STRING;
      case 0x3c: // <
        if (bytes[this.pos + 1] === 0x3c) {
          this.pos += 2;
          return this.readDict(depth);
        }
        this.skipHexString();
        return PDF_STRING;
      case 0x5b: // [
        this.pos++;
        return this.readArray(depth);
      case 0x5d: // ]
        this.pos++;
        return CLOSE;
      case 0x3e: // > (only valid as the end of a dictionary)
        this.pos += bytes[this.pos + 1] === 0x3e ? 2 : 1;
        return CLOSE;
      case 0x7b: // { }
      case 0x7d:
      case 0x29: // a stray )
        this.pos++;
        return String.fromCharCode(c);
    }
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) return this.readNumber();
    const start = this.pos;
    while (this.pos < bytes.length && !WHITESPACE[bytes[this.pos]!] && !DELIMITER[bytes[this.pos]!]) this.pos++;
    const word = this.pos - start <= 3 ? shortWord(bytes, start, this.pos) : latin1(bytes.subarray(start, this.pos));
    if (word === "true") return true;
    if (word === "false") return false;
    if (word === "null") return null;
    return word;
  }

  /**
   * Parsed straight from the bytes: content streams are mostly numbers, and
   * building a string for each one made a whole analysis several times slower.
   * Malformed numbers ("1.2.3", "--4") take the value of their valid prefix, or 0.
   */
  private readNumber(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    let sign = 1;
    while (bytes[pos] === 0x2b || bytes[pos] === 0x2d) {
      if (bytes[pos] === 0x2d) sign = -sign;
      pos++;
    }
    let value = 0;
    while (pos < bytes.length && bytes[pos]! >= 0x30 && bytes[pos]! <= 0x39) value = value * 10 + (bytes[pos++]! - 0x30);
    if (bytes[pos] === 0x2e) {
      pos++;
      // One division at the end rounds like parseFloat does; summing digit × 0.1ⁿ would not.
      let fraction = 0;
      let scale = 1;
      while (pos < bytes.length && bytes[pos]! >= 0x30 && bytes[pos]! <= 0x39) {
        if (scale < 1e15) {
          fraction = fraction * 10 + (bytes[pos]! - 0x30);
          scale *= 10;
        }
        pos++;
      }
      value += fraction / scale;
    }
    while (pos < bytes.length && !WHITESPACE[bytes[pos]!] && !DELIMITER[bytes[pos]!]) pos++;
    this.pos = pos;
    const result = sign * value;
    return Number.isFinite(result) ? result : 0;
  }

  private readName(): PdfName {
    const bytes = this.bytes;
    const start = ++this.pos;
    while (this.pos < bytes.length && !WHITESPACE[bytes[this.pos]!] && !DELIMITER[bytes[this.pos]!]) this.pos++;
    const raw = latin1(bytes.subarray(start, this.pos));
    return new PdfName(raw.includes("#") ? raw.replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))) : raw);
  }

  private skipLiteralString(): void {
    const bytes = this.bytes;
    let nesting = 0;
    while (this.pos < bytes.length) {
      const c = bytes[this.pos++]!;
      if (c === 0x5c) this.pos++; // backslash escapes the next byte
      else if (c === 0x28) nesting++;
      else if (c === 0x29 && --nesting === 0) return;
    }
  }

  private skipHexString(): void {
    const end = this.bytes.indexOf(0x3e, this.pos);
    this.pos = end < 0 ? this.bytes.length : end + 1;
  }

  private readArray(depth: number): Operand[] {
    const items: Operand[] = [];
    if (depth >= MAX_NESTING) {
      this.skipNested(0x5b, 0x5d);
      return items;
    }
    for (;;) {
      const token = this.readToken(depth + 1);
      if (token === END || token === CLOSE) return items;
      // Operators cannot occur inside an array; treat one as the array's end.
      if (typeof token === "string") return items;
      items.push(token);
    }
  }

  private readDict(depth: number): Map<string, Operand> {
    const dict = new Map<string, Operand>();
    if (depth >= MAX_NESTING) {
      this.skipNested(0x3c, 0x3e);
      return dict;
    }
    let key: string | null = null;
    for (;;) {
      const token = this.readToken(depth + 1);
      if (token === END || token === CLOSE || typeof token === "string") return dict;
      if (key === null) {
        if (token instanceof PdfName) key = token.value;
      } else {
        dict.set(key, token);
        key = null;
      }
    }
  }

  /** Skips to the close of an over-deep structure by counting brackets, without recursion. */
  private skipNested(open: number, close: number): void {
    const bytes = this.bytes;
    let nesting = 1;
    while (this.pos < bytes.length && nesting > 0) {
      const c = bytes[this.pos]!;
      if (c === 0x28) {
        this.skipLiteralString();
        continue;
      }
      if (c === open) nesting++;
      else if (c === close) nesting--;
      this.pos++;
    }
  }
}

const END = Symbol("end");
const CLOSE = Symbol("close");

function isTokenEnd(bytes: Uint8Array, at: number): boolean {
  return at >= bytes.length || WHITESPACE[bytes[at]!] === 1 || DELIMITER[bytes[at]!] === 1;
}

function looksLikeText(bytes: Uint8Array, from: number): boolean {
  const end = Math.min(bytes.length, from + 16);
  for (let i = from; i < end; i++) {
    const c = bytes[i]!;
    if (!WHITESPACE[c] && (c < 0x20 || c > 0x7e)) return false;
  }
  return true;
}

const INLINE_COMPONENTS: Record<string, number> = { G: 1, DeviceGray: 1, RGB: 3, DeviceRGB: 3, CMYK: 4, DeviceCMYK: 4, I: 1, Indexed: 1 };

/** Byte length of unfiltered inline image data, or null when it cannot be known. */
function unfilteredLength(dict: Map<string, Operand>): number | null {
  if (dict.has("F") || dict.has("Filter")) return null;
  const width = dict.get("W") ?? dict.get("Width");
  const height = dict.get("H") ?? dict.get("Height");
  if (typeof width !== "number" || typeof height !== "number") return null;
  const mask = (dict.get("IM") ?? dict.get("ImageMask")) === true;
  const bpcValue = dict.get("BPC") ?? dict.get("BitsPerComponent");
  const bpc = mask ? 1 : typeof bpcValue === "number" ? bpcValue : null;
  const cs = dict.get("CS") ?? dict.get("ColorSpace");
  const components = mask ? 1 : cs instanceof PdfName ? INLINE_COMPONENTS[cs.value] : Array.isArray(cs) ? 1 : undefined;
  if (bpc === null || components === undefined) return null;
  return Math.ceil((width * components * bpc) / 8) * height;
}

/**
 * Operators are one to three bytes: their strings are made once, not per
 * occurrence. Module scope, as an isolate-wide cache of immutable strings;
 * bounded so garbage words in hostile streams cannot grow it.
 */
const SHORT_WORDS = new Map<number, string>();
const MAX_SHORT_WORDS = 1024;

function shortWord(bytes: Uint8Array, start: number, end: number): string {
  let key = end - start;
  for (let i = start; i < end; i++) key = key * 256 + bytes[i]!;
  let word = SHORT_WORDS.get(key);
  if (word === undefined) {
    word = latin1(bytes.subarray(start, end));
    if (SHORT_WORDS.size < MAX_SHORT_WORDS) SHORT_WORDS.set(key, word);
  }
  return word;
}

/** Bytes as Latin-1 text; not every runtime's TextDecoder knows that label. */
export function latin1(bytes: Uint8Array): string {
  let text = "";
  if (bytes.length <= 64) {
    for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
    return text;
  }
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return text;
}
