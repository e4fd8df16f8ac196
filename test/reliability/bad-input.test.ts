// Reliability: bad input. Every endpoint gets malformed, out-of-range,
// forged, foreign, refused, truncated, mislabelled and hostile input (the
// table is in bad-input-cases.ts). Each must get a 4xx JSON error with the
// contract's code, or a job that ends `failed` with its tokens refunded
// (or, for preflight checks of broken files, the `failed` report docs/preflight.md
// promises): never a 5xx, a hang or a lost token. The answers are printed as
// a table and stored in test-results/bad-input.md.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { walletOf } from "../../src/wallet/wallet";
import { api, grant, signUp } from "../helpers/api";
import { fixtureBytes, fixtureUrl } from "../helpers/fixtures";
import { waitForJob } from "../helpers/jobs";
import { ensureModel } from "../helpers/model";
import { expectLedgerConsistent } from "../helpers/wallet";
import { type Account, type ApiResult, CASES, type Ctx } from "./bad-input-cases";
import { writeResult } from "./support";

interface Row {
  endpoint: string;
  input: string;
  status: number | null;
  code: string;
  outcome: string;
}

/** One row per case, in table order; a case that never answered keeps status null. */
const rows: Row[] = CASES.map((c) => ({ endpoint: c.endpoint, input: c.input, status: null, code: "", outcome: "no answer" }));
const startedAt = Date.now();

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

async function must(res: Promise<ApiResult>, status: number, what: string): Promise<any> {
  const answer = await res;
  if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  return answer.body;
}

const accounts = new Map<string, Promise<Account>>();

const ctx: Ctx = {
  account(name, tokens = 0) {
    let made = accounts.get(name);
    if (!made) {
      made = (async () => {
        const account = await signUp(`bad-${name}`);
        if (tokens > 0) await must(grant(account.id, tokens), 201, `grant to ${name}`);
        return account;
      })();
      accounts.set(name, made);
    }
    return made;
  },

  foreign: once(async () => {
    const owner = await ctx.account("foreign-owner", 200);
    const origin = `https://owner-${crypto.randomUUID().slice(0, 8)}.example`;
    await must(api("/v1/account/allowed-origins", { method: "PUT", token: owner.token, body: { origins: [origin] } }), 200, "owner's origins");
    const [uploadUrl, report, bgJob, widget] = await Promise.all([
      ctx.upload(owner, await fixtureBytes("preflight/png-gray.png"), "image/png"),
      ctx.report(owner, { fileUrl: fixtureUrl("preflight/png-gray.png") }),
      // A source that fails at once: the job ends refunded without running the model.
      must(api("/v1/services/bg-remove", { token: owner.token, body: { image_url: fixtureUrl("404", "status") } }), 202, "owner's job"),
      must(api("/v1/account/widget-tokens", { token: owner.token, body: { services: ["dpi-score"], origin } }), 201, "owner's widget token"),
    ]);
    const fix = await must(api("/v1/services/preflight/ai-jobs", { token: owner.token, body: { preflightReportId: report.reportId, options: { fixTypes: ["upscale_resolution_2x"] } } }), 202, "owner's fix job");
    return { owner, bgJobId: bgJob.job_id, reportId: report.reportId, fixJobId: fix.data.jobId, uploadUrl, widgetTokenId: widget.data.tokenId };
  }),

  widgets: once(async () => {
    const shop = await ctx.account("widget-shop");
    const origin = `https://shop-${crypto.randomUUID().slice(0, 8)}.example`;
    await must(api("/v1/account/allowed-origins", { method: "PUT", token: shop.token, body: { origins: [origin] } }), 200, "shop's origins");
    const mint = (services: string[]) => must(api("/v1/account/widget-tokens", { token: shop.token, body: { services, origin } }), 201, "mint");
    const [dpiOnly, bgOnly] = await Promise.all([mint(["dpi-score"]), mint(["bg-remove"])]);
    return { shop, origin, dpiOnly: dpiOnly.data.token, bgOnly: bgOnly.data.token, bgOnlyId: bgOnly.data.tokenId };
  }),

  async report(account, body) {
    return (await must(api("/v1/services/preflight/checks", { token: account.token, body: { designId: "bad-input", ...body } }), 201, "report")).data;
  },

  async upload(account, bytes, contentType) {
    const res = api("/v1/services/uploads", { method: "POST", token: account.token, rawBody: bytes, headers: { "content-type": contentType } });
    return (await must(res, 201, "upload")).data.fileUrl;
  },
};

