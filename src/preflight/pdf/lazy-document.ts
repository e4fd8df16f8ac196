import { PDFArray, PDFContext, PDFDict, PDFName, PDFNumber, PDFObjectParser, PDFRawStream, PDFRef, type PDFObject } from "pdf-lib";
import { MAX_STREAM_BYTES } from "./budget";
import { decodeStream } from "./objects";

/**
 * A PDF's objects read on demand through its cross-reference data, as
 * viewers and poppler read them, instead of pdf-lib's full parse, which
 * reads every object in the file (every image's data copied out of the
 * file too) before the first can be looked up. A check of a catalogue reads
 * the page tree, the content streams and the resources they name; the
 * images' pixels, the fonts' programs, the metadata streams are never
 * touched.
 *
 * pdf-lib's full parse stays the reference: the objects here are parsed by
 * pdf-lib's own object parser, so a dictionary or stream read here is the
 * one the full parse makes; but the full parse ignores the cross-reference
 * data and takes the objects in file order. Where the two could disagree —
 * the cross-reference data is missing or damaged, an object is not where it
 * says, a reference names an object it does not list (free or unknown), the
 * file is encrypted, the trailer's Root is not a catalog, an object does
 * not parse — `unsure` is set, and the caller analyses the file again from
 * pdf-lib's full parse. Well-formed files never get there.
 */
export interface LazyDocument {
  context: PDFContext;
  /** Something was asked that only pdf-lib's full parse answers as the reference does. */
  readonly unsure: boolean;
}

type Entry = { kind: "offset"; offset: number; gen: number } | { kind: "compressed"; stream: number } | { kind: "free" };

/** Cross-reference sections followed through /Prev and /XRefStm; more is a loop or garbage. */
const MAX_SECTIONS = 1_000;
/** Where "startxref" must be: files carry a few bytes of trailing garbage at most. */
const TAIL_BYTES = 64 * 1024;
const STARTXREF = bytesOf("startxref");
const XREF = bytesOf("xref");
const TRAILER = bytesOf("trailer");
const OBJ = bytesOf("obj");
const STREAM = bytesOf("stream");
const ENDSTREAM = bytesOf("endstream");

/** Null when the file's cross-reference data cannot be used: pdf-lib's full parse is then the only way in. */
export function openLazily(bytes: Uint8Array): LazyDocument | null {
  try {
    return new Reader(bytes).open();
  } catch {
    // Unreadable cross-reference data: the full parse copes (it ignores that data) or says what is wrong.
    return null;
  }
}

class Unsure extends Error {}

class Reader implements LazyDocument {
  readonly context = PDFContext.create();
  unsure = false;
  private readonly parser: PDFObjectParser;
  /** pdf-lib's ByteStream behind `parser`. */
  private readonly stream: ByteStreamLike;
  private readonly entries = new Map<number, Entry>();
  private readonly objectStreams = new Map<number, { parser: PDFObjectParser; stream: ByteStreamLike; offsets: Map<number, number> }>();

  constructor(private readonly bytes: Uint8Array) {
    this.parser = PDFObjectParser.forBytes(bytes, this.context);
    this.stream = internals(this.parser).bytes;
    // Stream contents as views on the file rather than copies: nothing writes to them, and most are never read.
    this.stream.slice = (start, end) => bytes.subarray(start, end);
    // A stream whose /Length is a reference (content streams, mostly) is delimited by pdf-lib looking
    // for "endstream" byte by byte; where no other "stream" comes first, the same end is found by search.
    const p = internals(this.parser);
    const scan = p.findEndOfStreamFallback.bind(p);
    p.findEndOfStreamFallback = (startPos) => {
      const start = this.stream.offset();
      const end = endOfStream(bytes, start);
      if (end === undefined) return scan(startPos);
      this.stream.moveTo(indexOf(bytes, ENDSTREAM, end) + ENDSTREAM.length);
      return end;
    };
    const reader = this;
    const loaded = new Map<PDFRef, PDFObject>();
    // Every lookup, pdf-lib's own included (a stream's /Filter when it is decoded), goes through this map.
    const lazy = {
      get(ref: PDFRef): PDFObject | undefined {
        let object = loaded.get(ref);
        if (object === undefined && !loaded.has(ref)) {
          object = reader.load(ref);
          loaded.set(ref, object!);
        }
        return object;
      },
      has: (ref: PDFRef) => lazy.get(ref) !== undefined,
      set: (ref: PDFRef, object: PDFObject) => loaded.set(ref, object),
      delete: (ref: PDFRef) => loaded.delete(ref),
      entries: () => loaded.entries(),
    };
    (this.context as unknown as { indirectObjects: unknown }).indirectObjects = lazy;
  }

