// Print files for the preflight and fix benchmarks, made at bench time into
// bench/out/print-files/ (gitignored): multi-page PDFs from Ghostscript and
// photos from ImageMagick. Made once and reused; re-making them gives the same
// bytes with the same tool versions.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ensureTools } from "../lib/system-tools.mjs";

const root = path.resolve(import.meta.dirname, "../..");
export const printFilesDir = path.join(root, "bench", "out", "print-files");
const chelsea = path.join(root, "test", "fixtures", "bg", "chelsea.jpg");

// Fixed dates and a fixed locale: Ghostscript stamps the wall clock otherwise.
const toolEnv = { ...process.env, LC_ALL: "C", TZ: "UTC", SOURCE_DATE_EPOCH: "1704067200" };

/** Runs ImageMagick or Ghostscript, installed first if missing. */
function tool(command, args) {
  ensureTools([command]);
  execFileSync(command, args, { env: toolEnv });
}

/**
 * One catalogue page on US Letter without bleed (MediaBox = TrimBox, so
 * add_bleed has work to do): a header band, text in an embedded font
 * (NimbusSans, subset by pdfwrite) and in Helvetica left unembedded, a
 * 600×400 px photo placed at 4 in (150 ppi), and vector art — a rosette of
 * Bézier curves, filled polygons and 0.1 pt hairlines. The page number is
 * drawn, so no two pages have the same content stream.
 */
const PAGE_PS = `%!PS-Adobe-3.0
[ /Title (Bench catalogue) /Creator (bench/preflight/files.mjs)
  /CreationDate (D:20240101000000Z) /ModDate (D:20240101000000Z) /DOCINFO pdfmark
<< /PageSize [612 792] >> setpagedevice
/numstr 8 string def
1 1 PAGES {
  /pg exch def
  [ /TrimBox [0 0 612 792] /PAGE pdfmark
  0.10 0.35 0.80 setrgbcolor 36 700 540 56 rectfill
  /NimbusSans-Bold findfont 28 scalefont setfont
  1 1 1 setrgbcolor 54 718 moveto (Spring catalogue, page ) show pg numstr cvs show
  /NimbusSans-Regular findfont 11 scalefont setfont 0 0 0 setrgbcolor
  0 1 9 { /ln exch def 54 670 ln 14 mul sub moveto (Embedded NimbusSans body text, line ) show ln numstr cvs show } for
  /Helvetica findfont 10 scalefont setfont
  54 520 moveto (Helvetica, referenced but not embedded: the printer substitutes it.) show
  /DeviceRGB setcolorspace
  gsave 54 200 translate 288 192 scale
  << /ImageType 1 /Width 600 /Height 400 /BitsPerComponent 8 /Decode [0 1 0 1 0 1]
     /ImageMatrix [600 0 0 -400 0 400] /DataSource IMG (r) file /DCTDecode filter >> image
  grestore
  gsave 460 300 translate 0.6 setlinewidth
  0 10 350 { gsave rotate pg 7 mod 0.1 mul 0.8 0.3 setrgbcolor
    0 0 moveto 40 60 80 -60 110 0 curveto stroke grestore } for
  grestore
  0.95 0.55 0.10 setrgbcolor 380 80 moveto 560 80 lineto 470 170 lineto closepath fill
  0.20 0.70 0.30 setrgbcolor 380 180 moveto 420 240 lineto 500 240 lineto 540 180 lineto closepath fill
  0 0 0 setrgbcolor 0.1 setlinewidth
  0 1 9 { 6 mul 54 add dup 120 exch moveto 320 exch lineto stroke } for
  showpage
} for
%%EOF
`;

/**
 * pdfwrite takes the trailer /ID from the clock even with fixed dates; it is
 * rewritten from an MD5 of the content (the same length, so xref offsets
 * hold), as scripts/fixtures/fix-gs-pdf-id.py does for the test fixtures.
 */
function fixTrailerId(file) {
  const data = readFileSync(file);
  const text = data.toString("latin1");
  const match = /\/ID \[<([0-9A-Fa-f]{32})><([0-9A-Fa-f]{32})>\]/.exec(text);
  if (!match) throw new Error(`${file}: no trailer /ID`);
  const zeroed = Buffer.from(text.slice(0, match.index) + `/ID [<${"0".repeat(32)}><${"0".repeat(32)}>]` + text.slice(match.index + match[0].length), "latin1");
  const digest = createHash("md5").update(zeroed).digest("hex").toUpperCase();
  writeFileSync(file, Buffer.from(text.slice(0, match.index) + `/ID [<${digest}><${digest}>]` + text.slice(match.index + match[0].length), "latin1"));
}

