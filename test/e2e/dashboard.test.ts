import { readFileSync } from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CHROMIUM_PATH,
  focused,
  focusRingVisible,
  hasChromium,
  launchBrowser,
  magentaPixels,
  requireChromium,
  screenshot,
  skipBrowserTests,
  unlabelledControls,
  watchPageProblems,
  type PageGlobal,
  type PageImage,
} from "./browser";
import { fixtureUrl } from "../helpers/fixtures";
import { baseUrl, http } from "./http";

// The dashboard in Debian's chromium, driven by playwright-core, against `wrangler dev`.
const ADMIN_KEY = "dev-admin-key";
const FIXTURES = path.resolve(import.meta.dirname, "../fixtures");
const PHOTO = path.join(FIXTURES, "bg/chelsea.jpg"); // 451 × 300
const SMALL_RASTER = path.join(FIXTURES, "preflight/jpeg-rgb-72dpi.jpg");
// 240 × 160 with fully transparent corners and a soft elliptical edge: a sticker is cut from its own alpha.
const ALPHA_PNG = path.join(FIXTURES, "preflight/png-alpha-used.png");
const PASSWORD = "Shop-pass-1";
// wrangler dev shares two cores with the rest of the machine: answers can take seconds.
const SLOW = { timeout: 30_000 };

/** Waits until the background-removal page shows a cut-out or says the job failed. */
function bgRemovalEnded(page: Page, timeout: number) {
  return page.waitForFunction(
    () => {
      const { document } = globalThis as unknown as PageGlobal;
      return document.querySelector("#bg-after img[data-loaded]") !== null || /Failed/.test(document.querySelector("#bg-status")?.textContent ?? "");
    },
    null,
    { timeout },
  );
}

// The only reason to skip: no Chromium on a machine outside CI (see skipBrowserTests).
if (skipBrowserTests) console.warn(`[dashboard e2e] skipped: ${CHROMIUM_PATH} is missing (apt-get install chromium)`);

