import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { concatBytes } from "../../src/platform/encoding";
import type { Requirements } from "../../src/preflight/issues";
import { analyzePdf } from "../../src/preflight/pdf/analyze";
import { openLazily } from "../../src/preflight/pdf/lazy-document";
import { fixtureBytes, PREFLIGHT_PDFS } from "../helpers/fixtures";

// The analysis reads a PDF's objects on demand through its cross-reference
// data; pdf-lib's full parse of the whole file is the reference it must
// agree with, object for object, or hand the file back to (`parse: "full"`
// forces that parse, as it was the only one before).

const FIXTURES = [...PREFLIGHT_PDFS, "pdf-encrypted-userpw.pdf", "pdf-truncated.pdf"];

/** Asks for everything, so that every check's facts are in the report. */
const STRICT: Requirements = { requiredDpi: 300, requiredColorMode: "cmyk", bleedMm: 3, canvas: { widthInches: 4, heightInches: 6 } };

async function bothWays(bytes: Uint8Array) {
  return { lazy: await analyzePdf(bytes, STRICT), full: await analyzePdf(bytes, STRICT, { parse: "full" }) };
}

const encode = (text: string) => new TextEncoder().encode(text);
const latin1 = (bytes: Uint8Array) => Array.from(bytes, (b) => String.fromCharCode(b)).join("");

/** The offset the file's last startxref names, and that section's trailer dictionary text. */
function lastSection(bytes: Uint8Array): { startxref: number; trailer: string } {
  const text = latin1(bytes);
  const startxref = Number(/startxref\s+(\d+)\s*%%EOF\s*$/.exec(text)![1]);
  return { startxref, trailer: /trailer\s*<<([\s\S]*?)>>\s*startxref/.exec(text.slice(startxref))![1]! };
}

/**
 * An incremental update (§7.5.6) appended to a file with a classic xref
 * table: object `number` redefined as `body`, `freed` marked free.
 */
function appendUpdate(bytes: Uint8Array, number: number, body: string, freed?: number): Uint8Array {
  const { startxref, trailer } = lastSection(bytes);
  const root = /\/Root\s+\d+\s+\d+\s+R/.exec(trailer)![0];
  const size = /\/Size\s+\d+/.exec(trailer)![0];
  const object = `${number} 0 obj\n${body}\nendobj\n`;
  const rows: [number, string][] = [[number, `${String(bytes.length).padStart(10, "0")} 00000 n \n`]];
  if (freed !== undefined) rows.push([freed, "0000000000 00001 f \n"]);
  const table = rows
    .sort((a, b) => a[0] - b[0])
    .map(([n, row]) => `${n} 1\n${row}`)
    .join("");
  const xref = bytes.length + object.length;
  return concatBytes([bytes, encode(`${object}xref\n${table}trailer\n<< ${size} ${root} /Prev ${startxref} >>\nstartxref\n${xref}\n%%EOF\n`)]);
}

/** The text of indirect object `number` (dictionary objects only). */
function objectText(bytes: Uint8Array, number: number): string {
  return new RegExp(`(?:^|\\s)${number} 0 obj\\s*(<<[\\s\\S]*?>>)\\s*endobj`).exec(latin1(bytes))![1]!;
}

