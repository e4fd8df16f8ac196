import { ParseSpeeds, PDFDocument, type PDFContext } from "pdf-lib";
import { issue, type Analysis, type Requirements } from "../issues";
import { printedAppearances } from "./annotations";
import { measureBoxes } from "./boxes";
import { Budget, MAX_PAGES_ANALYZED, maxXrefEntries } from "./budget";
import { ColorSpaces } from "./color-spaces";
import type { PdfFacts } from "./facts";
import { FontCollector } from "./fonts";
import { PageInterpreter, type InterpreterEnv } from "./interpreter";
import type { Matrix } from "./matrix";
import { latin1 } from "./content-stream";
import { openLazily, type LazyDocument } from "./lazy-document";
import { asDict, dictAt, get, nameAt, resolve } from "./objects";
import { walkPageTree } from "./page-tree";
import { raisePdfIssues } from "./raise-issues";
import { summarizeContent, type FindingsByPage } from "./summarize";

export type { PdfFacts } from "./facts";

const LOAD_OPTIONS = {
  // Encrypted files still have readable dictionaries (boxes, fonts); only strings and streams are enciphered.
  ignoreEncryption: true,
  // The analyzer only reads: pdf-lib must not rewrite the Info dictionary.
  updateMetadata: false,
  // The default yields to the event loop every 100 objects, which only adds latency in a Worker.
  parseSpeed: ParseSpeeds.Fastest,
  throwOnInvalidObject: false,
};

/**
 * Measures a PDF for print: page boxes and bleed, fonts, placed images and
 * their effective resolution, colour spaces, transparency and line widths,
 * and raises the issues `req` makes of them. Bad input never throws: an
 * unparseable file is a report with PDF_DAMAGED, an encrypted one a report
 * with PDF_ENCRYPTED and what its unencrypted structure tells.
 */
export async function analyzePdf(bytes: Uint8Array, req: Requirements, options: { parse?: "lazy" | "full" } = {}): Promise<Analysis<PdfFacts>> {
  const version = headerVersion(bytes);
  if (options.parse !== "full") {
    const lazy = openLazily(bytes);
    if (lazy) {
      try {
        const analysis = analyzeDocument(lazy.context, emptyFacts(version), req, lazy);
        if (!lazy.unsure) return analysis;
      } catch {
        // What went wrong is said as the full parse meets it, below.
      }
    }
  }
  const facts = emptyFacts(version);
  const declared = declaredXrefEntries(bytes);
  if (declared > maxXrefEntries(bytes.length)) {
    return damaged(facts, "The PDF's cross-reference data declares far more objects than the file holds.", `${declared} entries declared in ${bytes.length} bytes`);
  }
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, LOAD_OPTIONS);
  } catch (err) {
    if (namesEncryption(bytes)) return unreadableEncrypted(facts);
    return damaged(facts, "The file could not be parsed as a PDF: it is truncated, corrupt or not a PDF.", messageOf(err));
  }
  try {
    return analyzeDocument(doc.context, facts, req);
  } catch (err) {
    // Every accessor is total, so this is pdf-lib tripping over an object it parsed: still bad input, not a crash.
    return damaged(facts, "The PDF's structure could not be read.", messageOf(err));
  }
}

/** Thrown to leave an analysis on lazily read objects as soon as it needs the full parse. */
class NeedsFullParse extends Error {}

/**
 * `lazy`: the document is read on demand, and the analysis is abandoned
 * (thrown out of) as soon as that reading is unsure, to be redone from the
 * full parse.
 */
function analyzeDocument(ctx: PDFContext, facts: PdfFacts, req: Requirements, lazy?: LazyDocument): Analysis<PdfFacts> {
  facts.encrypted = resolve(ctx, ctx.trailerInfo.Encrypt) !== undefined;
  const catalog = asDict(resolve(ctx, ctx.trailerInfo.Root));
  const pagesRoot = dictAt(ctx, catalog, "Pages");
  if (!pagesRoot) return facts.encrypted ? unreadableEncrypted(facts) : damaged(facts, "The PDF has no document catalog or page tree.");
  facts.pdfVersion = laterVersion(facts.pdfVersion, nameAt(ctx, catalog, "Version"));

  const tree = walkPageTree(ctx, pagesRoot, MAX_PAGES_ANALYZED);
  facts.pages = tree.count;
  facts.pagesAnalyzed = tree.pages.length;
  if (tree.count === 0) return facts.encrypted ? unreadableEncrypted(facts) : damaged(facts, "The PDF has no pages.");

  const budget = new Budget();
  if (tree.count > tree.pages.length) budget.reached("pages");
  const env: InterpreterEnv = { ctx, colorSpaces: new ColorSpaces(ctx), budget, requiredDpi: req.requiredDpi, decodedForms: new Map() };
  const fonts = new FontCollector(ctx);
  const findings: FindingsByPage = new Map();

  for (const [index, leaf] of tree.pages.entries()) {
    // Errors met on a page become its damage findings, so a lazy lookup's doubt is checked here.
    if (lazy?.unsure) throw new NeedsFullParse();
    const page = index + 1;
    const boxes = measureBoxes(ctx, page, leaf.dict, leaf.inherited);
    facts.pageBoxes.push(boxes);
    // The page's user space in pt: /UserUnit scales everything drawn on it.
    const pageCtm: Matrix = [boxes.userUnit, 0, 0, boxes.userUnit, 0, 0];
    const appearances = printedAppearances(ctx, leaf.dict, pageCtm);
    fonts.collect(leaf.inherited.resources, page);
    for (const appearance of appearances) fonts.collect(appearance.resources, page);
    if (facts.encrypted) continue;

    const interpreter = new PageInterpreter(env, page);
    try {
      interpreter.runPage(get(ctx, leaf.dict, "Contents"), leaf.inherited.resources, pageCtm);
      for (const appearance of appearances) interpreter.runForm(appearance.form, appearance.resources, { ctm: appearance.ctm }, 0);
      findings.set(page, interpreter.findings);
    } catch (err) {
      // The interpreter is total over content bytes; what can still throw is pdf-lib meeting a broken object.
      interpreter.findings.damage.push(messageOf(err));
      findings.set(page, interpreter.findings);
    }
  }

  facts.contentAnalyzed = !facts.encrypted;
  facts.fonts = fonts.list();
  summarizeContent(facts, findings);
  facts.limits = budget.notes();
  const structure = tree.malformed ? ["The page tree is malformed (a node is reachable twice, or it is too large); each page was counted once."] : [];
  if (structure.length > 0) facts.damaged = true;
  return { file: facts, issues: raisePdfIssues(facts, findings, req, structure) };
}