  open(): LazyDocument | null {
    // pdf-lib looks for the header anywhere; where it is not at the start, the full parse decides.
    if (!/%PDF-\d\.\d/.test(latin1Head(this.bytes, 1024))) return null;
    const trailers = this.readCrossReferences(this.startxref());
    if (trailers.length === 0) return null;
    // The full parse merges the trailers it meets in file order; where they could disagree on the
    // catalog, it is the reference. (A cross-reference stream without /Root, as a linearized file's
    // main one, leaves pdf-lib to search the file for the catalog; there is one in a well-formed file.)
    let root: PDFObject | undefined;
    for (const trailer of trailers) {
      if (trailer.get(PDFName.of("Encrypt")) !== undefined) return null;
      const value = trailer.get(PDFName.of("Root"));
      if (value === undefined) continue;
      if (root !== undefined && value !== root) return null;
      root = value;
    }
    if (!(root instanceof PDFRef)) return null;
    this.context.trailerInfo = { Root: root, Encrypt: undefined, Info: trailers[0]!.get(PDFName.of("Info")), ID: trailers[0]!.get(PDFName.of("ID")) };
    const catalog = this.context.lookup(root);
    // pdf-lib searches the whole file for a catalog when the trailer names none.
    if (this.unsure || !(catalog instanceof PDFDict) || catalog.lookup(PDFName.of("Type")) !== PDFName.of("Catalog")) return null;
    return this;
  }

  /** The object `ref` names, as pdf-lib's full parse has it; undefined (and unsure) where that cannot be known here. */
  load(ref: PDFRef): PDFObject | undefined {
    try {
      const entry = this.entries.get(ref.objectNumber);
      if (entry?.kind === "offset" && entry.gen === ref.generationNumber) {
        const object = this.parseAt(entry.offset, ref);
        // The full parse unpacks these into their objects and keeps no object for them.
        if (object instanceof PDFRawStream && isType(object.dict, "ObjStm", "XRef")) throw new Unsure();
        return object;
      }
      // Objects in object streams always have generation 0 (§7.5.8.3).
      if (entry?.kind === "compressed" && ref.generationNumber === 0) return this.parseCompressed(entry.stream, ref.objectNumber);
      // Free or unknown: the full parse may still find the object in the file's body.
      throw new Unsure();
    } catch {
      this.unsure = true;
      return undefined;
    }
  }

  /** An indirect object whose header (`N G obj`) must be at `offset` and name `ref`. */
  private parseAt(offset: number, ref: PDFRef): PDFObject {
    const p = internals(this.parser);
    this.stream.moveTo(offset);
    p.skipWhitespaceAndComments();
    const number = p.parseRawInt();
    p.skipWhitespaceAndComments();
    const gen = p.parseRawInt();
    p.skipWhitespaceAndComments();
    if (number !== ref.objectNumber || gen !== ref.generationNumber || !p.matchKeyword(OBJ)) throw new Unsure();
    p.skipWhitespaceAndComments();
    return this.parser.parseObject();
  }

