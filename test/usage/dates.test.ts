import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { insertJob, type Job } from "../../src/jobs/store";
import type { Env } from "../../src/platform/env";
import { api, signUp } from "../helpers/api";
import { jobRow } from "../helpers/jobs";
import { USAGE, utcDay } from "./helpers";

// Ranges, defaults and validation of GET /v1/usage, and where entries near
// midnight UTC land. The API cannot backdate activity, so the boundary cases
// write a past month's entries straight into the D1 mirror the report reads.

let shop: { token: string; id: string };
beforeAll(async () => {
  shop = await signUp("usage-dates");
});

const usage = (query: string, token = shop.token) => api(`${USAGE}?${query}`, { token });

describe("range and grouping", () => {
  it("defaults to the last 30 UTC days up to today, by day", async () => {
    const before = Date.now();
    const res = await usage("");
    const after = Date.now();
    expect(res.status).toBe(200);
    // A request that spans midnight UTC may take either day as today.
    const today = res.body.meta.to;
    expect([utcDay(0, before), utcDay(0, after)]).toContain(today);
    expect(res.body.meta.from).toBe(utcDay(-29, Date.parse(`${today}T12:00:00Z`)));
    expect(res.body.meta.groupBy).toBe("day");
    expect(res.body.data).toEqual([]);
  });

  it("counts back 29 days from a given to, and reaches today from a given from", async () => {
    expect((await usage("to=2025-03-01")).body.meta).toMatchObject({ from: "2025-01-31", to: "2025-03-01" });
    const fromOnly = (await usage(`from=${utcDay(-3)}`)).body.meta;
    expect(fromOnly.from).toBe(utcDay(-3));
    expect([utcDay(0), utcDay(-1)]).toContain(fromOnly.to);
  });

  it("takes one day, 366 days (a leap year), and a to in the future", async () => {
    expect((await usage("from=2025-04-01&to=2025-04-01")).status).toBe(200);
    expect((await usage("from=2024-01-01&to=2024-12-31")).status).toBe(200);
    expect((await usage(`from=${utcDay(-1)}&to=${utcDay(30)}`)).status).toBe(200);
  });

  it.each([
    ["from=2024-01-01&to=2025-01-01", "to", /at most 366 days \(from 2024-01-01, to may be 2024-12-31 at the latest\)/],
    ["from=2026-05-02&to=2026-05-01", "from", /must not be after to \(2026-05-01\)/],
    ["from=2000-01-01", "to", /at most 366 days/],
    [`from=${utcDay(5)}`, "from", /must not be after to/],
    ["from=yesterday", "from", /must be a date as YYYY-MM-DD/],
    ["from=2026-5-1", "from", /must be a date as YYYY-MM-DD/],
    ["to=2026-05-01T00:00:00Z", "to", /must be a date as YYYY-MM-DD/],
    ["from=2026-13-01", "from", /is not a calendar date/],
    ["to=2025-02-29", "to", /is not a calendar date/],
    ["to=1969-12-31", "to", /must be 1970-01-01 or later/],
    ["group_by=week", "group_by", /day|service|shopper/],
    ["group_by=", "group_by", /day|service|shopper/],
  ])("answers %s with 400 VALIDATION_ERROR naming %s", async (query, path, message) => {
    const res = await usage(query);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("VALIDATION_ERROR");
    expect(res.body.issues).toHaveLength(1);
    expect(res.body.issues[0].path).toBe(path);
    expect(res.body.issues[0].message).toMatch(message);
  });
});

