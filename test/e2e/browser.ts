import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's chromium; browsers are never downloaded (CI installs it with apt-get). */
export const CHROMIUM_PATH = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM_PATH);
/** CI=true (or 1), as CI services set it. */
export const inCi = /^(true|1)$/i.test(process.env.CI ?? "");
/**
 * Browser tests skip only on a machine without Chromium. Under CI, where
 * .ci/run installs it, a missing Chromium is a broken setup, not a reason to
 * skip: the tests run and each fails through requireChromium() in a
 * beforeEach (a failing beforeAll would only list them as skipped).
 */
export const skipBrowserTests = !hasChromium && !inCi;

/** Throws the reason when Chromium is missing; the browser blocks only get here without it under CI. */
export function requireChromium(): void {
  if (!hasChromium) throw new Error(`${CHROMIUM_PATH} is missing: under CI the browser tests must run, not skip (apt-get install chromium)`);
}

/**
 * The little of the DOM that code run inside the page touches here. The
 * project compiles without lib "dom" (it targets Workers), so page functions
 * reach the browser's globals through this type instead.
 */
export interface PageElement {
  id: string;
  tagName: string;
  type?: string;
  value?: string;
  textContent: string | null;
  outerHTML: string;
  labels?: ArrayLike<PageElement> | null;
  getAttribute(name: string): string | null;
}
export interface PageGlobal {
  document: {
    activeElement: PageElement | null;
    body: PageElement;
    documentElement: { scrollWidth: number };
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): ArrayLike<PageElement>;
    getElementById(id: string): PageElement | null;
  };
  sessionStorage: { length: number };
  getComputedStyle(el: PageElement): { outlineStyle: string; outlineWidth: string };
}
export interface PageImage {
  naturalWidth: number;
  naturalHeight: number;
}

export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, "../../test-results/screenshots");

export async function launchBrowser(): Promise<Browser> {
  requireChromium();
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Problems the page itself reports: uncaught exceptions and CSP refusals.
 * Chromium also logs every 4xx response as a console error; those are
 * expected (a 402 is part of the walk) and not collected.
 */
export function watchPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !/Failed to load resource/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return problems;
}

/** id, or tag and text, of the focused element: enough to follow the tab order. */
export async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobal;
    const el = document.activeElement;
    if (!el || el === document.body) return "body";
    if (el.id) return `#${el.id}`;
    const name = el.getAttribute("name");
    if (name && el.tagName === "INPUT") return `input[name=${name}][value=${el.value}]`;
    return `${el.tagName.toLowerCase()}:${(el.textContent ?? "").trim().slice(0, 40)}`;
  });
}

/** Form controls on the page that have no accessible name (label, aria-label or aria-labelledby). */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobal;
    const text = (el: PageElement | null) => (el?.textContent ?? "").trim();
    return Array.from(document.querySelectorAll("input, select, textarea, button"))
      .filter((el) => el.type !== "hidden")
      .filter((el) => {
        const labelText = Array.from(el.labels ?? []).map(text).join("");
        const aria = (el.getAttribute("aria-label") ?? "").trim();
        const labelledBy = (el.getAttribute("aria-labelledby") ?? "")
          .split(/\s+/)
          .map((id) => text(document.getElementById(id)))
          .join("");
        const own = el.tagName === "BUTTON" ? text(el) : "";
        return !labelText && !aria && !labelledBy && !own;
      })
      .map((el) => el.outerHTML.slice(0, 120));
  });
}

/** Whether the focused element draws a focus ring (outline at least 2px, not "none"). */
export async function focusRingVisible(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const { document, getComputedStyle } = globalThis as unknown as PageGlobal;
    const el = document.activeElement;
    if (!el || el === document.body) return false;
    const style = getComputedStyle(el);
    return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  });
}

/**
 * Pixels of a screenshot within 25 % of magenta (a sticker's cut line),
 * counted by Debian's ImageMagick rather than by the browser that drew them.
 */
export function magentaPixels(png: Buffer): number {
  const dir = mkdtempSync(path.join(tmpdir(), "printcart-shot-"));
  try {
    const file = path.join(dir, "shot.png");
    writeFileSync(file, png);
    const args = [file, "-alpha", "off", "-fuzz", "25%", "-fill", "black", "+opaque", "#FF00FF", "-fill", "white", "-opaque", "#FF00FF", "-format", "%[fx:round(mean*w*h)]", "info:"];
    return Number(execFileSync("/usr/bin/convert", args, { encoding: "utf8" }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
