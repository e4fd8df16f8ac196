import { inject } from "vitest";

/** URL of a file under test/fixtures served by the fixture server on 127.0.0.1. */
export function fixtureUrl(relative: string, route = "fixtures"): string {
  return `${inject("fixtureBaseUrl")}/${route}/${relative}`;
}

export async function fixtureBytes(relative: string): Promise<Uint8Array> {
  const res = await fetch(fixtureUrl(relative));
  if (!res.ok) throw new Error(`fixture ${relative}: ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The readable PDFs of test/fixtures/preflight (scripts/fixtures/make-preflight-fixtures.sh), read by Debian tools into expected.json. */
export const PREFLIGHT_PDFS = [
  "pdf-rgb-nobleed-4x6.pdf",
  "pdf-bleed-3mm.pdf",
  "pdf-cmyk.pdf",
  "pdf-spot-separation.pdf",
  "pdf-iccbased.pdf",
  "pdf-hairline-0.1pt.pdf",
  "pdf-fonts-nonembedded-helvetica.pdf",
  "pdf-image-ppi-72-150-300.pdf",
  "pdf-transparency.pdf",
];
