import { beforeAll, describe, expect, it } from "vitest";
import { api, grant, signUp } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { waitForJob } from "../helpers/jobs";
import { expectLedgerConsistent } from "../helpers/wallet";
import { fromPage, mint, shopWithOrigin, type Shop } from "../widgets/helpers";
import { expectedUsage, listedEntries, parseCsv, USAGE, utcDay, type GroupBy, type KnownJob, type ListedEntry } from "./helpers";

// Usage built from real activity through the API: grants, background removals
// made by storefront widgets for two shoppers and by the shop itself, AI fix
// jobs that complete (one below its estimate), jobs that fail; then checked
// against the public transaction list and the jobs' own endpoints.

const SHOPPER_A = "shopper-a";
// A reference a spreadsheet would run as a formula, with a comma and quotes: the CSV must keep it one inert cell.
const SHOPPER_B = '=HYPERLINK("http://evil.example","b"), 2';
const LOGO = "bg/composite-logo.png"; // a logo on a flat background: a colour key, no model needed
const MISSING = () => fixtureUrl("404", "status");

let shop: Shop;
let other: { token: string; id: string };
let otherJobId: string;
const made: Omit<KnownJob, "status" | "completedAt">[] = [];
let jobs: KnownJob[];
let entries: ListedEntry[];
// Wide enough that activity just before or after midnight UTC is inside.
const from = utcDay(-1);
const to = utcDay(1);