  private parseCompressed(streamNumber: number, objectNumber: number): PDFObject {
    let container = this.objectStreams.get(streamNumber);
    if (!container) {
      const entry = this.entries.get(streamNumber);
      if (entry?.kind !== "offset") throw new Unsure();
      const stream = this.parseAt(entry.offset, PDFRef.of(streamNumber, entry.gen));
      if (!(stream instanceof PDFRawStream) || !isType(stream.dict, "ObjStm")) throw new Unsure();
      const first = stream.dict.lookup(PDFName.of("First"));
      const count = stream.dict.lookup(PDFName.of("N"));
      if (!(first instanceof PDFNumber) || !(count instanceof PDFNumber)) throw new Unsure();
      const parser = PDFObjectParser.forBytes(decodeWithin(stream), this.context);
      const p = internals(parser);
      // As pdf-lib's object stream parser reads it: the object numbers in its table, a later duplicate winning.
      const offsets = new Map<number, number>();
      for (let i = 0; i < count.asNumber(); i++) {
        p.skipWhitespaceAndComments();
        const number = p.parseRawInt();
        p.skipWhitespaceAndComments();
        offsets.set(number, first.asNumber() + p.parseRawInt());
      }
      container = { parser, stream: p.bytes, offsets };
      this.objectStreams.set(streamNumber, container);
    }
    const offset = container.offsets.get(objectNumber);
    if (offset === undefined) throw new Unsure();
    container.stream.moveTo(offset);
    return container.parser.parseObject();
  }

  private startxref(): number {
    const from = Math.max(0, this.bytes.length - TAIL_BYTES);
    const at = lastIndexOf(this.bytes, STARTXREF, from);
    if (at < 0) throw new Unsure();
    const p = internals(this.parser);
    this.stream.moveTo(at + STARTXREF.length);
    p.skipWhitespaceAndComments();
    return p.parseRawInt();
  }

  /**
   * Reads the sections from the newest (`offset`) back through /Prev; an
   * object's entry is the newest section's, and in a hybrid file a table's
   * entries come before its /XRefStm's. Returns the trailers, newest first.
   */
  private readCrossReferences(offset: number): PDFDict[] {
    const trailers: PDFDict[] = [];
    const seen = new Set<number>();
    const pending = [offset];
    while (pending.length > 0) {
      const at = pending.shift()!;
      if (seen.has(at) || seen.size >= MAX_SECTIONS) throw new Unsure();
      seen.add(at);
      const table = this.startsWith(at, XREF);
      const trailer = table ? this.readTable(at) : this.readStream(at);
      trailers.push(trailer);
      const hybrid = table ? trailer.get(PDFName.of("XRefStm")) : undefined;
      const prev = trailer.get(PDFName.of("Prev"));
      if (hybrid instanceof PDFNumber) pending.unshift(hybrid.asNumber());
      else if (hybrid !== undefined) throw new Unsure();
      if (prev instanceof PDFNumber) pending.push(prev.asNumber());
      else if (prev !== undefined) throw new Unsure();
    }
    return trailers;
  }

  private readTable(at: number): PDFDict {
    const p = internals(this.parser);
    const bytes = this.bytes;
    this.stream.moveTo(at);
    p.skipWhitespaceAndComments();
    if (!p.matchKeyword(XREF)) throw new Unsure();
    p.skipWhitespaceAndComments();
    while (isDigit(bytes[this.stream.offset()])) {
      const first = p.parseRawInt();
      p.skipWhitespaceAndComments();
      const count = p.parseRawInt();
      p.skipWhitespaceAndComments();
      for (let i = 0; i < count; i++) {
        const offset = p.parseRawInt();
        p.skipWhitespaceAndComments();
        const gen = p.parseRawInt();
        p.skipWhitespaceAndComments();
        const kind = bytes[this.stream.offset()];
        if (kind !== 0x6e && kind !== 0x66) throw new Unsure(); // n, f
        this.stream.moveTo(this.stream.offset() + 1);
        p.skipWhitespaceAndComments();
        this.setEntry(first + i, kind === 0x6e ? { kind: "offset", offset, gen } : { kind: "free" });
      }
    }
    if (!p.matchKeyword(TRAILER)) throw new Unsure();
    p.skipWhitespaceAndComments();
    const trailer = this.parser.parseObject();
    if (!(trailer instanceof PDFDict)) throw new Unsure();
    return trailer;
  }