/** A PDF of `pages` catalogue pages; each page carries its own copy of the photo, as a real catalogue's pages carry their own photos. */
export function benchPdf(pages) {
  mkdirSync(printFilesDir, { recursive: true });
  const file = path.join(printFilesDir, `catalogue-${pages}p.pdf`);
  if (existsSync(file)) return { pages, file };
  const photo = path.join(printFilesDir, "page-photo-600x400.jpg");
  if (!existsSync(photo)) tool("convert", [chelsea, "-strip", "-filter", "Lanczos", "-resize", "600x400!", "-quality", "85", photo]);
  const ps = path.join(printFilesDir, "catalogue.ps");
  writeFileSync(ps, PAGE_PS);
  const partial = `${file}.partial`;
  tool(
    "gs",
    [
      "-q",
      "-dSAFER",
      "-dBATCH",
      "-dNOPAUSE",
      "-sDEVICE=pdfwrite",
      "-dDetectDuplicateImages=false",
      `--permit-file-read=${printFilesDir}/`,
      `-sIMG=${photo}`,
      `-dPAGES=${pages}`,
      `-o`,
      partial,
      "-c",
      "<< /NeverEmbed [/Helvetica] >> setdistillerparams",
      "-f",
      ps,
    ],
  );
  fixTrailerId(partial);
  renameSync(partial, file);
  return { pages, file };
}

/** 3:2 landscape at most `mp` million pixels, as bench/bg-removal.mjs sizes its photos. */
export function photoSize(mp) {
  const width = Math.floor(Math.sqrt(mp * 1e6 * 1.5));
  return { width, height: Math.floor((mp * 1e6) / width) };
}

const cmykProfile = path.join(root, "wasm", "cmyk-srgb", "default-cmyk.icc");

/**
 * The test photo enlarged with ImageMagick (Lanczos) to `mp` megapixels, as
 * JPEG (q90), PNG (RGB, no date chunks) or WebP (lossy q90, or `lossless`).
 * An enlargement is smoother than any camera's photo and compresses several
 * times better; with `grain` (Gaussian noise, fixed seed) the files have a
 * real photo's size, JPEG about 0.27 bytes per pixel and PNG about 1.8,
 * which is what memory depends on (lossy WebP about 0.2, lossless about
 * 1.7). A JPEG may be `progressive` (the decoder then keeps every DCT
 * coefficient) or `cmyk` (ImageMagick's naive separation, four components,
 * with the decoder's default press profile embedded, as print shops send
 * them). A WebP may have `alpha`: a soft matte from the photo's blurred
 * lightness, as a cut-out's feathered edge (libwebp then decodes the alpha
 * plane with its lossless decoder, whatever the colour's compression).
 */
export function benchPhoto(mp, format, { grain = false, progressive = false, cmyk = false, lossless = false, alpha = false } = {}) {
  mkdirSync(printFilesDir, { recursive: true });
  const { width, height } = photoSize(mp);
  const variant = `${grain ? "-grain" : ""}${progressive ? "-progressive-420" : ""}${cmyk ? "-cmyk" : ""}${lossless ? "-lossless" : ""}${alpha ? "-alpha" : ""}`;
  const file = path.join(printFilesDir, `photo-${mp}mp${variant}.${{ jpeg: "jpg", png: "png", webp: "webp" }[format]}`);
  if (!existsSync(file)) {
    const partial = `${file}.partial`;
    const noise = grain ? ["-seed", "1", "-attenuate", "0.25", "+noise", "Gaussian"] : [];
    const separation = cmyk ? ["-colorspace", "CMYK", ...(existsSync(cmykProfile) ? ["-profile", cmykProfile] : [])] : [];
    const matte = alpha ? ["(", "+clone", "-colorspace", "gray", "-blur", "0x8", "-level", "30%,60%", ")", "-alpha", "off", "-compose", "copy_opacity", "-composite"] : [];
    const encode = {
      jpeg: () => [...(progressive ? ["-interlace", "Plane", "-sampling-factor", "2x2"] : []), "-quality", "90", `JPEG:${partial}`],
      png: () => ["-define", "png:exclude-chunks=date,time", `PNG24:${partial}`],
      webp: () => (lossless ? ["-define", "webp:lossless=true"] : ["-quality", "90"]).concat(`WEBP:${partial}`),
    }[format]();
    tool("convert", [chelsea, "-strip", "-filter", "Lanczos", "-resize", `${width}x${height}!`, ...noise, ...separation, ...matte, ...encode]);
    renameSync(partial, file);
  }
  return { mp, format, grain, progressive, cmyk, lossless, alpha, file, width, height };
}

/** A 16×16 PNG: the fixed cost of a check (auth, fetch, R2, D1) with next to no analysis. */
export function tinyPng() {
  mkdirSync(printFilesDir, { recursive: true });
  const file = path.join(printFilesDir, "tiny-16x16.png");
  if (!existsSync(file)) tool("convert", [chelsea, "-strip", "-resize", "16x16!", "-define", "png:exclude-chunks=date,time", `PNG24:${file}`]);
  return file;
}
