import { beforeAll, describe, expect, it } from "vitest";
import { SUBJECT_TYPES } from "../../src/bg-removal/schemas";
import { api, grant, signUp, workerFetch } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { elements, formById } from "../helpers/html";
import { waitForJob } from "../helpers/jobs";

// The Background Removal page as the Worker serves it. What its own-transparency
// box starts at is checked against the API itself: the keep_existing_alpha a
// job records when the field is left out.

describe("GET /dashboard/bg-remove", () => {
  let html = "";

  beforeAll(async () => {
    const res = await workerFetch("/dashboard/bg-remove");
    expect(res.status).toBe(200);
    html = await res.text();
  });

  it("labels every control of the form, the own-transparency box with its hint", () => {
    const form = formById(html, "bg-form");
    const controls = elements(form, "input|select").filter((a) => a.type !== "hidden");
    expect(controls.map((a) => a.id || `${a.name}=${a.value}`)).toEqual([
      "bg-url",
      "bg-file",
      "subject_type",
      "edge_softness",
      "keep_existing_alpha",
      "high_detail_mode",
      "output_background=transparent",
      "output_background=white",
    ]);
    for (const { id } of controls.filter((a) => a.id)) {
      const labelled = form.includes(`<label for="${id}">`) || new RegExp(`<label class="choice">\\s*<input[^>]*id="${id}"`).test(form);
      expect(labelled, id).toBe(true);
      const hint = controls.find((a) => a.id === id)!["aria-describedby"];
      if (hint) expect(form, `${id}'s hint`).toContain(`id="${hint}"`);
    }
    const box = controls.find((a) => a.id === "keep_existing_alpha")!;
    expect(box).toMatchObject({ type: "checkbox", name: "keep_existing_alpha" });
    expect(form).toMatch(/<label class="choice">\s*<input[^>]*id="keep_existing_alpha"[^>]*>\s*Cut along the image(?:'|&#39;)s own transparency when it has some\s*<\/label>/);
  });

  it("starts the box, for each subject type, where the API's own default is", async () => {
    const shop = await signUp("bg-page-alpha");
    await grant(shop.id, SUBJECT_TYPES.length * 150);
    // Only image_url and subject_type: each job echoes the keep_existing_alpha the API chose. The source is a 404, so each fails and is refunded.
    const defaults = await Promise.all(
      SUBJECT_TYPES.map(async (subject_type) => {
        const created = await api("/v1/services/bg-remove", { token: shop.token, body: { image_url: fixtureUrl("404", "status"), subject_type } });
        expect(created.status, JSON.stringify(created.body)).toBe(202);
        const job = await waitForJob(`/v1/services/bg-remove/${created.body.job_id}`, shop.token);
        expect(job.status).toBe("failed");
        return [subject_type, job.keep_existing_alpha as boolean] as const;
      }),
    );
    // Guards against the API's rule changing under the test: logo and text are the documented ones (docs/background-removal.md).
    expect(defaults.filter(([, keep]) => keep).map(([t]) => t)).toEqual(["logo", "text"]);

    const form = formById(html, "bg-form");
    const box = elements(form, "input").find((a) => a.id === "keep_existing_alpha")!;
    // The page's script ticks the box for exactly these subject types until it is clicked.
    expect(box["data-default-for"]!.split(" ")).toEqual(defaults.filter(([, keep]) => keep).map(([t]) => t));
    // Before any choice, the first subject type is the selected one, and the box is at its default.
    const selected = /<select id="subject_type"[^>]*>\s*<option value="([^"]+)"/.exec(form)![1]!;
    expect("checked" in box).toBe(Object.fromEntries(defaults)[selected]);
    expect((await api("/v1/wallet", { token: shop.token })).body.data.balance).toBe(SUBJECT_TYPES.length * 150);
  });
});