  /** A cross-reference stream (§7.5.8): its dictionary is also the section's trailer. */
  private readStream(at: number): PDFDict {
    const p = internals(this.parser);
    this.stream.moveTo(at);
    p.skipWhitespaceAndComments();
    p.parseRawInt();
    p.skipWhitespaceAndComments();
    p.parseRawInt();
    p.skipWhitespaceAndComments();
    if (!p.matchKeyword(OBJ)) throw new Unsure();
    p.skipWhitespaceAndComments();
    const stream = this.parser.parseObject();
    if (!(stream instanceof PDFRawStream) || !isType(stream.dict, "XRef")) throw new Unsure();
    // Its own entries must be direct: nothing can be looked up before they are known.
    const widths = stream.dict.get(PDFName.of("W"));
    const size = stream.dict.get(PDFName.of("Size"));
    const index = stream.dict.get(PDFName.of("Index"));
    if (!(widths instanceof PDFArray) || widths.size() < 3 || !(size instanceof PDFNumber)) throw new Unsure();
    const w = [0, 1, 2].map((i) => {
      const value = widths.get(i);
      if (!(value instanceof PDFNumber) || value.asNumber() < 0 || value.asNumber() > 8) throw new Unsure();
      return value.asNumber();
    }) as [number, number, number];
    const ranges: [number, number][] = [];
    if (index instanceof PDFArray) {
      for (let i = 0; i + 1 < index.size(); i += 2) {
        const start = index.get(i);
        const count = index.get(i + 1);
        if (!(start instanceof PDFNumber) || !(count instanceof PDFNumber)) throw new Unsure();
        ranges.push([start.asNumber(), count.asNumber()]);
      }
    } else if (index === undefined) {
      ranges.push([0, size.asNumber()]);
    } else {
      throw new Unsure();
    }
    const data = unpredict(decodeWithin(stream), stream.dict.get(PDFName.of("DecodeParms")));
    const entryBytes = w[0] + w[1] + w[2];
    // Entries of no bytes would let a hostile /Index count forever.
    if (entryBytes === 0) throw new Unsure();
    let pos = 0;
    const field = (width: number, fallback: number) => {
      if (width === 0) return fallback;
      let value = 0;
      for (let i = 0; i < width; i++) value = value * 256 + data[pos++]!;
      return value;
    };
    for (const [start, count] of ranges) {
      for (let i = 0; i < count; i++) {
        if (pos + entryBytes > data.length) throw new Unsure();
        const type = field(w[0], 1);
        const second = field(w[1], 0);
        const third = field(w[2], 0);
        // Type 0 is free; other types are to be read as null references (§7.5.8.3), which only the full parse settles.
        this.setEntry(start + i, type === 1 ? { kind: "offset", offset: second, gen: third } : type === 2 ? { kind: "compressed", stream: second } : { kind: "free" });
      }
    }
    return stream.dict;
  }

  private setEntry(objectNumber: number, entry: Entry): void {
    // The newest section was read first: older entries for the same object do not count.
    if (!this.entries.has(objectNumber)) this.entries.set(objectNumber, entry);
  }

  private startsWith(at: number, word: Uint8Array): boolean {
    let i = at;
    while (i < this.bytes.length && isWhitespace(this.bytes[i]!)) i++;
    for (let k = 0; k < word.length; k++) if (this.bytes[i + k] !== word[k]) return false;
    return true;
  }
}

/** A cross-reference or object stream decoded within the content bound; a larger one is left to the full parse. */
function decodeWithin(stream: PDFRawStream): Uint8Array {
  const { bytes, truncated } = decodeStream(stream, MAX_STREAM_BYTES);
  if (truncated) throw new Unsure();
  return bytes;
}

/**
 * Undoes the PNG predictors cross-reference streams are written with
 * (§7.4.4.4); pdf-lib's decoder leaves them, as its full parse never reads
 * the entries.
 */