function emptyFacts(pdfVersion: string | null): PdfFacts {
  return {
    pdfVersion,
    encrypted: false,
    damaged: false,
    pages: 0,
    pagesAnalyzed: 0,
    contentAnalyzed: false,
    pageBoxes: [],
    fonts: [],
    images: [],
    colorSpaces: [],
    colorMode: "none",
    spotColors: [],
    transparency: { used: false, softMaskedImages: 0, softMaskGStates: 0, minFillAlpha: null, minStrokeAlpha: null, blendModes: [], pages: [] },
    minLineWidthPt: null,
    thinLineStrokes: 0,
    limits: [],
  };
}

/**
 * The most entries any cross-reference stream in the file declares, read
 * from each `/Type /XRef` dictionary's /Size and /Index as pdf-lib's parser
 * will count them. A plain scan of the bytes: the full parse meets every such
 * stream in the body, referenced or not.
 */
function declaredXrefEntries(bytes: Uint8Array): number {
  const text = new TextDecoder("latin1").decode(bytes);
  let most = 0;
  for (const match of text.matchAll(/\/Type\s*\/XRef\b/g)) {
    // The dictionary around the match: back to its "<<", on to its "stream" keyword.
    const start = text.lastIndexOf("<<", match.index);
    const end = text.indexOf("stream", match.index);
    const dict = text.slice(start < 0 ? match.index : start, end < 0 ? match.index + 4096 : Math.min(end, match.index + 65_536));
    const size = /\/Size\s+(\d+)/.exec(dict);
    const index = /\/Index\s*\[([\d\s]*)\]/.exec(dict);
    let entries = size ? Number(size[1]) : 0;
    if (index) {
      const numbers = index[1]!.trim().split(/\s+/).filter(Boolean).map(Number);
      let sum = 0;
      for (let i = 1; i < numbers.length; i += 2) sum += numbers[i]!;
      entries = sum;
    }
    most = Math.max(most, entries);
  }
  return most;
}

function damaged(facts: PdfFacts, message: string, reason?: string): Analysis<PdfFacts> {
  facts.damaged = true;
  return { file: facts, issues: [issue("PDF_DAMAGED", message, reason === undefined ? {} : { reason })] };
}

/**
 * When the page objects sit in object streams, encryption hides them too and
 * pdf-lib cannot even find the pages: that is still an encrypted file, not
 * a damaged one, and the clear-text trailer (or xref stream) says so.
 */
function unreadableEncrypted(facts: PdfFacts): Analysis<PdfFacts> {
  facts.encrypted = true;
  return { file: facts, issues: [issue("PDF_ENCRYPTED", "The PDF is encrypted: nothing in it can be read without the password.", { contentAnalyzed: false })] };
}

const ENCRYPT_KEY = new TextEncoder().encode("/Encrypt");

/** Whether the bytes contain an /Encrypt entry (a reference or a dictionary), found without parsing. */
function namesEncryption(bytes: Uint8Array): boolean {
  for (let i = bytes.indexOf(0x2f); i >= 0; i = bytes.indexOf(0x2f, i + 1)) {
    if (!ENCRYPT_KEY.every((b, k) => bytes[i + k] === b)) continue;
    let j = i + ENCRYPT_KEY.length;
    while (bytes[j] === 0x20 || bytes[j] === 0x0a || bytes[j] === 0x0d || bytes[j] === 0x09) j++;
    const next = bytes[j] ?? 0;
    if ((next >= 0x30 && next <= 0x39) || (next === 0x3c && bytes[j + 1] === 0x3c)) return true;
  }
  return false;
}

/** The header must be in the first 1024 bytes (§7.5.2, as readers accept it). */
function headerVersion(bytes: Uint8Array): string | null {
  const head = latin1(bytes.subarray(0, 1024));
  return /%PDF-(\d\.\d)/.exec(head)?.[1] ?? null;
}

/** A catalog /Version later than the header's wins (§7.2.2, for incrementally updated files). */
function laterVersion(header: string | null, catalog: string | undefined): string | null {
  if (!catalog || !/^\d\.\d$/.test(catalog)) return header;
  if (!header) return catalog;
  return Number(catalog) > Number(header) ? catalog : header;
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ").slice(0, 300);
}
