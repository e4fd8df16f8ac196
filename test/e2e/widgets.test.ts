import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CHROMIUM_PATH, hasChromium, magentaPixels, requireChromium, skipBrowserTests } from "./browser";
import { baseUrl, http } from "./http";

// A shop's product page with the storefront widgets, in Debian's chromium
// (playwright-core; never a downloaded browser), against `wrangler dev`.
// The shop runs on its own loopback origin, with a tiny back end that mints
// widget tokens exactly as the token endpoint of docs/widgets.md does.

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../test-results/screenshots");
const FIXTURES = path.resolve(import.meta.dirname, "../fixtures");
const PHOTO = path.join(FIXTURES, "bg/chelsea.jpg"); // 451 × 300
const PRINT_FILE = path.join(FIXTURES, "preflight/jpeg-rgb-72dpi.jpg");
// 240 × 160 with fully transparent corners: a sticker is cut from its own alpha, without the model.
const ALPHA_PNG = path.join(FIXTURES, "preflight/png-alpha-used.png");
const ADMIN_KEY = "dev-admin-key";
const PASSWORD = "Shop-pass-1";

if (skipBrowserTests) console.warn(`[widgets e2e] browser tests skipped: ${CHROMIUM_PATH} is missing (apt-get install chromium)`);

/** The page and its back end: what a shop would run on its own domain. */
function startShop(opts: { api: string; email: string; shopOrigin: () => string }): Promise<Server> {
  let accessToken: string | null = null;

  async function login(): Promise<string> {
    accessToken ??= ((await (await fetch(`${opts.api}/v1/account/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: opts.email, password: PASSWORD }),
    })).json()) as { access_token: string }).access_token;
    return accessToken;
  }

  // POST /api/printcart-token: the shop decides the origin, the cap and who the shopper is.
  // POST /api/printcart-token-without-stickers: a shop that forgot the stickers scope.
  async function tokenEndpoint(req: IncomingMessage, res: ServerResponse, scopes: string[]) {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const asked = (JSON.parse(raw || "{}") as { services?: string[] }).services ?? [];
    const services = asked.filter((s) => scopes.includes(s));
    if (services.length === 0) services.push("bg-remove");
    const shopper = /shopper=([\w-]+)/.exec(req.headers.cookie ?? "")?.[1] ?? null;
    const api = await fetch(`${opts.api}/v1/account/widget-tokens`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await login()}` },
      body: JSON.stringify({ services, origin: opts.shopOrigin(), ttlSeconds: 900, capTokens: 600, shopperRef: shopper }),
    });
    res.writeHead(api.status, { "content-type": "application/json", "cache-control": "no-store" }).end(await api.text());
  }

  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Canvas print · Test Shop</title>
<link rel="stylesheet" href="/shop.css">
<script src="${opts.api}/widget/v1.js" defer></script>
<script src="/shop.js" defer></script>
</head><body>
<header><strong>Test Shop</strong></header>
<main>
<h1>Your photo on canvas</h1>
<p>24 × 36 in, gallery wrapped.</p>
<h2>Is my photo sharp enough?</h2>
<printcart-dpi-check token-endpoint="/api/printcart-token" canvas-width="24" canvas-height="36" product-type="photo_on_canvas"></printcart-dpi-check>
<h2>Remove the background</h2>
<printcart-bg-remove token-endpoint="/api/printcart-token" subject-type="auto"></printcart-bg-remove>
<h2>Make it a sticker</h2>
<printcart-sticker id="sticker" token-endpoint="/api/printcart-token" size-inches="2" border-mm="3" bleed-mm="2" border-color="#FFF8E7" dpi="200" keep-existing-alpha="false"></printcart-sticker>
<printcart-sticker id="unscoped" label="Sticker (misconfigured)" token-endpoint="/api/printcart-token-without-stickers"></printcart-sticker>
<h2>Check a print file</h2>
<printcart-preflight token-endpoint="/api/printcart-token" product-type="poster" canvas-width="8" canvas-height="10"></printcart-preflight>
<h2>Events</h2><ol id="log"></ol>
</main></body></html>`;
  const shopJs = `window.events = [];
["printcart:completed", "printcart:failed"].forEach(function (type) {
  document.addEventListener(type, function (e) {
    window.events.push({ type: type, element: e.target.tagName.toLowerCase(), detail: e.detail });
    var li = document.createElement("li");
    li.textContent = e.target.tagName.toLowerCase() + " " + type;
    document.getElementById("log").appendChild(li);
  });
});`;
  // The shop's own brand colour, through the widgets' custom properties.
  const shopCss = `body{font:16px/1.5 Georgia,serif;max-width:46rem;margin:0 auto;padding:1rem;color:#222}
header{border-bottom:2px solid #7c2d12;padding-bottom:.5rem}
printcart-dpi-check,printcart-bg-remove,printcart-sticker,printcart-preflight{--printcart-accent:#7c2d12;--printcart-radius:2px;--printcart-font:15px/1.5 system-ui,sans-serif;margin-bottom:1.5rem}`;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://shop");
    if (req.method === "POST" && url.pathname === "/api/printcart-token") {
      tokenEndpoint(req, res, ["bg-remove", "stickers", "preflight", "dpi-score"]).catch((error) => res.writeHead(502).end(String(error)));
    } else if (req.method === "POST" && url.pathname === "/api/printcart-token-without-stickers") {
      tokenEndpoint(req, res, ["bg-remove", "preflight", "dpi-score"]).catch((error) => res.writeHead(502).end(String(error)));
    } else if (url.pathname === "/") {
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "set-cookie": `shopper=${/shopper=([\w-]+)/.exec(req.headers.cookie ?? "")?.[1] ?? crypto.randomUUID()}; Path=/; HttpOnly; SameSite=Lax`,
        // A strict policy, as a careful shop would send: the widgets need no inline code or styles.
        "content-security-policy": `default-src 'self'; script-src 'self' ${opts.api}; connect-src 'self' ${opts.api}; img-src 'self' ${opts.api} blob:; style-src 'self'`,
      });
      res.end(page);
    } else if (url.pathname === "/shop.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(shopJs);
    } else if (url.pathname === "/shop.css") {
      res.writeHead(200, { "content-type": "text/css" }).end(shopCss);
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function shot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Waits until the bg-remove widget shows its cut-out or an error; says which, with what the page saw. */
async function waitForCutout(page: Page, messages: string[]): Promise<void> {
  await page.waitForFunction(
    () => {
      const el = (globalThis as unknown as { document: { querySelector(s: string): any } }).document.querySelector("printcart-bg-remove");
      return el.shadowRoot.querySelector(".after img[data-loaded]") !== null || el.shadowRoot.querySelector(".error").textContent !== "";
    },
    null,
    { timeout: 280_000 },
  ).catch(async (error) => {
    throw new Error(`${error.message}\nstatus: ${await page.locator("printcart-bg-remove .status").textContent()}\n${messages.join("\n")}`);
  });
  expect(await page.locator("printcart-bg-remove .error").textContent(), messages.join("\n")).toBe("");
  // Calls the widget had to retry, for whoever reads the log: wrangler dev answers 503 "Your worker
  // restarted mid-request" (without CORS headers) when a file under src/ changes during a test.
  const lost = messages.filter((m) => /^(request failed|response: 5|error: Access to fetch)/.test(m));
  if (lost.length > 0) console.log(`[widgets e2e] retried polls:\n${lost.join("\n")}`);
}

function watch(page: Page): string[] {
  const messages: string[] = [];
  page.on("console", (m) => messages.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => messages.push(`uncaught: ${e.message}`));
  page.on("requestfailed", (r) => messages.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => {
    if (r.status() >= 500) messages.push(`response: ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return messages;
}

type Events = { type: string; element: string; detail: Record<string, any> }[];
const events = (page: Page) => page.evaluate(() => (globalThis as unknown as { events: Events }).events);

describe("the widget script over HTTP", () => {
  it("is small when gzipped, and cacheable", async () => {
    const res = await fetch(`${baseUrl()}/widget/v1.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("max-age=3600");
    const js = await res.text();
    const gzipped = gzipSync(js, { level: 9 }).length;
    console.log(`[widgets e2e] /widget/v1.js: ${js.length} bytes, ${gzipped} bytes gzipped`);
    expect(gzipped).toBeLessThan(8 * 1024);
  });
});

describe.skipIf(skipBrowserTests)("storefront widgets in a browser", () => {
  let browser: Browser;
  let shop: Server;
  let shopPort = 0;
  const email = `widget-shop-${Date.now()}@example.com`;
  let accountToken = "";
  // Two origins of the same server: only the first is on the account's list.
  const allowedOrigin = () => `http://localhost:${shopPort}`;
  const strangerOrigin = () => `http://127.0.0.1:${shopPort}`;

  beforeAll(async () => {
    const signUp = await http("/v1/account", { body: { email, password: PASSWORD, name: "Widget Shop" } });
    expect(signUp.status).toBe(201);
    accountToken = signUp.body.access_token;
    const grant = await http("/v1/admin/wallet-grants", {
      headers: { "x-admin-key": ADMIN_KEY },
      body: { email, tokens: 1_000, reason: "token pack", idempotencyKey: `widgets-${email}` },
    });
    expect(grant.status).toBe(201);

    shop = await startShop({ api: baseUrl(), email, shopOrigin: allowedOrigin });
    shopPort = (shop.address() as AddressInfo).port;
    const origins = await http("/v1/account/allowed-origins", { method: "PUT", token: accountToken, body: { origins: [allowedOrigin()] } });
    expect(origins.status).toBe(200);

    // Only under CI can Chromium be missing here: then beforeEach fails every test with the reason.
    if (hasChromium) browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] });
  });

  beforeEach(requireChromium);

  afterAll(async () => {
    await browser?.close();
    // A beforeAll that failed before the shop started leaves nothing to close.
    await new Promise((resolve) => (shop ? shop.close(resolve) : resolve(undefined)));
  });

  async function openShop(origin: string): Promise<{ page: Page; console: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const messages = watch(page);
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (globalThis as unknown as { PrintcartWidgets?: unknown }).PrintcartWidgets !== undefined);
    return { page, console: messages };
  }

  it("rates, cuts out and checks on the shop's allowed origin", async () => {
    const { page, console: messages } = await openShop(allowedOrigin());
    // Every control is reachable and named; the drop zones carry their hint.
    expect(await page.getByRole("button", { name: "Check a photo" }).isVisible()).toBe(true);
    expect(await page.getByRole("group", { name: "Background removal" }).isVisible()).toBe(true);
    await shot(page, "widget-01-shop-page");

    // Quick DPI: only the photo's size leaves the browser.
    await page.locator("printcart-dpi-check input[type=file]").setInputFiles(PHOTO);
    const stars = page.locator("printcart-dpi-check .stars");
    await stars.waitFor({ timeout: 30_000 });
    expect(await stars.getAttribute("aria-label")).toBe("1 of 5 stars");
    expect(await page.locator("printcart-dpi-check .ppi").textContent()).toContain("451 × 300 px gives 8 ppi at 24 × 36 in (100 ppi needed)");

    // Background removal of a real photo: upload, job, live status, cut-out.
    await page.locator("printcart-bg-remove input[type=file]").setInputFiles(PHOTO);
    await expect.poll(() => page.locator("printcart-bg-remove .status").textContent(), { timeout: 30_000 }).toMatch(/Removing the background/);
    await shot(page, "widget-02-bg-remove-running");
    // The first job of a fresh server loads the model; on a busy machine that takes a while.
    await waitForCutout(page, messages);
    const after = page.locator("printcart-bg-remove .after img[data-loaded]");
    expect(await after.evaluate((img) => [(img as unknown as { naturalWidth: number }).naturalWidth, (img as unknown as { naturalHeight: number }).naturalHeight])).toEqual([451, 300]);
    expect(await page.locator("printcart-bg-remove .status").textContent()).toBe("Done: the background is removed.");
    expect(await page.locator("printcart-bg-remove .before img").getAttribute("src")).toMatch(/^blob:/);
    expect(await page.getByRole("link", { name: "Open the PNG" }).getAttribute("href")).toContain("/v1/files/");
    await page.locator("printcart-bg-remove").scrollIntoViewIfNeeded();
    await shot(page, "widget-03-bg-remove-cutout");

    // A full check of a print file.
    await page.locator("printcart-preflight input[type=file]").setInputFiles(PRINT_FILE);
    const badge = page.locator("printcart-preflight .badge");
    await expect.poll(() => badge.textContent(), { timeout: 60_000 }).toMatch(/Ready to print|Printable, with warnings|Needs attention/);
    expect(await page.locator("printcart-preflight .issues li").count()).toBeGreaterThan(0);
    await page.locator("printcart-preflight").scrollIntoViewIfNeeded();
    await shot(page, "widget-04-preflight-report");

    const seen = await events(page);
    expect(seen.map((e) => `${e.element} ${e.type}`)).toEqual([
      "printcart-dpi-check printcart:completed",
      "printcart-bg-remove printcart:completed",
      "printcart-preflight printcart:completed",
    ]);
    const cutout = seen[1]!.detail;
    expect(cutout).toMatchObject({ service: "bg-remove", width: 451, height: 300 });
    expect(cutout.outputUrl).toContain("/v1/files/");

    // The shop's wallet paid 150 once, and the job belongs to the shopper.
    const wallet = await http("/v1/wallet", { token: accountToken });
    expect(wallet.body.data).toEqual({ balance: 850, held: 0, currency: "tokens" });
    const job = await http(`/v1/services/bg-remove/${cutout.jobId}`, { token: accountToken });
    expect(job.body.status).toBe("completed");
    // No CSP refusals, no uncaught errors.
    expect(messages.filter((m) => /Content Security Policy|uncaught/i.test(m))).toEqual([]);
    await page.close();
  }, 320_000);

  it("passes keep-existing-alpha to the job: the PNG's own transparency, or not", async () => {
    const { page, console: messages } = await openShop(allowedOrigin());
    const widget = page.locator("printcart-bg-remove");
    const setAttributes = (attributes: Record<string, string>) =>
      widget.evaluate((el, attrs) => {
        for (const [name, value] of Object.entries(attrs)) (el as unknown as { setAttribute(n: string, v: string): void }).setAttribute(name, value);
      }, attributes);
    const cutouts = async () => (await events(page)).filter((e) => e.element === "printcart-bg-remove");
    const jobOf = async (jobId: string) => (await http(`/v1/services/bg-remove/${jobId}`, { token: accountToken })).body;

    // The page says subject-type="auto", whose default leaves a source's alpha to the model; the attribute asks for it.
    await setAttributes({ "keep-existing-alpha": "true" });
    await page.locator("printcart-bg-remove input[type=file]").setInputFiles(ALPHA_PNG);
    await waitForCutout(page, messages);
    const kept = (await cutouts())[0]!;
    expect(kept.type).toBe("printcart:completed");
    expect(kept.detail.job).toMatchObject({ subject_type: "auto", keep_existing_alpha: true, alpha_source: "own_alpha", width: 240, height: 160 });
    expect(await jobOf(kept.detail.jobId)).toMatchObject({ status: "completed", keep_existing_alpha: true, alpha_source: "own_alpha" });
    await widget.scrollIntoViewIfNeeded();
    await shot(page, "widget-10-bg-remove-own-alpha");

    // A logo, whose default keeps it, told not to: the colour key or the model cuts it instead.
    await setAttributes({ "subject-type": "logo", "keep-existing-alpha": "false" });
    await page.locator("printcart-bg-remove input[type=file]").setInputFiles(ALPHA_PNG);
    await expect.poll(async () => (await cutouts()).length, { timeout: 280_000 }).toBe(2);
    const notKept = (await cutouts())[1]!;
    expect(notKept.type, JSON.stringify(notKept.detail)).toBe("printcart:completed");
    const job = await jobOf(notKept.detail.jobId);
    expect(job).toMatchObject({ status: "completed", subject_type: "logo", keep_existing_alpha: false });
    expect(["colour_key", "model"]).toContain(job.alpha_source);

    // Any other value is the page's mistake: said, and nothing charged.
    const before = await http("/v1/wallet/transactions", { token: accountToken });
    await setAttributes({ "keep-existing-alpha": "yes" });
    await page.locator("printcart-bg-remove input[type=file]").setInputFiles(ALPHA_PNG);
    await expect.poll(async () => (await cutouts()).length, { timeout: 60_000 }).toBe(3);
    expect((await cutouts())[2]).toMatchObject({ type: "printcart:failed", detail: { error: "BAD_ATTRIBUTE" } });
    expect(await page.locator("printcart-bg-remove .error").textContent()).toBe('keep-existing-alpha must be "true" or "false".');
    const debits = (res: { body: { data: { type: string }[] } }) => res.body.data.filter((t) => t.type === "debit");
    expect(debits(await http("/v1/wallet/transactions", { token: accountToken }))).toEqual(debits(before));
    expect(messages.filter((m) => /Content Security Policy|uncaught/i.test(m))).toEqual([]);
    await page.close();
  }, 320_000);

  it("makes a sticker with a stickers-scoped widget token and lays its cut line over it", async () => {
    const balanceBefore = (await http("/v1/wallet", { token: accountToken })).body.data.balance as number;
    const { page, console: messages } = await openShop(allowedOrigin());
    expect(await page.getByRole("group", { name: "Sticker", exact: true }).isVisible()).toBe(true);
    await page.locator("printcart-sticker#sticker input[type=file]").setInputFiles(ALPHA_PNG);
    await page.waitForFunction(
      () => {
        const el = (globalThis as unknown as { document: { querySelector(s: string): any } }).document.querySelector("printcart-sticker#sticker");
        return el.shadowRoot.querySelectorAll(".stack img[data-loaded]").length === 2 || el.shadowRoot.querySelector(".error").textContent !== "";
      },
      null,
      { timeout: 280_000 },
    ).catch(async (error) => {
      throw new Error(`${error.message}\nstatus: ${await page.locator("printcart-sticker#sticker .status").textContent()}\n${messages.join("\n")}`);
    });
    expect(await page.locator("printcart-sticker#sticker .error").textContent(), messages.join("\n")).toBe("");
    expect(await page.locator("printcart-sticker#sticker .status").textContent()).toBe("Done: your sticker is ready. The magenta line is where it will be cut.");
    expect(await page.locator("printcart-sticker#sticker .before img").getAttribute("src")).toMatch(/^blob:/);

    // The event carries the job and its three files; the job is what the attributes asked for.
    const seen = (await events(page)).filter((e) => e.element === "printcart-sticker");
    expect(seen.map((e) => e.type)).toEqual(["printcart:completed"]);
    const detail = seen[0]!.detail;
    expect(detail.service).toBe("stickers");
    expect(detail.jobId).toMatch(/^stk_/);
    const job = (await http(`/v1/services/stickers/${detail.jobId}`, { token: accountToken })).body;
    // keep-existing-alpha="false": the PNG's own transparency, which stickers use by default, is not the outline.
    expect(job).toMatchObject({ status: "completed", size_inches: 2, border_mm: 3, bleed_mm: 2, border_color: "#FFF8E7", dpi: 200, keep_existing_alpha: false });
    expect(["colour_key", "model"]).toContain(job.alpha_source);
    expect(detail.job).toMatchObject({ job_id: detail.jobId, status: "completed", width_px: job.width_px, height_px: job.height_px, wallet_transaction_id: "" });
    for (const [key, file] of [["outputUrl", "output_url"], ["cutSvgUrl", "cut_svg_url"], ["cutPdfUrl", "cut_pdf_url"]] as const) {
      expect(detail[key], key).toBe(detail.job[file]);
      expect(new URL(detail[key]).pathname, key).toBe(new URL(job[file]).pathname);
    }

    // The PNG and the SVG over it fill one box, at the PNG's proportions.
    type Img = { src: string; naturalWidth: number; naturalHeight: number; getBoundingClientRect(): { x: number; y: number; width: number; height: number } };
    const layers = await page.locator("printcart-sticker#sticker .stack img").evaluateAll((imgs) =>
      (imgs as unknown as Img[]).map((img) => {
        const r = img.getBoundingClientRect();
        return { src: img.src, natural: [img.naturalWidth, img.naturalHeight], box: [r.x, r.y, r.width, r.height] };
      }),
    );
    expect(layers.map((l) => l.src)).toEqual([detail.outputUrl, detail.cutSvgUrl]);
    expect(layers[0]!.natural).toEqual([job.width_px, job.height_px]);
    // Layout places each within a sixty-fourth of a pixel: "the same box" is within half a pixel.
    layers[1]!.box.forEach((v, i) => expect(Math.abs(v - layers[0]!.box[i]!), `box ${layers[1]!.box} against ${layers[0]!.box}`).toBeLessThan(0.5));
    const boxWidth = layers[0]!.box[2]!;
    expect(Math.abs(boxWidth / layers[0]!.box[3]! - job.width_px / job.height_px)).toBeLessThan(0.02);
    // The line is there to see: about as many magenta pixels as it is long on screen.
    const lineOnScreenPx = job.cut_length_mm * (boxWidth / ((job.width_px * 25.4) / job.dpi));
    const magenta = magentaPixels(await page.locator("printcart-sticker#sticker .stack").screenshot());
    expect(magenta, `${magenta} magenta pixels for a line of ${Math.round(lineOnScreenPx)} px`).toBeGreaterThan(0.8 * lineOnScreenPx);
    expect(magenta).toBeLessThan(4 * lineOnScreenPx);
    await page.locator("printcart-sticker#sticker").scrollIntoViewIfNeeded();
    await shot(page, "widget-08-sticker");

    // The shop paid what the job charged, once.
    expect((await http("/v1/wallet", { token: accountToken })).body.data).toEqual({ balance: balanceBefore - job.tokens_charged, held: 0, currency: "tokens" });
    expect(messages.filter((m) => /Content Security Policy|uncaught/i.test(m))).toEqual([]);
    await page.close();
  }, 320_000);

  it("says so when the shop's widget token lacks the stickers scope, and charges nothing", async () => {
    const before = await http("/v1/wallet/transactions", { token: accountToken });
    const { page } = await openShop(allowedOrigin());
    await page.locator("printcart-sticker#unscoped input[type=file]").setInputFiles(ALPHA_PNG);
    const error = page.locator("printcart-sticker#unscoped .error");
    await expect.poll(() => error.textContent(), { timeout: 30_000 }).toBe("This page's connection to the service has expired or is not allowed. Please reload the page.");
    expect(await error.getAttribute("role")).toBe("alert");
    const failed = (await events(page)).filter((e) => e.element === "printcart-sticker");
    expect(failed.map((e) => e.type)).toEqual(["printcart:failed"]);
    expect(failed[0]!.detail).toMatchObject({ status: 403, error: "FORBIDDEN" });
    expect(failed[0]!.detail.message).toContain("stickers");
    await page.locator("printcart-sticker#unscoped").scrollIntoViewIfNeeded();
    await shot(page, "widget-09-sticker-unscoped");
    const debits = (res: { body: { data: { type: string }[] } }) => res.body.data.filter((t) => t.type === "debit");
    expect(debits(await http("/v1/wallet/transactions", { token: accountToken }))).toEqual(debits(before));
    await page.close();
  }, 60_000);

  it("is refused by the browser's CORS check on an origin the shop has not allowed", async () => {
    const before = await http("/v1/wallet/transactions", { token: accountToken });
    const { page, console: messages } = await openShop(strangerOrigin());
    await page.locator("printcart-bg-remove input[type=file]").setInputFiles(PHOTO);
    const error = page.locator("printcart-bg-remove .error");
    await expect.poll(() => error.textContent(), { timeout: 30_000 }).toBe("The service could not be reached from this page. Please try again later.");
    await page.locator("printcart-bg-remove").scrollIntoViewIfNeeded();
    await shot(page, "widget-05-refused-origin");

    expect(messages.some((m) => /blocked by CORS policy/.test(m) && m.includes(strangerOrigin()))).toBe(true);
    const failed = (await events(page)).find((e) => e.type === "printcart:failed");
    expect(failed?.detail).toMatchObject({ status: 0, error: "NETWORK" });
    // Nothing was charged.
    const debits = (res: { body: { data: { type: string }[] } }) => res.body.data.filter((t) => t.type === "debit");
    expect(debits(await http("/v1/wallet/transactions", { token: accountToken }))).toEqual(debits(before));
    await page.close();
  }, 60_000);

  it("works with the shop.mjs of docs/widgets.md, copied as it is", async () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, "../../docs/widgets.md"), "utf8");
    const code = /```js\n(\/\/ shop\.mjs[\s\S]*?)\n```/.exec(doc)?.[1];
    expect(code, "docs/widgets.md has the shop.mjs snippet").toBeDefined();
    const dir = mkdtempSync(path.join(tmpdir(), "printcart-shop-"));
    writeFileSync(path.join(dir, "shop.mjs"), code!);
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, ["shop.mjs"], {
      cwd: dir,
      env: { ...process.env, PRINTCART_API: baseUrl(), PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let output = "";
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`shop.mjs did not start:\n${output}`)), 30_000);
        child.stdout!.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes("shop: ")) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.once("exit", (code) => reject(new Error(`shop.mjs exited with ${code}:\n${output}`)));
      });

      const page = await browser.newPage({ viewport: { width: 1000, height: 1000 } });
      const messages = watch(page);
      await page.goto(`http://localhost:${port}/`);
      await page.locator("printcart-dpi-check input[type=file]").setInputFiles(PHOTO);
      await page.locator("printcart-dpi-check .stars").waitFor({ timeout: 30_000 });
      await page.locator("printcart-bg-remove input[type=file]").setInputFiles(PHOTO);
      await waitForCutout(page, messages);
      await page.locator("printcart-bg-remove").scrollIntoViewIfNeeded();
      await shot(page, "widget-06-docs-shop");
      // The page's own listener logs each printcart:completed.
      const logged = messages.filter((m) => m.startsWith("log: printcart-")).map((m) => m.split(" ")[1]);
      expect(logged).toEqual(["printcart-dpi-check", "printcart-bg-remove"]);
      await page.close();
    } finally {
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 320_000);

  it("shows all four on the demo page", async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    await page.goto(`${baseUrl()}/widget/demo`);
    await page.waitForFunction(() => (globalThis as unknown as { PrintcartWidgets?: unknown }).PrintcartWidgets !== undefined);
    await page.locator("printcart-dpi-check input[type=file]").setInputFiles(PHOTO);
    await page.locator("printcart-dpi-check .stars").waitFor({ timeout: 30_000 });
    // Another print size rates the same photo again.
    await page.getByLabel("Print size").selectOption("8x10");
    await expect.poll(() => page.locator("printcart-dpi-check .ppi").textContent(), { timeout: 30_000 }).toContain("gives 30 ppi at 8 × 10 in (150 ppi needed)");
    expect(await page.locator("#shop-status").textContent()).toMatch(/Minted a widget token for dpi-score/);
    expect(await page.getByRole("group", { name: "Sticker", exact: true }).isVisible()).toBe(true);
    await shot(page, "widget-07-demo-page");
    await page.close();
  }, 60_000);
});