function unpredict(data: Uint8Array, parms: PDFObject | undefined): Uint8Array {
  if (parms === undefined) return data;
  if (!(parms instanceof PDFDict)) throw new Unsure();
  const number = (key: string, fallback: number) => {
    const value = parms.get(PDFName.of(key));
    if (value === undefined) return fallback;
    if (!(value instanceof PDFNumber)) throw new Unsure();
    return value.asNumber();
  };
  const predictor = number("Predictor", 1);
  if (predictor === 1) return data;
  if (predictor < 10) throw new Unsure();
  const bitsPerPixel = number("Colors", 1) * number("BitsPerComponent", 8);
  const bpp = Math.max(1, Math.ceil(bitsPerPixel / 8));
  const rowBytes = Math.ceil((number("Columns", 1) * bitsPerPixel) / 8);
  if (!(rowBytes > 0) || !Number.isInteger(rowBytes)) throw new Unsure();
  const rows = Math.floor(data.length / (rowBytes + 1));
  const out = new Uint8Array(rows * rowBytes);
  for (let r = 0; r < rows; r++) {
    const filter = data[r * (rowBytes + 1)]!;
    const src = r * (rowBytes + 1) + 1;
    const row = r * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const raw = data[src + i]!;
      const left = i >= bpp ? out[row + i - bpp]! : 0;
      const up = r > 0 ? out[row - rowBytes + i]! : 0;
      const upLeft = r > 0 && i >= bpp ? out[row - rowBytes + i - bpp]! : 0;
      let value: number;
      switch (filter) {
        case 0:
          value = raw;
          break;
        case 1:
          value = raw + left;
          break;
        case 2:
          value = raw + up;
          break;
        case 3:
          value = raw + ((left + up) >> 1);
          break;
        case 4: {
          const p = left + up - upLeft;
          const pa = Math.abs(p - left);
          const pb = Math.abs(p - up);
          const pc = Math.abs(p - upLeft);
          value = raw + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
          break;
        }
        default:
          throw new Unsure();
      }
      out[row + i] = value & 0xff;
    }
  }
  return out;
}

/** What this reader uses of pdf-lib's parser and byte stream, which they do not make public. */
interface ByteStreamLike {
  moveTo(offset: number): void;
  offset(): number;
  slice(start: number, end: number): Uint8Array;
}
interface ParserInternals {
  bytes: ByteStreamLike;
  findEndOfStreamFallback(startPos: unknown): number;
  skipWhitespaceAndComments(): void;
  parseRawInt(): number;
  matchKeyword(keyword: Uint8Array | number[]): boolean;
}

function internals(parser: PDFObjectParser): ParserInternals {
  return parser as unknown as ParserInternals;
}

/**
 * Where pdf-lib's byte-by-byte search (PDFObjectParser.findEndOfStreamFallback)
 * ends the stream whose data starts at `start`, when the first "stream"
 * after it is the one in "endstream": the data ends before that keyword and
 * the end-of-line in front of it, as pdf-lib tries "\r\nendstream",
 * "\rendstream" and "\nendstream" at each byte before "endstream" itself.
 * Undefined where another "stream" comes first (pdf-lib then counts nesting)
 * or none does.
 */
function endOfStream(bytes: Uint8Array, start: number): number | undefined {
  const s = indexOf(bytes, STREAM, start);
  const e = s - 3;
  if (s < 0 || e < start || bytes[e] !== 0x65 || bytes[e + 1] !== 0x6e || bytes[e + 2] !== 0x64) return undefined; // "end"
  if (e - 2 >= start && bytes[e - 2] === 0x0d && bytes[e - 1] === 0x0a) return e - 2;
  if (e - 1 >= start && (bytes[e - 1] === 0x0d || bytes[e - 1] === 0x0a)) return e - 1;
  return e;
}

/** The first `word` at or after `from`, or -1. */
function indexOf(bytes: Uint8Array, word: Uint8Array, from: number): number {
  const first = word[0]!;
  for (let i = bytes.indexOf(first, from); i >= 0 && i + word.length <= bytes.length; i = bytes.indexOf(first, i + 1)) {
    let k = 1;
    while (k < word.length && bytes[i + k] === word[k]) k++;
    if (k === word.length) return i;
  }
  return -1;
}

function isType(dict: PDFDict, ...types: string[]): boolean {
  const type = dict.get(PDFName.of("Type"));
  return types.some((t) => type === PDFName.of(t));
}

function bytesOf(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function latin1Head(bytes: Uint8Array, length: number): string {
  return String.fromCharCode(...bytes.subarray(0, length));
}

function lastIndexOf(bytes: Uint8Array, word: Uint8Array, from: number): number {
  for (let i = bytes.length - word.length; i >= from; i--) {
    let k = 0;
    while (k < word.length && bytes[i + k] === word[k]) k++;
    if (k === word.length) return i;
  }
  return -1;
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0x0c || byte === 0x00;
}