async function bgRemoval(token: string, imageUrl: string, shopperRef: string | null, origin?: string): Promise<void> {
  const body = { image_url: imageUrl, subject_type: "logo", edge_softness: 0 };
  const res = origin ? await fromPage(origin, "/v1/services/bg-remove", { token, body }) : await api("/v1/services/bg-remove", { token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  made.push({ id: res.body.job_id, service: "bg-remove", shopperRef });
}

async function fixJob(token: string, fixture: string, fixTypes: string[]): Promise<string> {
  const report = await api("/v1/services/preflight/checks", {
    token,
    body: { designId: "usage", fileUrl: fixtureUrl(fixture), productProfile: { requiredDpi: 300, bleedMm: 0 }, canvasWidthInches: 2, canvasHeightInches: 2 },
  });
  expect(report.status, JSON.stringify(report.body)).toBe(201);
  const res = await api("/v1/services/preflight/ai-jobs", { token, body: { preflightReportId: report.body.data.reportId, options: { fixTypes } } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.data.jobId;
}

async function finalJob(job: Omit<KnownJob, "status" | "completedAt">): Promise<KnownJob> {
  if (job.service === "bg-remove") {
    const done = await waitForJob(`/v1/services/bg-remove/${job.id}`, shop.token);
    return { ...job, status: done.status, completedAt: done.completed_at };
  }
  const done = (await waitForJob(`/v1/services/preflight/ai-jobs/${job.id}`, shop.token)).data;
  return { ...job, status: done.status, completedAt: done.completedAt };
}

async function usage(query: string, token = shop.token, headers: Record<string, string> = {}) {
  return api(`${USAGE}?${query}`, { token, headers });
}

beforeAll(async () => {
  shop = await shopWithOrigin();
  await grant(shop.id, 2_000);
  await grant(shop.id, 500);
  const a = await mint(shop, { services: ["bg-remove"], shopperRef: SHOPPER_A, capTokens: 1_000 });
  const b = await mint(shop, { services: ["bg-remove"], shopperRef: SHOPPER_B, capTokens: 1_000 });

  await bgRemoval(a.token, fixtureUrl(LOGO), SHOPPER_A, shop.origin); // completes: 150
  await bgRemoval(a.token, MISSING(), SHOPPER_A, shop.origin); // fails: 150 back
  await bgRemoval(b.token, MISSING(), SHOPPER_B, shop.origin); // fails: 150 back
  await bgRemoval(shop.token, MISSING(), null); // the shop's own, fails: 150 back
  made.push({ id: await fixJob(shop.token, "preflight/jpeg-rgb-72dpi.jpg", ["upscale_resolution_2x"]), service: "preflight-ai-fix", shopperRef: null }); // 30
  // Flattening an opaque image changes nothing: 50 held, 30 captured, 20 refunded.
  made.push({ id: await fixJob(shop.token, "preflight/png-alpha-opaque.png", ["remove_transparency", "upscale_resolution_2x"]), service: "preflight-ai-fix", shopperRef: null });

  other = await signUp("usage-other");
  await grant(other.id, 100);
  otherJobId = await fixJob(other.token, "preflight/jpeg-rgb-72dpi.jpg", ["upscale_resolution_2x"]);

  jobs = await Promise.all(made.map(finalJob));
  expect((await waitForJob(`/v1/services/preflight/ai-jobs/${otherJobId}`, other.token)).data.status).toBe("completed");
  entries = await listedEntries(shop.token);
}, 240_000);

describe("GET /v1/usage from real activity", () => {
  it("ended the jobs as planned, and the mirror the report reads equals the ledger", async () => {
    expect(jobs.map((j) => [j.service, j.shopperRef, j.status])).toEqual([
      ["bg-remove", SHOPPER_A, "completed"],
      ["bg-remove", SHOPPER_A, "failed"],
      ["bg-remove", SHOPPER_B, "failed"],
      ["bg-remove", null, "failed"],
      ["preflight-ai-fix", null, "completed"],
      ["preflight-ai-fix", null, "completed"],
    ]);
    await expectLedgerConsistent(shop.id);
  });

  it.each<GroupBy>(["day", "service", "shopper"])("matches the transaction list and the jobs, grouped by %s", async (groupBy) => {
    const res = await usage(`from=${from}&to=${to}&group_by=${groupBy}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const expected = expectedUsage(groupBy, from, to, entries, jobs);
    expect(res.body.data).toEqual(expected.data);
    expect(res.body.meta).toEqual({ from, to, groupBy, timezone: "UTC", currency: "tokens", granted: expected.granted, totals: expected.totals });
  });

  it("gives the numbers the ledger's rules imply, per service and per shopper", async () => {
    const byService = (await usage(`from=${from}&to=${to}&group_by=service`)).body;
    expect(byService.data).toEqual([
      { group: "bg-remove", charged: 600, refunded: 450, net: 150, captured: 150, jobsCompleted: 1, jobsFailed: 3 },
      { group: "preflight-ai-fix", charged: 80, refunded: 20, net: 60, captured: 60, jobsCompleted: 2, jobsFailed: 0 },
    ]);
    const byShopper = (await usage(`from=${from}&to=${to}&group_by=shopper`)).body;
    expect(byShopper.data).toEqual([
      { group: null, charged: 230, refunded: 170, net: 60, captured: 60, jobsCompleted: 2, jobsFailed: 1 },
      { group: SHOPPER_B, charged: 150, refunded: 150, net: 0, captured: 0, jobsCompleted: 0, jobsFailed: 1 },
      { group: SHOPPER_A, charged: 300, refunded: 150, net: 150, captured: 150, jobsCompleted: 1, jobsFailed: 1 },
    ]);
    // Every grouping sums to the same totals.
    const byDay = (await usage(`from=${from}&to=${to}`)).body;
    for (const report of [byService, byShopper, byDay]) {
      expect(report.meta.totals).toEqual({ charged: 680, refunded: 470, net: 210, captured: 210, jobsCompleted: 3, jobsFailed: 3 });
      expect(report.meta.granted).toBe(2_500);
    }
  });

  it("reconciles with the wallet: granted − net is the balance, and net = captured once no job runs", async () => {
    const { body } = await usage(`from=${from}&to=${to}`);
    const wallet = (await api("/v1/wallet", { token: shop.token })).body.data;
    expect(wallet.held).toBe(0);
    expect(body.meta.granted - body.meta.totals.net).toBe(wallet.balance);
    expect(body.meta.totals.net).toBe(body.meta.totals.captured);
  });

  it("never includes another account's activity", async () => {
    const ours = (await usage(`from=${from}&to=${to}&group_by=service`)).body;
    const debits = entries.filter((e) => e.type === "debit");
    expect(debits.map((e) => e.jobId)).not.toContain(otherJobId);
    expect(ours.meta.totals.charged).toBe(debits.reduce((sum, e) => sum - e.amount, 0));

    const theirs = await usage(`from=${from}&to=${to}&group_by=shopper`, other.token);
    expect(theirs.body.data).toEqual([{ group: null, charged: 30, refunded: 0, net: 30, captured: 30, jobsCompleted: 1, jobsFailed: 0 }]);
    expect(theirs.body.meta.granted).toBe(100);
  });

  it("is empty for a range without activity", async () => {
    const res = await usage("from=2020-01-01&to=2020-12-31&group_by=service");
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
    expect(res.body.meta).toMatchObject({ granted: 0, totals: { charged: 0, refunded: 0, net: 0, captured: 0, jobsCompleted: 0, jobsFailed: 0 } });
  });
});

describe("GET /v1/usage as CSV", () => {
  it("gives the same rows as the JSON, with a header row, for Accept: text/csv", async () => {
    const query = `from=${from}&to=${to}&group_by=shopper`;
    const json = (await usage(query)).body;
    const res = await usage(query, shop.token, { accept: "text/csv" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="usage_${from}_${to}_by-shopper.csv"`);
    expect(res.headers.get("vary")).toContain("Accept");
    const text = res.body as string;
    expect(text.endsWith("\r\n")).toBe(true);

    const [header, ...records] = parseCsv(text);
    expect(header).toEqual(["shopper", "charged", "refunded", "net", "captured", "jobsCompleted", "jobsFailed"]);
    expect(records).toHaveLength(json.data.length);
    const rows = records.map(([group, ...numbers]) => ({
      group,
      ...Object.fromEntries(header!.slice(1).map((column, i) => [column, Number(numbers[i])])),
    }));
    // No shopper reference: an empty cell. A formula-like reference: the same text behind an apostrophe.
    expect(rows).toEqual(json.data.map((row: { group: string | null }) => ({ ...row, group: row.group === null ? "" : row.group.startsWith("=") ? `'${row.group}` : row.group })));
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""b""), 2"`);
  });

  it("has a header row even without rows, and one line per day by day", async () => {
    const empty = await usage("from=2020-01-01&to=2020-01-31", shop.token, { accept: "text/csv" });
    expect(empty.body).toBe("day,charged,refunded,net,captured,jobsCompleted,jobsFailed\r\n");

    const byDay = await usage(`from=${from}&to=${to}`, shop.token, { accept: "text/csv" });
    const expected = expectedUsage("day", from, to, entries, jobs);
    expect(parseCsv(byDay.body).slice(1)).toEqual(
      expected.data.map((r) => [r.group, r.charged, r.refunded, r.net, r.captured, r.jobsCompleted, r.jobsFailed].map(String)),
    );
  });

  it.each([
    ["text/csv", "csv"],
    ["text/csv, application/json;q=0.9", "csv"],
    ["application/json;q=0.5, text/csv", "csv"],
    ["text/csv;q=0.5, application/json", "json"],
    ["application/json, text/csv", "json"],
    ["text/*", "json"],
    ["*/*", "json"],
    ["text/csv;q=0", "json"],
  ])("answers Accept: %s with %s", async (accept, format) => {
    const res = await usage(`from=${from}&to=${to}`, shop.token, { accept });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(format === "csv" ? /^text\/csv/ : /^application\/json/);
  });

  it("answers errors in JSON even when CSV is asked for", async () => {
    const res = await usage("from=2026-02-30", shop.token, { accept: "text/csv" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.body.error).toBe("VALIDATION_ERROR");
  });
});

describe("who may read usage", () => {
  it("refuses widget tokens with 403 and no token with 401", async () => {
    const { token } = await mint(shop, { services: ["bg-remove", "preflight", "dpi-score"], shopperRef: SHOPPER_A });
    for (const origin of [shop.origin, null]) {
      const res = await fromPage(origin, `${USAGE}?group_by=shopper`, { token });
      expect(res.status).toBe(403);
      expect(res.body.error).toBe("FORBIDDEN");
      expect(res.body.message).toMatch(/Widget tokens cannot call this endpoint/);
    }
    const anonymous = await api(USAGE);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe("UNAUTHORIZED");
  });
});