describe("dates near midnight UTC", () => {
  let account: { token: string; id: string };
  const jobX = `job_usage_x_${crypto.randomUUID().slice(0, 8)}`;
  const jobY = `job_usage_y_${crypto.randomUUID().slice(0, 8)}`;

  const job = (id: string, row: Partial<Job>): Job =>
    jobRow(account.id, {
      id,
      status: "completed",
      sourceUrl: "http://127.0.0.1:9/never-fetched.png",
      attempts: 1,
      createdAt: "2025-03-01T00:00:00.000Z",
      updatedAt: "2025-03-01T00:00:00.000Z",
      ...row,
    });

  beforeAll(async () => {
    account = await signUp("usage-midnight");
    // A consistent ledger of April 2025 and the days around it, as the wallet would have mirrored it.
    const entries: [number, string, number, number, number, number, string | null, string | null, string][] = [
      [1, "grant", 500, 0, 500, 0, null, null, "2025-03-15T10:00:00.000Z"],
      [2, "debit", -100, 100, 400, 100, "bg-remove", jobX, "2025-03-31T23:59:59.999Z"],
      [3, "refund", 100, -100, 500, 0, "bg-remove", jobX, "2025-04-01T00:00:00.000Z"],
      [4, "grant", 250, 0, 750, 0, null, null, "2025-04-15T12:00:00.000Z"],
      [5, "debit", -40, 40, 710, 40, "preflight-ai-fix", jobY, "2025-04-30T23:59:59.999Z"],
      [6, "capture", 0, -40, 710, 0, "preflight-ai-fix", jobY, "2025-05-01T00:00:00.000Z"],
    ];
    await env.DB.batch(
      entries.map(([seq, type, amount, heldDelta, balanceAfter, heldAfter, service, jobId, createdAt]) =>
        env.DB.prepare(
          "INSERT INTO wallet_transactions (account_id, seq, id, type, amount, held_delta, balance_after, held_after, service, job_id, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        ).bind(account.id, seq, `TX-${String(seq).padStart(5, "0")}`, type, amount, heldDelta, balanceAfter, heldAfter, service, jobId, createdAt),
      ),
    );
    await insertJob(env as Env, job(jobX, { status: "failed", tokensDeducted: 100, tokensCharged: 0, shopperRef: "s-1", completedAt: "2025-04-01T00:00:00.000Z" }));
    await insertJob(env as Env, job(jobY, { kind: "ai_fix", tokensDeducted: 40, tokensCharged: 40, completedAt: "2025-05-01T00:00:00.000Z" }));
  });

  const numbers = { charged: 0, refunded: 0, net: 0, captured: 0, jobsCompleted: 0, jobsFailed: 0 };

  it("counts each entry on its own UTC day, from and to both included", async () => {
    const april = await usage("from=2025-04-01&to=2025-04-30", account.token);
    expect(april.status).toBe(200);
    // The refund of March 31's charge lands on April 1: a day with a negative net.
    expect(april.body.data).toEqual([
      { ...numbers, group: "2025-04-01", refunded: 100, net: -100, jobsFailed: 1 },
      { ...numbers, group: "2025-04-30", charged: 40, net: 40 },
    ]);
    expect(april.body.meta.totals).toEqual({ ...numbers, charged: 40, refunded: 100, net: -60, jobsFailed: 1 });
    // The balance went from 400 (end of March 31) to 710 (end of April 30): granted − net.
    expect(april.body.meta.granted - april.body.meta.totals.net).toBe(710 - 400);

    expect((await usage("from=2025-03-31&to=2025-03-31", account.token)).body.data).toEqual([{ ...numbers, group: "2025-03-31", charged: 100, net: 100 }]);
    expect((await usage("from=2025-05-01&to=2025-05-01", account.token)).body.data).toEqual([{ ...numbers, group: "2025-05-01", captured: 40, jobsCompleted: 1 }]);
  });

  it("sums the same entries per service and per shopper", async () => {
    const range = "from=2025-03-01&to=2025-05-31";
    const byService = (await usage(`${range}&group_by=service`, account.token)).body;
    expect(byService.data).toEqual([
      { ...numbers, group: "bg-remove", charged: 100, refunded: 100, jobsFailed: 1 },
      { ...numbers, group: "preflight-ai-fix", charged: 40, net: 40, captured: 40, jobsCompleted: 1 },
    ]);
    expect(byService.meta.granted).toBe(750);
    const byShopper = (await usage(`${range}&group_by=shopper`, account.token)).body;
    expect(byShopper.data).toEqual([
      { ...numbers, group: null, charged: 40, net: 40, captured: 40, jobsCompleted: 1 },
      { ...numbers, group: "s-1", charged: 100, refunded: 100, jobsFailed: 1 },
    ]);
  });
});

describe("the OpenAPI document", () => {
  it("describes GET /v1/usage: its parameters, JSON and CSV, and its errors", async () => {
    const doc = (await api("/v1/openapi.json")).body;
    const operation = doc.paths["/v1/usage"].get;
    expect(operation.security).toEqual([{ bearerAuth: [] }]);
    expect(operation.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort()).toEqual(["query:from", "query:group_by", "query:to"]);
    expect(operation.parameters.find((p: { name: string }) => p.name === "group_by").schema).toMatchObject({ enum: ["day", "service", "shopper"], default: "day" });
    expect(Object.keys(operation.responses[200].content).sort()).toEqual(["application/json", "text/csv"]);
    expect(operation.responses[200].content["application/json"].schema.$ref).toBe("#/components/schemas/UsageReport");
    expect(Object.keys(operation.responses).sort()).toEqual(["200", "400", "401", "403", "429"]);
    expect(doc.components.schemas.UsageRow.required).toEqual(expect.arrayContaining(["group", "charged", "refunded", "net", "captured", "jobsCompleted", "jobsFailed"]));
  });
});
