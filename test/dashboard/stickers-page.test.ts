import { beforeAll, describe, expect, it } from "vitest";
import { api, grant, signUp, workerFetch } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { elements, formById } from "../helpers/html";
import { waitForJob } from "../helpers/jobs";

// The Stickers page as the Worker serves it. Its numbers are checked against
// the API itself: what POST /v1/services/stickers refuses, what it fills in
// when a field is left out, and what it holds.

describe("GET /dashboard/stickers", () => {
  let html = "";
  let res: Response;

  beforeAll(async () => {
    res = await workerFetch("/dashboard/stickers");
    html = await res.text();
  });

  it("is served like every other dashboard page, with Stickers current in the navigation", async () => {
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const other = await workerFetch("/dashboard/bg-remove");
    for (const header of ["content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy", "cache-control"]) {
      expect(res.headers.get(header), header).toBe(other.headers.get(header));
    }
    expect(res.headers.get("content-security-policy")).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(html).toContain('<body data-page="stickers"');
    expect(html).toMatch(/<a href="\/dashboard\/stickers" aria-current="page">Stickers<\/a>/);
    // Other pages link to it without marking it current.
    expect(await other.text()).toMatch(/<a href="\/dashboard\/stickers">Stickers<\/a>/);
    // No inline script or style for the CSP to refuse.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)|<style|\bstyle="/);
  });

  it("labels every control of the form", () => {
    const form = formById(html, "stk-form");
    const controls = elements(form, "input|select").filter((a) => a.type !== "hidden");
    expect(controls.map((a) => a.id)).toEqual([
      "stk-url",
      "stk-file",
      "size_inches",
      "dpi",
      "border_mm",
      "border_color",
      "bleed_mm",
      "min_radius_mm",
      "subject_type",
      "keep_existing_alpha",
      "single_piece",
    ]);
    for (const { id } of controls) {
      const labelled = form.includes(`<label for="${id}">`) || new RegExp(`<label class="choice">\\s*<input[^>]*id="${id}"`).test(form);
      expect(labelled, id).toBe(true);
      const hint = controls.find((a) => a.id === id)!["aria-describedby"];
      if (hint) expect(form, `${id}'s hint`).toContain(`id="${hint}"`);
    }
  });

  it("lets through exactly the numbers the API takes", async () => {
    const shop = await signUp("stk-page-limits");
    const numbers = elements(formById(html, "stk-form"), "input").filter((a) => a.type === "number");
    expect(numbers.map((a) => a.name)).toEqual(["size_inches", "dpi", "border_mm", "bleed_mm", "min_radius_mm"]);
    // The shop has no tokens: a request the API takes ends in 402 before any job exists, one it refuses in 400.
    const source = fixtureUrl("preflight/png-alpha-used.png");
    const probe = async (values: Record<string, number>) => {
      const res = await api("/v1/services/stickers", { token: shop.token, body: { image_url: source, ...values } });
      return res.status === 400 ? (res.body.issues as { path: string }[]).map((i) => i.path) : res.status;
    };
    for (const a of numbers) {
      const [name, min, max] = [a.name!, Number(a.min), Number(a.max)];
      // dpi takes whole numbers only: one below and above; the others take any number.
      const beyond = a.step === "1" ? 1 : 0.01;
      // At 24 in the default 300 dpi is over the pixel limit; 200 is not.
      const others: Record<string, number> = name === "size_inches" ? { dpi: 200 } : {};
      expect(await probe({ ...others, [name]: min }), `${name} at its min ${min}`).toBe(402);
      expect(await probe({ ...others, [name]: max }), `${name} at its max ${max}`).toBe(402);
      expect(await probe({ ...others, [name]: min - beyond }), `${name} below ${min}`).toEqual([name]);
      expect(await probe({ ...others, [name]: max + beyond }), `${name} above ${max}`).toEqual([name]);
    }
    // The product limit the page checks before sending: at 5 in, the limit itself is taken and one dpi more refused.
    const maxLongSidePx = Number(/data-max-long-side-px="(\d+)"/.exec(html)![1]);
    expect(await probe({ size_inches: 5, dpi: maxLongSidePx / 5 })).toBe(402);
    expect(await probe({ size_inches: 5, dpi: maxLongSidePx / 5 + 1 })).toEqual(["dpi"]);
  });

  it("fills in the API's own defaults and shows the tokens it holds", async () => {
    const shop = await signUp("stk-page-defaults");
    await grant(shop.id, 1_000);
    // Only image_url: the job echoes what the API chose for everything else. The source is a 404, so it fails and is refunded.
    const created = await api("/v1/services/stickers", { token: shop.token, body: { image_url: fixtureUrl("404", "status") } });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const job = await waitForJob(`/v1/services/stickers/${created.body.job_id}`, shop.token);

    const form = formById(html, "stk-form");
    const inputs = Object.fromEntries(elements(form, "input").map((a) => [a.id, a]));
    for (const field of ["size_inches", "dpi", "border_mm", "bleed_mm", "min_radius_mm"]) {
      expect(Number(inputs[field]!.value), field).toBe(job[field]);
    }
    expect(inputs.border_color!.value.toUpperCase()).toBe(job.border_color.toUpperCase());
    expect("checked" in inputs.single_piece!).toBe(job.single_piece);
    expect("checked" in inputs.keep_existing_alpha!).toBe(job.keep_existing_alpha);
    const selected = /<select id="subject_type"[^>]*>\s*<option value="([^"]+)"/.exec(form)![1];
    expect(selected).toBe(job.subject_type);

    expect(Number(/Make sticker \(up to (\d+) tokens\)/.exec(form)![1])).toBe(created.body.tokens_deducted);
    expect(job.status).toBe("failed");
    expect((await api("/v1/wallet", { token: shop.token })).body.data.balance).toBe(1_000);
  });

  it("is in the dashboard's script, and a sticker job links to it", async () => {
    const page = await workerFetch(/<script src="([^"]+)"/.exec(html)![1]!);
    const js = await page.text();
    expect(js).toContain("PAGES.stickers = function");
    expect(js).toMatch(/SERVICE_PAGES = \{[^}]*stickers: "\/dashboard\/stickers"/);
    expect(js).toMatch(/SERVICE_NAMES = \{[^}]*stickers: "Stickers"/);
  });
});