/** What no error body may contain: a stack frame, a source position, an HTML page. */
const LEAKS = /\n\s+at |\bat \S+ \(|\.(?:ts|js|mjs):\d+|<html|<!doctype|node_modules/i;

/** The contract's error body (docs/api.md, "Errors"), for every 4xx. */
function expectErrorBody(res: ApiResult): void {
  expect(res.headers.get("content-type"), "an error is JSON").toMatch(/^application\/json/);
  expect(typeof res.body, "an error body is a JSON object").toBe("object");
  expect(res.body).not.toBeNull();
  expect(typeof res.body.error).toBe("string");
  expect(typeof res.body.message).toBe("string");
  expect(res.body.message.length).toBeGreaterThan(0);
  expect(res.body.requestId).toBe(res.headers.get("x-request-id"));
  if (res.body.error === "VALIDATION_ERROR") {
    expect(res.body.issues.length, "a 400 says which fields").toBeGreaterThan(0);
    for (const issue of res.body.issues) expect(issue).toEqual({ path: expect.any(String), message: expect.any(String) });
  }
}

/** The error's own words for the table: the first field it names, else its message. */
function answerInWords(body: { message: string; issues?: { path: string; message: string }[] }): string {
  const issue = body.issues?.[0];
  const words = issue ? `${issue.path || "body"}: ${issue.message}` : body.message;
  return words.length > 110 ? `${words.slice(0, 107)}…` : words;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

describe("bad input", () => {
  beforeAll(async () => {
    // The runtime as deployed: a job whose input unexpectedly got through would run the real model.
    await ensureModel();
  }, 120_000);

  describe.concurrent("each input gets a 4xx JSON error, or a failed job with a refund", () => {
    CASES.forEach((c, i) => {
      it(`${i + 1}. ${c.endpoint}: ${c.input}`, async () => {
        const row = rows[i]!;
        const sent = await c.send(ctx);
        const { res } = sent;
        row.status = res.status;
        row.code = typeof res.body?.error === "string" ? res.body.error : "";
        row.outcome = "";
        expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(c.expect.status);
        expect(JSON.stringify(res.body) ?? "", "no stack trace or HTML").not.toMatch(LEAKS);
        if (res.status >= 400) expectErrorBody(res);
        if (c.expect.error) expect(res.body.error).toBe(c.expect.error);
        if (c.expect.details) expect(res.body).toMatchObject(c.expect.details);

        const notes: string[] = [];
        if (c.expect.jobFails) {
          const account = sent.account!;
          const done = await waitForJob(sent.jobPath!, account.token, 60_000);
          expect(done.status, done.error_message).toBe("failed");
          expect(done.error_message).toMatch(c.expect.jobFails);
          expect(done.output_url).toBeNull();
          // Exactly one refund of the whole price, and the wallet back where it started.
          const entries = (await walletOf(env, account.id).entries()).filter((e) => e.jobId === done.job_id);
          expect(entries.map((e) => [e.type, e.amount])).toEqual([
            ["debit", -done.tokens_deducted],
            ["refund", done.tokens_deducted],
          ]);
          const { balance, held } = await expectLedgerConsistent(account.id);
          expect({ balance, held }).toEqual({ balance: 150, held: 0 });
          notes.push(`job failed, ${done.tokens_deducted} refunded once: “${done.error_message}”`);
        }
        if (c.expect.report) {
          const report = res.body.data;
          const codes: string[] = report.issues.map((issue: { code: string }) => issue.code);
          expect(report.status).toBe(c.expect.report.status);
          expect(codes).toEqual(expect.arrayContaining(c.expect.report.codes));
          notes.push(`report \`${report.status}\`: ${c.expect.report.codes.join(", ")}`);
        }
        if (res.status >= 400) notes.push(answerInWords(res.body));
        if (c.expect.details) notes.push(JSON.stringify(c.expect.details));
        const note = await sent.after?.();
        if (note) notes.push(note);
        row.outcome = notes.join("; ");
      });
    });
  });

  it("prints the table, and no token was lost anywhere", async () => {
    // Every job any case started (including those only needed as someone else's) has ended.
    const ids = await Promise.all([...accounts.values()].map((a) => a.then((x) => x.id, () => null)));
    const accountIds = ids.filter((id): id is string => id !== null);
    const deadline = Date.now() + 90_000;
    let jobs: { id: string; account_id: string; status: string; tokens_deducted: number; tokens_charged: number | null }[] = [];
    for (;;) {
      jobs = (
        await env.DB.prepare(`SELECT id, account_id, status, tokens_deducted, tokens_charged FROM jobs WHERE account_id IN (${accountIds.map(() => "?").join(",")})`)
          .bind(...accountIds)
          .all<(typeof jobs)[number]>()
      ).results;
      if (jobs.every((j) => j.status === "completed" || j.status === "failed")) break;
      if (Date.now() > deadline) throw new Error(`jobs still running: ${JSON.stringify(jobs.filter((j) => j.status !== "completed" && j.status !== "failed"))}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // Each wallet: consistent, nothing on hold, and exactly its grants minus what completed jobs cost.
    for (const accountId of accountIds) {
      const entries = await walletOf(env, accountId).entries();
      const { balance, held } = await expectLedgerConsistent(accountId);
      const own = jobs.filter((j) => j.account_id === accountId);
      const granted = entries.filter((e) => e.type === "grant").reduce((sum, e) => sum + e.amount, 0);
      const charged = own.reduce((sum, j) => sum + (j.status === "completed" ? j.tokens_charged! : 0), 0);
      expect({ accountId, balance, held }).toEqual({ accountId, balance: granted - charged, held: 0 });
      for (const job of own.filter((j) => j.status === "failed")) {
        expect(entries.filter((e) => e.jobId === job.id && e.type === "refund").map((e) => e.amount), job.id).toEqual([job.tokens_deducted]);
      }
    }

    const seconds = ((Date.now() - startedAt) / 1000).toFixed(0);
    const table = [
      `# Bad input: ${rows.length} malformed requests`,
      "",
      `\`npm run test:reliability -- test/reliability/bad-input.test.ts\`, ${new Date().toISOString()}, ${seconds} s. ` +
        `${jobs.length} jobs were started along the way (${jobs.filter((j) => j.status === "failed").length} failed and refunded); ` +
        `every wallet of the run ends with nothing on hold and exactly its grants minus what completed jobs cost.`,
      "",
      "| # | Endpoint | Input | Status | Error code | Outcome |",
      "|---|---|---|---|---|---|",
      ...rows.map((r, i) => `| ${i + 1} | ${cell(r.endpoint)} | ${cell(r.input)} | ${r.status ?? "—"} | ${r.code ? `\`${r.code}\`` : "—"} | ${cell(r.outcome)} |`),
      "",
    ].join("\n");
    console.log(table);
    await writeResult("bad-input.md", table);

    expect(rows.length).toBeGreaterThanOrEqual(60);
    expect(rows.filter((r) => r.status === null).map((r) => r.input), "cases without an answer").toEqual([]);
    expect(rows.filter((r) => r.status! >= 500).map((r) => `${r.input}: ${r.status}`), "5xx answers").toEqual([]);
  }, 120_000);
});