describe("reading a PDF on demand agrees with pdf-lib's full parse", () => {
  it.each(FIXTURES)("%s: the same report both ways", async (name) => {
    const { lazy, full } = await bothWays(await fixtureBytes(`preflight/${name}`));
    expect(lazy).toEqual(full);
  });

  it("reads the unencrypted fixtures on demand, and leaves the encrypted and truncated ones to the full parse", async () => {
    for (const name of FIXTURES) {
      const opened = openLazily(await fixtureBytes(`preflight/${name}`));
      expect([name, opened !== null]).toEqual([name, !/encrypted|truncated/.test(name)]);
    }
  });

  it.each([true, false])("a file re-saved by pdf-lib (object streams: %s) gives the same report both ways", async (useObjectStreams) => {
    const source = await PDFDocument.load(await fixtureBytes("preflight/pdf-transparency.pdf"), { updateMetadata: false });
    const bytes = await source.save({ useObjectStreams, updateFieldAppearances: false });
    expect(openLazily(bytes)).not.toBeNull();
    const { lazy, full } = await bothWays(bytes);
    expect(lazy).toEqual(full);
    // The re-saved file is still the fixture: pdf-lib's own objects, only arranged anew.
    expect(lazy.file.transparency.used).toBe(true);
  });

  it("takes an incremental update's object over the original", async () => {
    const original = await fixtureBytes("preflight/pdf-bleed-3mm.pdf");
    const page = (await PDFDocument.load(original, { updateMetadata: false })).getPage(0).ref.objectNumber;
    // The page again, on a 3 × 4 in MediaBox with the trim and bleed boxes taken away.
    const redefined = objectText(original, page)
      .replace(/\/MediaBox\s*\[[^\]]*\]/, "/MediaBox [0 0 216 288]")
      .replace(/\/(TrimBox|BleedBox)\s*\[[^\]]*\]/g, "");
    const updated = appendUpdate(original, page, redefined);
    expect(openLazily(updated)).not.toBeNull();
    const { lazy, full } = await bothWays(updated);
    expect(lazy).toEqual(full);
    expect(lazy.file.pageBoxes[0]!.mediaBoxPt).toEqual([0, 0, 216, 288]);
    expect(lazy.file.pageBoxes[0]!.trimSizeInches).toEqual({ width: 3, height: 4 });
  });

  it("hands a file to the full parse when the cross-reference data points at the wrong bytes", async () => {
    const original = await fixtureBytes("preflight/pdf-cmyk.pdf");
    const { startxref } = lastSection(original);
    // Every offset in the table 7 bytes late: no object is where the table says.
    const text = latin1(original);
    const shifted = text.slice(0, startxref) + text.slice(startxref).replace(/(\d{10}) (\d{5}) n/g, (_, offset: string, gen: string) => `${String(Number(offset) + 7).padStart(10, "0")} ${gen} n`);
    const bytes = Uint8Array.from(shifted, (c) => c.charCodeAt(0));
    expect(openLazily(bytes)).toBeNull();
    const { lazy, full } = await bothWays(bytes);
    expect(lazy).toEqual(full);
    expect(lazy.file.damaged).toBe(false);
    expect(lazy.file.colorMode).toBe("cmyk");
  });

  it("gives up at once on a cross-reference stream whose entries have no bytes and whose index claims two billion", async () => {
    const head = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n";
    const xref = `3 0 obj\n<< /Type /XRef /W [0 0 0] /Index [0 2000000000] /Size 2000000000 /Root 1 0 R /Length 0 >>\nstream\n\nendstream\nendobj\n`;
    const bytes = encode(`${head}${xref}startxref\n${head.length}\n%%EOF\n`);
    // Refused without counting (the full parse is not run here: pdf-lib's own xref-stream parser counts them all).
    expect(openLazily(bytes)).toBeNull();
    // Nor is it run on the way to the report: the declared count is read from the bytes first.
    const report = await analyzePdf(bytes, STRICT);
    expect(report.issues.map((i) => i.code)).toEqual(["PDF_DAMAGED"]);
    expect(report.issues[0]!.details).toMatchObject({ reason: `2000000000 entries declared in ${bytes.length} bytes` });
  });

  it("hands a file to the full parse when a page refers to an object the cross-reference data lists as free", async () => {
    const original = await fixtureBytes("preflight/pdf-rgb-nobleed-4x6.pdf");
    const doc = await PDFDocument.load(original, { updateMetadata: false });
    // The page's content stream freed in an update: the full parse still finds it in the file's body.
    const contents = /\/Contents\s+(\d+)\s+0\s+R/.exec(objectText(original, doc.getPage(0).ref.objectNumber))![1]!;
    const catalog = Number(/\/Root\s+(\d+)/.exec(lastSection(original).trailer)![1]);
    const updated = appendUpdate(original, catalog, objectText(original, catalog), Number(contents));
    expect(openLazily(updated)).not.toBeNull();
    const { lazy, full } = await bothWays(updated);
    expect(lazy).toEqual(full);
    expect(lazy.file.images.length).toBeGreaterThan(0);
  });
});
