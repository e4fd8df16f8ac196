import { decodePDFRawStream, PDFArray, PDFBool, PDFDict, PDFName, PDFNumber, PDFRawStream, PDFRef, PDFStream, type PDFContext, type PDFObject } from "pdf-lib";
import { latin1 } from "./content-stream";

/**
 * Small, total accessors over pdf-lib's object model: every one answers
 * undefined for a missing or mistyped entry instead of throwing, because a
 * hostile file may put anything anywhere.
 */

const names = new Map<string, PDFName>();
export function pdfName(key: string): PDFName {
  let name = names.get(key);
  if (!name) {
    name = PDFName.of(key);
    names.set(key, name);
  }
  return name;
}

/** Follows references; a chain longer than a few links is treated as broken. */
export function resolve(ctx: PDFContext, obj: PDFObject | undefined): PDFObject | undefined {
  let current = obj;
  for (let hops = 0; current instanceof PDFRef; hops++) {
    if (hops >= 8) return undefined;
    current = ctx.lookup(current);
  }
  return current;
}

export function get(ctx: PDFContext, dict: PDFDict | undefined, key: string): PDFObject | undefined {
  return dict ? resolve(ctx, dict.get(pdfName(key))) : undefined;
}

/** The dictionary of a dictionary or of a stream. */
export function asDict(obj: PDFObject | undefined): PDFDict | undefined {
  if (obj instanceof PDFDict) return obj;
  if (obj instanceof PDFStream) return obj.dict;
  return undefined;
}

export function dictAt(ctx: PDFContext, dict: PDFDict | undefined, key: string): PDFDict | undefined {
  return asDict(get(ctx, dict, key));
}

export function numberAt(ctx: PDFContext, dict: PDFDict | undefined, key: string): number | undefined {
  return asNumber(get(ctx, dict, key));
}

export function nameAt(ctx: PDFContext, dict: PDFDict | undefined, key: string): string | undefined {
  return asName(get(ctx, dict, key));
}

export function boolAt(ctx: PDFContext, dict: PDFDict | undefined, key: string): boolean | undefined {
  const value = get(ctx, dict, key);
  return value instanceof PDFBool ? value.asBoolean() : undefined;
}

export function arrayAt(ctx: PDFContext, dict: PDFDict | undefined, key: string): PDFArray | undefined {
  const value = get(ctx, dict, key);
  return value instanceof PDFArray ? value : undefined;
}

export function asNumber(obj: PDFObject | undefined): number | undefined {
  if (!(obj instanceof PDFNumber)) return undefined;
  const value = obj.asNumber();
  return Number.isFinite(value) ? value : undefined;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Names' texts, once per name: pdf-lib makes one PDFName per distinct name
 * (and keeps it), while the analysis asks for /Type, /Subtype and the like
 * on every page, and asBytes() re-encodes the name at each call.
 */
const nameTexts = new WeakMap<PDFName, string>();

/** A name's text: PDF 2.0 recommends UTF-8 for names; older producers wrote Latin-1. */
export function asName(obj: PDFObject | undefined): string | undefined {
  if (!(obj instanceof PDFName)) return undefined;
  let text = nameTexts.get(obj);
  if (text === undefined) {
    const bytes = obj.asBytes();
    text = isUtf8(bytes) ? UTF8.decode(bytes) : latin1(bytes);
    nameTexts.set(obj, text);
  }
  return text;
}

function isUtf8(bytes: Uint8Array): boolean {
  if (bytes.every((b) => b < 0x80)) return true;
  try {
    UTF8.decode(bytes);
    return true;
  } catch {
    // Not UTF-8: the caller decodes it as Latin-1.
    return false;
  }
}

export function arrayItems(ctx: PDFContext, array: PDFArray | undefined): (PDFObject | undefined)[] {
  if (!array) return [];
  const items: (PDFObject | undefined)[] = [];
  for (let i = 0; i < array.size(); i++) items.push(resolve(ctx, array.get(i)));
  return items;
}

export function numbersOf(ctx: PDFContext, array: PDFArray | undefined): number[] | undefined {
  const items = arrayItems(ctx, array).map(asNumber);
  return items.every((n): n is number => n !== undefined) ? items : undefined;
}

/** Values of a resource category (`/Font`, `/XObject`, …): each as written and resolved. */
export function valuesOf(ctx: PDFContext, dict: PDFDict | undefined): [PDFObject | undefined, PDFObject | undefined][] {
  if (!dict) return [];
  return dict.entries().map(([, value]) => [value, resolve(ctx, value)]);
}

/** A stable identity for an object: its reference when indirect, else the object itself. */
export function identityOf(raw: PDFObject | undefined, resolved: PDFObject | undefined): string | PDFObject | undefined {
  return raw instanceof PDFRef ? raw.toString() : resolved;
}

/**
 * pdf-lib's decoder sizes its buffer to what is asked of it: a 64 KiB
 * request made a page's 4 KB content stream cost a zeroed 64 KiB buffer.
 * Small requests cost nothing extra on large streams (the buffer doubles).
 */
const DECODE_CHUNK_BYTES = 8 * 1024;

/**
 * Decodes a stream's filters, reading at most `maxBytes`: pdf-lib decodes
 * lazily, so a Flate bomb stops costing memory at the cap. Throws on corrupt
 * data or an unsupported filter (the caller reports the page as damaged).
 */
export function decodeStream(stream: PDFObject | undefined, maxBytes: number): { bytes: Uint8Array; truncated: boolean } {
  if (!(stream instanceof PDFRawStream)) throw new Error("not a stream");
  const decoded = decodePDFRawStream(stream);
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total <= maxBytes) {
    const chunk = decoded.getBytes(DECODE_CHUNK_BYTES);
    if (chunk.length === 0) break;
    chunks.push(new Uint8Array(chunk));
    total += chunk.length;
  }
  const truncated = total > maxBytes;
  return { bytes: concat(chunks, Math.min(total, maxBytes)), truncated };
}

export function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= length) break;
    const part = chunk.subarray(0, length - offset);
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