describe.skipIf(skipBrowserTests)("dashboard in a browser", () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  const email = `shop-${Date.now()}@example.com`;
  const url = (pathname: string) => `${baseUrl()}${pathname}`;

  beforeAll(async () => {
    // Only under CI can Chromium be missing here: then beforeEach fails every test with the reason.
    if (!hasChromium) return;
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // wrangler dev reloads whenever a source file changes, and holds requests meanwhile.
    context.setDefaultNavigationTimeout(120_000);
    context.setDefaultTimeout(60_000);
    page = await context.newPage();
    problems = watchPageProblems(page);
  });

  beforeEach(requireChromium);

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === "fail" && page) await screenshot(page, `dashboard-failed-${task.name.replace(/\W+/g, "-").slice(0, 60)}`);
  });

  it("serves pages and assets with a self-only Content-Security-Policy", async () => {
    const res = await fetch(url("/dashboard/login"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const html = await res.text();
    const script = /<script src="([^"]+)"/.exec(html)![1]!;
    const js = await fetch(url(script));
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(url("/dashboard/nowhere"))).status).toBe(404);
  });

  it("sends a visitor to log in, and signs up a new shop", async () => {
    await page.goto(url("/dashboard"));
    await page.waitForURL(/\/dashboard\/login\?next=%2Fdashboard/);
    await expect.poll(() => page.getByRole("heading", { name: "Log in" }).isVisible()).toBe(true);
    await screenshot(page, "01-login");

    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/dashboard\/signup/);
    await page.getByLabel("Shop name").fill("Browser Test Shop");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await screenshot(page, "02-signup");
    await page.getByRole("button", { name: "Create account" }).click();

    await page.waitForURL(url("/dashboard"));
    await expect.poll(() => page.locator("header [data-bind=email]").textContent(), SLOW).toBe(email);
    await expect.poll(() => page.locator("#balance-available").textContent(), SLOW).toBe("0");
  });

  it("answers a 402 in words and leads to Buy tokens", async () => {
    await page.goto(url("/dashboard/bg-remove"));
    await page.getByLabel("Upload from this computer").setInputFiles(PHOTO);
    await page.getByRole("button", { name: /Remove background/ }).click();
    const alert = page.locator("#errors .alert");
    await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toMatch(/Not enough tokens: you need 150 tokens more for this \(your balance is 0 tokens\)/);
    await screenshot(page, "03-bg-remove-402");

    await alert.getByRole("link", { name: "Buy tokens" }).click();
    await page.waitForURL(/\/dashboard\/wallet\?tab=buy$/);
    await page.getByRole("button", { name: "Buy Studio" }).click();
    await expect.poll(() => page.locator("#buy-notice").textContent(), SLOW).toContain("Studio pack (5,000 tokens)");
    await expect.poll(() => page.locator("#buy-tokens").textContent()).toBe("5000");
    await screenshot(page, "04-wallet-buy");
  });

  it("shows tokens granted through the admin API (what a payment webhook calls)", async () => {
    const grant = await http("/v1/admin/wallet-grants", {
      headers: { "x-admin-key": ADMIN_KEY },
      body: { email, tokens: 1_000, reason: "token pack Starter", idempotencyKey: `payment-${email}` },
    });
    expect(grant.status).toBe(201);
    await page.getByRole("button", { name: "Refresh balance" }).click();
    await expect.poll(() => page.locator("header [data-bind=balance]").textContent(), SLOW).toBe("1,000");
    expect(await page.content()).not.toContain(ADMIN_KEY);

    await page.goto(url("/dashboard"));
    await expect.poll(() => page.locator("#balance-available").textContent(), SLOW).toBe("1,000");
    await screenshot(page, "05-overview");
  });

  it("rates DPI instantly on Preflight AI", async () => {
    await page.goto(url("/dashboard/preflight"));
    await page.getByLabel("Image width (pixels)").fill("6000");
    await page.getByLabel("Image height (pixels)").fill("4000");
    await page.getByLabel("Canvas width (inches)").first().fill("30");
    await page.getByLabel("Canvas height (inches)").first().fill("20");
    await page.getByLabel("Product type").first().selectOption("poster");
    const result = page.locator("#dpi-result");
    // 6000 px over 30 in is 200 ppi against a poster's 150: ratio 1.33, four stars.
    await expect.poll(() => result.textContent(), SLOW).toContain("200 ppi (Poster needs at least 150)");
    expect(await result.getByRole("img").getAttribute("aria-label")).toBe("4 of 5 stars");
    expect(await result.locator(".score-label").textContent()).toBe("Good");
    await screenshot(page, "06-preflight-dpi");
  });

  let jobId = "";

  it("removes the background of a real photo and shows the result", async () => {
    await page.goto(url("/dashboard/bg-remove"));
    await page.getByLabel("Upload from this computer").setInputFiles(PHOTO);
    await page.getByLabel("Subject type").selectOption("auto");
    await page.getByRole("button", { name: "Remove background (150 tokens)" }).click();
    // The address names the job as soon as it is created.
    await page.waitForURL(/\?job=/, SLOW);
    jobId = new URL(page.url()).searchParams.get("job") ?? "";

    // The first job of a fresh server loads the model; on a busy machine that takes a while.
    await bgRemovalEnded(page, 560_000);
    expect(await page.locator("#errors").textContent()).toBe("");
    const after = page.locator("#bg-after img[data-loaded]");
    const size = await after.evaluate((img: PageImage) => [img.naturalWidth, img.naturalHeight]);
    expect(size).toEqual([451, 300]);
    await expect.poll(() => page.locator("#bg-status").textContent()).toMatch(/^Completed/);
    expect(await page.locator("#bg-before img").getAttribute("src")).toMatch(/^blob:/);
    const download = page.getByRole("link", { name: "Download PNG" });
    expect(await download.getAttribute("href")).toContain("/v1/files/");
    expect(new URL(page.url()).searchParams.get("job")).toBe(jobId);
    await screenshot(page, "07-bg-remove-result");
  }, 600_000);

  it("lists the debit in Transactions, linked to its job", async () => {
    await page.goto(url("/dashboard/wallet"));
    const debit = page.locator("#tx-table tr[data-type=debit]");
    await debit.waitFor(SLOW);
    expect(await debit.textContent()).toMatch(/Charged.*Background Removal.*−150.*850/);
    expect(await debit.getByRole("link").getAttribute("href")).toBe(`/dashboard/bg-remove?job=${jobId}`);
    expect(await page.locator("#tx-table tr[data-type=grant]").textContent()).toMatch(/Tokens added.*token pack Starter.*\+1,000/);
    await screenshot(page, "08-wallet-transactions");

    await page.getByLabel("Service", { exact: true }).selectOption("bg-remove");
    await page.waitForURL(/service=bg-remove/);
    await expect.poll(() => page.locator("#tx-table tr[data-type=grant]").count(), SLOW).toBe(0);
    expect(await page.locator("#tx-table tbody tr").count()).toBeGreaterThanOrEqual(2); // debit and capture

    await page.goto(url("/dashboard"));
    const job = page.locator("#recent-jobs tbody tr").first();
    await job.waitFor(SLOW);
    expect(await job.textContent()).toMatch(/Background Removal.*Completed.*150/);
    await expect.poll(() => page.locator("#spent-total").textContent(), SLOW).toBe("150");
    await screenshot(page, "09-overview-usage");

    await job.getByRole("link").click();
    await page.locator("#bg-after img[data-loaded]").waitFor({ timeout: 30_000 });
  });

  it("labels every form control and keeps focus visible and in order", async () => {
    for (const pathname of ["/dashboard/bg-remove", "/dashboard/stickers", "/dashboard/preflight", "/dashboard/upscale", "/dashboard/wallet", "/dashboard/wallet?tab=buy"]) {
      await page.goto(url(pathname));
      expect(await unlabelledControls(page), pathname).toEqual([]);
    }
    await page.goto(url("/dashboard/upscale"));
    await screenshot(page, "11-upscale-form");

    // A phone-sized window: the navigation wraps above the page and nothing is wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(url("/dashboard/bg-remove"));
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobal).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, "13-bg-remove-phone");
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }

    await page.goto(url("/dashboard/bg-remove"));
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("a:Skip to content");
    expect(await focusRingVisible(page)).toBe(true);
    await page.keyboard.press("Enter");
    expect(await focused(page)).toBe("#main");
    const order: string[] = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press("Tab");
      order.push(await focused(page));
      expect(await focusRingVisible(page), order.at(-1)).toBe(true);
    }
    expect(order).toEqual([
      "#bg-url",
      "#bg-file",
      "#subject_type",
      "#edge_softness",
      "#keep_existing_alpha",
      "#high_detail_mode",
      "input[name=output_background][value=transparent]",
      "#bg-submit",
    ]);
    expect(await page.locator("#bg-status").getAttribute("aria-live")).toBe("polite");

    // Log out, then log in with the keyboard alone.
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(/\/dashboard\/login\?reason=logout/);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobal).sessionStorage.length)).toBe(0);
    expect(await page.locator("#notice").textContent()).toContain("You have logged out.");
    expect(await unlabelledControls(page)).toEqual([]);
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("#email");
    await page.keyboard.type(email);
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("#password");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await page.waitForURL(url("/dashboard"));
    await expect.poll(() => page.locator("#balance-available").textContent(), SLOW).toBe("850");
  });

  it("says what went wrong with a wrong password", async () => {
    const fresh = await context.newPage();
    await fresh.goto(url("/dashboard/login"));
    await fresh.getByLabel("Email").fill(email);
    await fresh.getByLabel("Password").fill("Wrong-pass-1");
    await fresh.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => fresh.locator("#errors").textContent(), SLOW).toContain("That email and password don't match an account.");
    await fresh.close();
  });

  it("keeps a cut-out PNG's own transparency when asked, whatever the subject type, and says so", async () => {
    await page.goto(url("/dashboard/bg-remove"));
    const box = page.getByLabel("Cut along the image's own transparency when it has some");
    const subject = page.getByLabel("Subject type");
    // Until it is clicked, the box follows the subject type: ticked where the API keeps a source's alpha by default.
    expect(await box.isChecked()).toBe(false);
    const followed: [string, boolean][] = [];
    for (const type of ["logo", "product", "text", "hair_heavy"]) {
      await subject.selectOption(type);
      followed.push([type, await box.isChecked()]);
    }
    expect(followed).toEqual([["logo", true], ["product", false], ["text", true], ["hair_heavy", false]]);
    // Once clicked, it is the user's: another subject type leaves it as it is.
    await subject.selectOption("product");
    await box.check();
    await subject.selectOption("person");
    expect(await box.isChecked()).toBe(true);

    await page.getByLabel("Upload from this computer").setInputFiles(ALPHA_PNG);
    await page.getByRole("button", { name: "Remove background (150 tokens)" }).click();
    await page.waitForURL(/\?job=/, SLOW);
    const keptId = new URL(page.url()).searchParams.get("job")!;
    await bgRemovalEnded(page, 120_000);
    expect(await page.locator("#errors").textContent()).toBe("");
    expect(await page.locator("#bg-after img[data-loaded]").evaluate((img: PageImage) => [img.naturalWidth, img.naturalHeight])).toEqual([240, 160]);

    // A person's default would have sent the PNG to the model: the job kept its alpha because the box said so.
    const login = await http("/v1/account/login", { body: { email, password: PASSWORD } });
    const job = (await http(`/v1/services/bg-remove/${keptId}`, { token: login.body.access_token })).body;
    expect(job).toMatchObject({ status: "completed", subject_type: "person", keep_existing_alpha: true, alpha_source: "own_alpha" });
    expect(await page.locator("#bg-alpha-source").getAttribute("data-alpha-source")).toBe(job.alpha_source);
    expect(await page.locator("#bg-meta").textContent()).toContain("Own transparencyKept when the image has someCut fromThe image's own transparency");
    await screenshot(page, "19-bg-remove-own-alpha");

    // Reopened from its address, the job shows the same.
    await page.reload();
    await expect.poll(() => page.locator("#bg-alpha-source").textContent(), SLOW).toBe("The image's own transparency");
  }, 180_000);

  it("makes a sticker and shows the cut line over it, with PNG, SVG and PDF downloads", async () => {
    await page.goto(url("/dashboard/stickers"));
    expect(await page.getByRole("link", { name: "Stickers", exact: true }).getAttribute("aria-current")).toBe("page");
    expect(await unlabelledControls(page)).toEqual([]);
    // From the skip link, the keyboard goes through the form in reading order, each stop with its ring.
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("a:Skip to content");
    await page.keyboard.press("Enter");
    const order: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("Tab");
      order.push(await focused(page));
      expect(await focusRingVisible(page), order.at(-1)).toBe(true);
    }
    expect(order).toEqual([
      "#stk-url",
      "#stk-file",
      "#size_inches",
      "#dpi",
      "#border_mm",
      "#border_color",
      "#bleed_mm",
      "#min_radius_mm",
      "#subject_type",
      "#keep_existing_alpha",
      "#single_piece",
      "#stk-submit",
    ]);
    await page.getByLabel("Upload from this computer").setInputFiles(ALPHA_PNG);
    await page.getByLabel("Size (inches)").fill("2");
    await page.getByLabel("Border (mm)").fill("3");
    await page.getByLabel("Bleed (mm)").fill("2");
    await page.getByRole("button", { name: "Make sticker (up to 180 tokens)" }).click();
    await page.waitForURL(/\?job=stk_/, SLOW);
    const stickerId = new URL(page.url()).searchParams.get("job")!;
    await page.waitForFunction(
      () => {
        const { document } = globalThis as unknown as PageGlobal;
        return document.querySelectorAll("#stk-stack img[data-loaded]").length === 2 || /Failed/.test(document.querySelector("#stk-status")?.textContent ?? "");
      },
      null,
      { timeout: 300_000 },
    );
    expect(await page.locator("#errors").textContent()).toBe("");
    await expect.poll(() => page.locator("#stk-status").textContent()).toMatch(/^Completed/);

    // What the page shows is what the API says of the job, and the job is what the form asked for.
    const login = await http("/v1/account/login", { body: { email, password: PASSWORD } });
    const job = (await http(`/v1/services/stickers/${stickerId}`, { token: login.body.access_token })).body;
    expect(job).toMatchObject({ status: "completed", size_inches: 2, dpi: 300, border_mm: 3, bleed_mm: 2, min_radius_mm: 1, border_color: "#FFFFFF", single_piece: true });
    expect(await page.locator("#stk-tokens").getAttribute("data-tokens")).toBe(String(job.tokens_charged));
    expect(await page.locator("#stk-tokens").textContent()).toMatch(new RegExp(`^${job.tokens_charged} tokens`));
    expect(await page.locator("#stk-pieces").textContent()).toBe(String(job.pieces));
    expect(await page.locator("#stk-cut-length").textContent()).toBe(`${Math.round(job.cut_length_mm * 10) / 10} mm`);

    // The PNG and the SVG over it fill one box: the PNG's, at the PNG's own proportions.
    const layers = await page.locator("#stk-stack img").evaluateAll((imgs) =>
      (imgs as unknown as { src: string; naturalWidth: number; naturalHeight: number; getBoundingClientRect(): { x: number; y: number; width: number; height: number } }[]).map((img) => {
        const r = img.getBoundingClientRect();
        return { src: img.src, natural: [img.naturalWidth, img.naturalHeight], box: [r.x, r.y, r.width, r.height] };
      }),
    );
    // Each answer signs its links afresh: the files are the same, the signatures not.
    const file = (link: string) => new URL(link).pathname;
    expect(layers.map((l) => file(l.src))).toEqual([file(job.output_url), file(job.cut_svg_url)]);
    expect(layers[0]!.natural).toEqual([job.width_px, job.height_px]);
    // Layout places each within a sixty-fourth of a pixel: "the same box" is within half a pixel.
    layers[1]!.box.forEach((v, i) => expect(Math.abs(v - layers[0]!.box[i]!), `box ${layers[1]!.box} against ${layers[0]!.box}`).toBeLessThan(0.5));
    const [, , boxWidth, boxHeight] = layers[0]!.box as [number, number, number, number];
    expect(Math.abs(boxWidth / boxHeight - job.width_px / job.height_px)).toBeLessThan(0.02);
    // The SVG's canvas in mm is the PNG's at its dpi, so one box overlays them exactly.
    const svg = await (await fetch(job.cut_svg_url)).text();
    const mmPerPx = 25.4 / job.dpi;
    expect(Number(/<svg[^>]*\swidth="([\d.]+)mm"/.exec(svg)![1])).toBeCloseTo(job.width_px * mmPerPx, 2);
    expect(Number(/<svg[^>]*\sheight="([\d.]+)mm"/.exec(svg)![1])).toBeCloseTo(job.height_px * mmPerPx, 2);

    // The cut line can be seen: about as many magenta pixels as the line is long on screen, none without it.
    const stack = page.locator("#stk-stack");
    const lineOnScreenPx = job.cut_length_mm * (boxWidth / (job.width_px * mmPerPx));
    const withLine = magentaPixels(await stack.screenshot());
    await page.locator("#stk-stack .cut-line").evaluate((img) => ((img as unknown as { style: { visibility: string } }).style.visibility = "hidden"));
    const withoutLine = magentaPixels(await stack.screenshot());
    await page.locator("#stk-stack .cut-line").evaluate((img) => ((img as unknown as { style: { visibility: string } }).style.visibility = ""));
    expect(withLine, `${withLine} magenta pixels for a line of ${Math.round(lineOnScreenPx)} px`).toBeGreaterThan(0.8 * lineOnScreenPx);
    expect(withLine).toBeLessThan(4 * lineOnScreenPx);
    expect(withoutLine).toBeLessThan(0.02 * lineOnScreenPx);
    await screenshot(page, "17-sticker-result");

    // The three downloads are links to the files, each the kind it says.
    const downloads: [string, string, string][] = [
      ["Download PNG", "image/png", "\x89PNG"],
      ["Download cut line (SVG)", "image/svg+xml", "<?xml"],
      ["Download print PDF", "application/pdf", "%PDF-"],
    ];
    const hrefs: string[] = [];
    for (const [name, type, magic] of downloads) {
      const link = page.getByRole("link", { name });
      const href = (await link.getAttribute("href"))!;
      expect(await link.getAttribute("download"), name).toMatch(new RegExp(`^sticker-${stickerId}`));
      const res = await fetch(href);
      expect(res.status, name).toBe(200);
      expect(res.headers.get("content-type"), name).toBe(type);
      expect(Buffer.from(await res.arrayBuffer()).subarray(0, magic.length).toString("latin1"), name).toBe(magic);
      hrefs.push(href);
    }
    expect(hrefs.map(file)).toEqual([job.output_url, job.cut_svg_url, job.cut_pdf_url].map(file));

    // Its charge in Transactions links back to this page, and the page reopens the job.
    await page.goto(url("/dashboard/wallet?service=stickers"));
    const debit = page.locator("#tx-table tr[data-type=debit]");
    await debit.waitFor(SLOW);
    expect(await debit.textContent()).toMatch(/Stickers/);
    expect(await debit.getByRole("link").getAttribute("href")).toBe(`/dashboard/stickers?job=${stickerId}`);
    await debit.getByRole("link").click();
    await page.locator("#stk-stack img.cut-line[data-loaded]").waitFor({ timeout: 30_000 });
  }, 360_000);

  it("says why a sticker cannot be made, before and after sending", async () => {
    await page.goto(url("/dashboard/stickers"));
    // Over the pixel limit: said on the page, with the dpi that would fit, and nothing sent.
    await page.getByLabel("Link to the file").fill(`${baseUrl()}/nowhere.png`);
    await page.getByLabel("Size (inches)").fill("10");
    await page.getByLabel("Resolution (dpi)").fill("600");
    await page.getByRole("button", { name: /Make sticker/ }).click();
    await expect.poll(() => page.locator("#errors .alert").textContent(), SLOW).toBe(
      "At 10 in, the resolution can be at most 500 dpi: the cut line's longest side is limited to 5,000 pixels.",
    );
    expect(await focused(page)).toBe("#dpi");
    // A border that leaves no artwork: the API's 400, its field named in words.
    await page.getByLabel("Size (inches)").fill("0.5");
    await page.getByLabel("Resolution (dpi)").fill("300");
    await page.getByLabel("Border (mm)").fill("5");
    await page.getByRole("button", { name: /Make sticker/ }).click();
    await expect.poll(() => page.locator("#errors .alert").textContent(), SLOW).toMatch(/Please check these details:.*Border leaves less than 5 mm of artwork/);
    // A link the job cannot read: the job fails, says so, and the tokens come back.
    await page.getByLabel("Border (mm)").fill("2");
    await page.getByRole("button", { name: /Make sticker/ }).click();
    await expect.poll(() => page.locator("#stk-status").textContent(), { timeout: 120_000 }).toBe("Failed");
    expect(await page.locator("#errors .alert").textContent()).toMatch(/^The sticker could not be made: .*(refunded)/);
    expect(await page.locator("#stk-tokens").textContent()).toBe("None: 180 tokens were held and refunded");
    await screenshot(page, "18-sticker-failed");
  }, 180_000);

  /** A bearer token and an uploaded copy of a fixture, for checking the services behind a browser walk through the API. */
  async function uploadThroughApi(file: string): Promise<{ token: string; fileUrl: string }> {
    const login = await http("/v1/account/login", { body: { email, password: PASSWORD } });
    expect(login.status, `log in through the API: ${JSON.stringify(login.body)}`).toBe(200);
    const token = login.body.access_token as string;
    const upload = await fetch(url("/v1/services/uploads"), {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "image/jpeg" },
      body: readFileSync(file),
    });
    const uploaded = (await upload.json()) as { data?: { fileUrl: string } };
    expect(upload.status, `upload through the API: ${JSON.stringify(uploaded)}`).toBe(201);
    return { token, fileUrl: uploaded.data!.fileUrl };
  }

  /**
   * The API behind the preflight page answers a full check with a report: when
   * it does not, the test fails here with the API's answer rather than later
   * with a browser timeout.
   */
  async function expectFullCheckReport(): Promise<{ token: string; reportId: string }> {
    const { token, fileUrl } = await uploadThroughApi(SMALL_RASTER);
    const report = await http("/v1/services/preflight/checks", { token, body: { designId: "api-check", fileUrl } });
    expect(report.status, `full preflight check through the API: ${JSON.stringify(report.body)}`).toBe(201);
    return { token, reportId: report.body.data.reportId as string };
  }

  let fixJobCompleted: Promise<void> | undefined;
  /** An AI fix job completes through the API (asked once: it costs 30 tokens); fails with the job's error otherwise. */
  function expectFixJobCompletes(): Promise<void> {
    fixJobCompleted ??= (async () => {
      const { token, reportId } = await expectFullCheckReport();
      const job = await http("/v1/services/preflight/ai-jobs", { token, body: { preflightReportId: reportId, options: { fixTypes: ["upscale_resolution_2x"] } } });
      expect(job.status, `AI fix job through the API: ${JSON.stringify(job.body)}`).toBe(202);
      let last: { status: string; errorMessage?: string | null } = job.body.data;
      for (let i = 0; i < 60 && last.status !== "completed" && last.status !== "failed"; i++) {
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const polled = await http(`/v1/services/preflight/ai-jobs/${job.body.data.jobId}`, { token });
        expect(polled.status, `polling the AI fix job: ${JSON.stringify(polled.body)}`).toBe(200);
        last = polled.body.data;
      }
      expect(last.status, `AI fix job through the API ended ${last.status}: ${last.errorMessage ?? "no error message"}`).toBe("completed");
    })();
    return fixJobCompleted;
  }

  it("shows a full preflight check, fixes an issue and approves the result", async () => {
    await expectFullCheckReport();
    await page.goto(url("/dashboard/preflight"));
    await page.getByLabel("Upload from this computer").setInputFiles(SMALL_RASTER);
    await page.getByRole("button", { name: "Run full check" }).click();
    const firstIssue = page.locator("#report-body tbody tr").first();
    await firstIssue.waitFor({ timeout: 60_000 });
    // 300 × 300 px at 72 dpi: too little resolution for 300 dpi, fixable by upscaling.
    expect(await page.locator("#report-body").textContent()).toMatch(/Failed.*LOW_RESOLUTION/);
    expect(await firstIssue.locator(".badge").textContent()).toBe("Error");
    const fix = firstIssue.getByRole("button", { name: /^Upscale/ });
    await fix.click();
    await expect.poll(() => page.locator("#fix-body").textContent(), SLOW).toMatch(/estimated cost up to 50 tokens/);
    expect(await focused(page)).toBe("#fix-heading");
    await screenshot(page, "10-preflight-report");
    await page.getByRole("button", { name: "Cancel" }).click();
    expect(await page.locator("#fix").isHidden()).toBe(true);

    await expectFixJobCompletes();
    await fix.click();
    await page.getByRole("button", { name: "Start the fix (up to 50 tokens)" }).click();
    const approve = page.getByRole("button", { name: "Approve" });
    await approve.waitFor({ timeout: 120_000 });
    expect(await page.locator("#fix-body").textContent()).toMatch(/Completed.*Upscale 4×.*50 tokens/);
    await approve.click();
    await expect.poll(() => page.locator("#fix-body").textContent(), SLOW).toContain("Approved. The corrected file was checked again");
    expect(await page.locator("#fix-body .badge").first().textContent()).toBe("Completed");
    await screenshot(page, "14-preflight-fix-approved");
  }, 240_000);

  it("upscales an image 2× and compares it", async () => {
    await expectFixJobCompletes();
    await page.goto(url("/dashboard/upscale"));
    await page.getByLabel("Upload from this computer").setInputFiles(SMALL_RASTER);
    await page.getByLabel(/^2×/).check();
    await page.getByRole("button", { name: /^Upscale 2×/ }).click();
    const after = page.locator("#up-after img[data-loaded]");
    await after.waitFor({ timeout: 120_000 });
    const before = await page.locator("#up-before img").evaluate((img: PageImage) => img.naturalWidth);
    expect(await after.evaluate((img: PageImage) => img.naturalWidth)).toBe(before * 2);
    await page.getByLabel(/Compare a detail/).check();
    await screenshot(page, "12-upscale-result");
  }, 240_000);

  /** A table row inside the page, as far as the usage test reads it. */
  interface TableRow {
    textContent: string | null;
    querySelector(selector: string): TableRow | null;
    querySelectorAll(selector: string): ArrayLike<TableRow>;
  }

  /** Polls a job's GET endpoint until it is completed or failed. */
  async function finalStatus(path: string, token: string, read: (body: any) => { status: string; errorMessage?: string | null }) {
    let last: { status: string; errorMessage?: string | null } = { status: "" };
    for (let i = 0; i < 60 && last.status !== "completed" && last.status !== "failed"; i++) {
      const polled = await http(path, { token });
      expect(polled.status, `polling ${path}: ${JSON.stringify(polled.body)}`).toBe(200);
      last = read(polled.body);
      if (last.status !== "completed" && last.status !== "failed") await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    return last;
  }

  it("shows usage per day, service and shopper, and downloads the same numbers as CSV", async () => {
    // A shop of its own, so the numbers do not depend on the walk above.
    const usageEmail = `usage-${Date.now()}@example.com`;
    expect((await http("/v1/account", { body: { email: usageEmail, password: PASSWORD, name: "Usage Shop" } })).status).toBe(201);
    const login = await http("/v1/account/login", { body: { email: usageEmail, password: PASSWORD } });
    const token = login.body.access_token as string;
    const granted = await http("/v1/admin/wallet-grants", {
      headers: { "x-admin-key": ADMIN_KEY },
      body: { email: usageEmail, tokens: 500, reason: "usage test", idempotencyKey: `usage-${usageEmail}` },
    });
    expect(granted.status).toBe(201);

    // Activity through the API: a fix job that completes (30 tokens), a background removal whose source is a 404 (150 charged, 150 refunded).
    const report = await http("/v1/services/preflight/checks", {
      token,
      body: { designId: "usage", fileUrl: fixtureUrl("preflight/jpeg-rgb-72dpi.jpg"), productProfile: { requiredDpi: 300, bleedMm: 0 }, canvasWidthInches: 2, canvasHeightInches: 2 },
    });
    expect(report.status, `full check: ${JSON.stringify(report.body)}`).toBe(201);
    const fix = await http("/v1/services/preflight/ai-jobs", { token, body: { preflightReportId: report.body.data.reportId, options: { fixTypes: ["upscale_resolution_2x"] } } });
    expect(fix.status, `fix job: ${JSON.stringify(fix.body)}`).toBe(202);
    const removal = await http("/v1/services/bg-remove", { token, body: { image_url: fixtureUrl("404", "status") } });
    expect(removal.status, `background removal: ${JSON.stringify(removal.body)}`).toBe(202);
    const fixEnd = await finalStatus(`/v1/services/preflight/ai-jobs/${fix.body.data.jobId}`, token, (b) => b.data);
    expect(fixEnd.status, `fix job ended ${fixEnd.status}: ${fixEnd.errorMessage ?? ""}`).toBe("completed");
    const removalEnd = await finalStatus(`/v1/services/bg-remove/${removal.body.job_id}`, token, (b) => ({ status: b.status, errorMessage: b.error_message }));
    expect(removalEnd.status).toBe("failed");

    const byService = await http("/v1/usage?group_by=service", { token });
    expect(byService.body.data).toEqual([
      { group: "bg-remove", charged: 150, refunded: 150, net: 0, captured: 0, jobsCompleted: 0, jobsFailed: 1 },
      { group: "preflight-ai-fix", charged: 30, refunded: 0, net: 30, captured: 30, jobsCompleted: 1, jobsFailed: 0 },
    ]);
    const { from, to } = byService.body.meta as { from: string; to: string };
    const byDay = (await http("/v1/usage", { token })).body;

    const usageContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    usageContext.setDefaultNavigationTimeout(120_000);
    usageContext.setDefaultTimeout(60_000);
    const p = await usageContext.newPage();
    const pageProblems = watchPageProblems(p);
    try {
      await p.goto(url("/dashboard/login?next=%2Fdashboard%2Fusage"));
      await p.getByLabel("Email").fill(usageEmail);
      await p.getByLabel("Password").fill(PASSWORD);
      await p.getByRole("button", { name: "Log in" }).click();
      await p.waitForURL(url("/dashboard/usage"));
      expect(await p.getByRole("link", { name: "Usage", exact: true }).getAttribute("aria-current")).toBe("page");

      const rows = p.locator("#usage-rows tbody tr");
      /** Each table row as its label and its six numbers, as shown. */
      const cells = (selector: string) =>
        p.locator(selector).evaluateAll((trs) =>
          (trs as unknown as TableRow[]).map((tr) => [tr.querySelector("th span")?.textContent ?? "", ...Array.from(tr.querySelectorAll("td"), (td) => td.textContent ?? "")]),
        );
      const shown = () => cells("#usage-rows tbody tr");
      const asShown = (data: { group: string | null; [k: string]: unknown }[], label: (group: string | null) => string) =>
        data.map((r) => [label(r.group), ...["charged", "refunded", "net", "captured", "jobsCompleted", "jobsFailed"].map((k) => (r[k] as number).toLocaleString("en-US"))]);

      // The default range is the API's: the last 30 days, by day.
      await rows.first().waitFor(SLOW);
      expect(await p.locator("#usage-from").inputValue()).toBe(byDay.meta.from);
      expect(await p.locator("#usage-to").inputValue()).toBe(byDay.meta.to);
      expect(await shown()).toEqual(asShown(byDay.data, (g) => g ?? ""));
      expect(await p.locator("#usage-net").textContent()).toBe("30");
      expect(await p.locator("#usage-summary").textContent()).toContain("180 charged, 150 refunded · 500 added (not usage)");
      expect(await p.locator("#usage-jobs-detail").textContent()).toBe("1 completed, 1 failed");
      expect(await unlabelledControls(p)).toEqual([]);

      await p.locator("#usage-group").selectOption("service");
      await p.getByRole("button", { name: "Show usage" }).click();
      await p.waitForURL(/group_by=service/);
      await expect.poll(() => p.locator("#usage-table-heading").textContent(), SLOW).toBe("Usage per service");
      const names: Record<string, string> = { "bg-remove": "Background Removal", "preflight-ai-fix": "AI fixes and upscales" };
      expect(await shown()).toEqual(asShown(byService.body.data, (g) => names[g ?? ""] ?? ""));
      expect(await p.locator("#usage-rows tfoot th").textContent()).toBe("Total");
      expect((await cells("#usage-rows tfoot tr"))[0]!.slice(1)).toEqual(["180", "150", "30", "30", "1", "1"]);
      await screenshot(p, "15-usage-by-service");

      // The download is the API's CSV for exactly the range shown.
      const [download] = await Promise.all([p.waitForEvent("download"), p.getByRole("link", { name: "Download CSV" }).click()]);
      expect(download.suggestedFilename()).toBe(`usage_${from}_${to}_by-service.csv`);
      const saved = readFileSync((await download.path())!, "utf8");
      const csv = await fetch(url(`/v1/usage?from=${from}&to=${to}&group_by=service`), { headers: { authorization: `Bearer ${token}`, accept: "text/csv" } });
      expect(saved).toBe(await csv.text());
      expect(saved.split("\r\n")).toEqual([
        "service,charged,refunded,net,captured,jobsCompleted,jobsFailed",
        "bg-remove,150,150,0,0,0,1",
        "preflight-ai-fix,30,0,30,30,1,0",
        "",
      ]);

      // A range over 366 days is refused in words, naming the field.
      await p.locator("#usage-from").fill("2024-01-01");
      await p.locator("#usage-to").fill("2025-06-30");
      await p.getByRole("button", { name: "Show usage" }).click();
      await expect.poll(() => p.locator("#errors .alert").textContent(), SLOW).toMatch(/To the range may span at most 366 days/);

      await p.locator("#usage-from").fill(from);
      await p.locator("#usage-to").fill(to);
      await p.locator("#usage-group").selectOption("shopper");
      await p.getByRole("button", { name: "Show usage" }).click();
      await p.waitForURL(/group_by=shopper/);
      await expect.poll(() => p.locator("#usage-table-heading").textContent(), SLOW).toBe("Usage per shopper");
      expect(await p.locator("#errors").textContent()).toBe("");
      expect(await shown()).toEqual([["(account)", "180", "150", "30", "30", "1", "1"]]);

      // The page's address keeps the choice: a reload shows the same report.
      await p.reload();
      await expect.poll(() => shown(), SLOW).toEqual([["(account)", "180", "150", "30", "30", "1", "1"]]);
      expect(await p.locator("#usage-group").inputValue()).toBe("shopper");
      await screenshot(p, "16-usage-by-shopper");
      expect(pageProblems).toEqual([]);
    } finally {
      await usageContext.close();
    }
  }, 300_000);

  it("logged no uncaught errors and no CSP refusals", () => {
    expect(problems).toEqual([]);
  });
});
