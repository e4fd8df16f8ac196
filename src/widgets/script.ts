import { CORE_JS } from "./client/core";
import { ELEMENTS_JS } from "./client/elements";
import { WIDGET_CSS } from "./client/styles";

/**
 * The major version is in the path (/widget/v1.js): within v1, attributes,
 * events and custom properties only ever gain members, so a shop's page
 * keeps working across deploys. WIDGET_VERSION names the exact build.
 */
export const WIDGET_MAJOR = 1;
export const WIDGET_VERSION = "1.0.0";

/**
 * Drops comments and indentation, which are a third of the source; safe
 * because the source has no template literals and no comment markers inside
 * strings. Whatever else a minifier would do is left to gzip.
 */
function compact(js: string): string {
  return js
    .replace(/\/\*(?!!)[\s\S]*?\*\//g, "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("//"))
    .join("\n");
}

/** One classic script, no framework, no dependencies; it defines the four elements and nothing else on window but PrintcartWidgets. */
export const WIDGET_JS = compact(
  [
    `/*! Printcart storefront widgets ${WIDGET_VERSION} */`,
    "(function () {",
    '"use strict";',
    `var CSS = ${JSON.stringify(WIDGET_CSS.trim())};`,
    CORE_JS,
    ELEMENTS_JS,
    `window.PrintcartWidgets = { version: ${JSON.stringify(WIDGET_VERSION)} };`,
    "})();",
  ].join("\n"),
);

/** FNV-1a over the script: a new build gets a new ETag and a new immutable ?v= link. */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

export const WIDGET_BUILD = fnv1a(WIDGET_JS);
