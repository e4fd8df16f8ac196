import { expect } from "vitest";

// Reading the dashboard's server-rendered markup in tests: the pages are
// plain HTML from hono/jsx, so attributes are read with patterns rather than
// a DOM the workers runtime does not have.

/** Attributes of each `<tag …>` in the markup, by name, in document order (`tag` may be "input|select"). */
export function elements(html: string, tag: string): Record<string, string>[] {
  return [...html.matchAll(new RegExp(`<(?:${tag})\\b([^>]*)>`, "g"))].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map((a) => [a[1]!, a[2] ?? ""])),
  );
}

/** The part of the page from `<form id="…"` to its `</form>`. */
export function formById(html: string, id: string): string {
  const start = html.indexOf(`<form id="${id}"`);
  expect(start).toBeGreaterThan(0);
  return html.slice(start, html.indexOf("</form>", start) + "</form>".length);
}
