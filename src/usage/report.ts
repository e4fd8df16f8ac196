import type { JobKind } from "../jobs/lifecycle";
import type { Env } from "../platform/env";
import { validationError } from "../platform/errors";
import type { Service } from "../pricing/prices";
import { DEFAULT_USAGE_DAYS, MAX_USAGE_DAYS, type UsageGroupBy, type UsageNumbers, type UsageQuery, type UsageReport, type UsageRow } from "./schemas";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The ledger's service name for each job kind (the `service` its debit carries). */
export const SERVICE_OF_KIND: Record<JobKind, Service> = { bg_remove: "bg-remove", ai_fix: "preflight-ai-fix", sticker: "stickers" };

export interface UsageRange {
  /** First day, included (YYYY-MM-DD, UTC). */
  from: string;
  /** Last day, included. */
  to: string;
}

const dayOf = (time: number) => new Date(time).toISOString().slice(0, 10);
const timeOf = (day: string) => Date.parse(`${day}T00:00:00.000Z`);

/**
 * The range a query asks for, with the defaults filled in: `to` today (UTC),
 * `from` 29 days before `to`. Reversed and over-long ranges are 400s.
 */
export function resolveRange(query: Pick<UsageQuery, "from" | "to">, now = Date.now()): UsageRange {
  const to = query.to ?? dayOf(now);
  const from = query.from ?? dayOf(timeOf(to) - (DEFAULT_USAGE_DAYS - 1) * DAY_MS);
  if (from > to) {
    throw validationError([{ path: "from", message: `must not be after to (${to})` }]);
  }
  const days = (timeOf(to) - timeOf(from)) / DAY_MS + 1;
  if (days > MAX_USAGE_DAYS) {
    const latest = dayOf(timeOf(from) + (MAX_USAGE_DAYS - 1) * DAY_MS);
    throw validationError([{ path: "to", message: `the range may span at most ${MAX_USAGE_DAYS} days (from ${from}, to may be ${latest} at the latest)` }]);
  }
  return { from, to };
}

/**
 * Timestamps are stored as ISO 8601 strings in UTC, so the range is a string
 * range: from the start of `from` up to 24:00 (ISO 8601's end of day) of `to`.
 */
function bounds(range: UsageRange): [string, string] {
  return [`${range.from}T00:00:00.000Z`, `${range.to}T24:00:00.000Z`];
}

const serviceOfKindSql = `CASE j.kind ${Object.entries(SERVICE_OF_KIND)
  .map(([kind, service]) => `WHEN '${kind}' THEN '${service}'`)
  .join(" ")} ELSE j.kind END`;

/** How each grouping names an entry's and a job's group, and whether entries need their job. */
const GROUPS: Record<UsageGroupBy, { entry: string; job: string; joinJobs: boolean }> = {
  day: { entry: "substr(t.created_at, 1, 10)", job: "substr(j.completed_at, 1, 10)", joinJobs: false },
  service: { entry: "t.service", job: serviceOfKindSql, joinJobs: false },
  // Entries whose job row was never written (a Worker that died between the debit and the row) count as the account's.
  shopper: { entry: "j.shopper_ref", job: "j.shopper_ref", joinJobs: true },
};

interface LedgerGroup {
  grp: string | null;
  charged: number;
  refunded: number;
  captured: number;
}

interface JobGroup {
  grp: string | null;
  completed: number;
  failed: number;
}

const zero = (): UsageNumbers => ({ charged: 0, refunded: 0, net: 0, captured: 0, jobsCompleted: 0, jobsFailed: 0 });

/** Rows in a stable order: days and services ascending; for shoppers, jobs without a reference first. */
function compareGroups(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/**
 * One account's usage over whole UTC days, from the D1 mirror of its ledger
 * and its jobs (three reads in one batch). Every ledger entry counts on the
 * day it was made; jobs count on the day they ended.
 */
export async function usageReport(env: Env, accountId: string, range: UsageRange, groupBy: UsageGroupBy): Promise<UsageReport> {
  const [start, end] = bounds(range);
  const group = GROUPS[groupBy];
  const ledger = env.DB.prepare(
    `SELECT ${group.entry} AS grp,
            SUM(CASE WHEN t.type = 'debit' THEN -t.amount ELSE 0 END) AS charged,
            SUM(CASE WHEN t.type = 'refund' THEN t.amount ELSE 0 END) AS refunded,
            SUM(CASE WHEN t.type = 'capture' THEN -t.held_delta ELSE 0 END) AS captured
       FROM wallet_transactions t
       ${group.joinJobs ? "LEFT JOIN jobs j ON j.id = t.job_id AND j.account_id = t.account_id" : ""}
      WHERE t.account_id = ?1 AND t.created_at >= ?2 AND t.created_at < ?3 AND t.type IN ('debit', 'capture', 'refund')
      GROUP BY grp`,
  ).bind(accountId, start, end);
  const jobs = env.DB.prepare(
    `SELECT ${group.job} AS grp,
            SUM(CASE WHEN j.status = 'completed' THEN 1 ELSE 0 END) AS completed,
            SUM(CASE WHEN j.status = 'failed' THEN 1 ELSE 0 END) AS failed
       FROM jobs j
      WHERE j.account_id = ?1 AND j.completed_at >= ?2 AND j.completed_at < ?3 AND j.status IN ('completed', 'failed')
      GROUP BY grp`,
  ).bind(accountId, start, end);
  const granted = env.DB.prepare(
    "SELECT COALESCE(SUM(amount), 0) AS granted FROM wallet_transactions WHERE account_id = ?1 AND created_at >= ?2 AND created_at < ?3 AND type = 'grant'",
  ).bind(accountId, start, end);
  const [ledgerRows, jobRows, grantRows] = await env.DB.batch<unknown>([ledger, jobs, granted]);

  const rows = new Map<string | null, UsageRow>();
  const rowOf = (grp: string | null) => rows.get(grp) ?? rows.set(grp, { group: grp, ...zero() }).get(grp)!;
  for (const r of (ledgerRows?.results ?? []) as LedgerGroup[]) {
    const row = rowOf(r.grp);
    row.charged = r.charged;
    row.refunded = r.refunded;
    row.net = r.charged - r.refunded;
    row.captured = r.captured;
  }
  for (const r of (jobRows?.results ?? []) as JobGroup[]) {
    const row = rowOf(r.grp);
    row.jobsCompleted = r.completed;
    row.jobsFailed = r.failed;
  }
  const data = [...rows.values()].sort((a, b) => compareGroups(a.group, b.group));
  const totals = zero();
  for (const row of data) {
    for (const key of Object.keys(totals) as (keyof UsageNumbers)[]) totals[key] += row[key];
  }
  return {
    data,
    meta: {
      from: range.from,
      to: range.to,
      groupBy,
      timezone: "UTC",
      currency: "tokens",
      granted: ((grantRows?.results ?? [])[0] as { granted: number } | undefined)?.granted ?? 0,
      totals,
    },
  };
}

/* ---- CSV ---------------------------------------------------------------- */

const CSV_GROUP_COLUMN: Record<UsageGroupBy, string> = { day: "day", service: "service", shopper: "shopper" };
const CSV_NUMBER_COLUMNS = ["charged", "refunded", "net", "captured", "jobsCompleted", "jobsFailed"] as const satisfies readonly (keyof UsageNumbers)[];

/**
 * One text cell: quoted when it holds a comma, quote or line break (RFC 4180).
 * A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets
 * a leading apostrophe: shopper references come from shops' pages.
 */
function textCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The report as CSV: a header row, then one line per row; CRLF line ends; no totals line. */
export function usageCsv(report: UsageReport): string {
  const lines = [[CSV_GROUP_COLUMN[report.meta.groupBy], ...CSV_NUMBER_COLUMNS].join(",")];
  for (const row of report.data) {
    // Jobs without a shopper reference: an empty cell, which no reference can be.
    lines.push([textCell(row.group ?? ""), ...CSV_NUMBER_COLUMNS.map((column) => String(row[column]))].join(","));
  }
  return lines.map((line) => `${line}\r\n`).join("");
}

export function usageCsvFilename(report: UsageReport): string {
  return `usage_${report.meta.from}_${report.meta.to}_by-${report.meta.groupBy}.csv`;
}

/**
 * Whether the Accept header prefers CSV to JSON. Each type takes the q of its
 * most specific match (text/csv, text/*, then *\/*); CSV wins only when it is
 * named itself and ranks above JSON, or equal and listed first.
 */
export function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = accept.split(",").map((part, index) => {
    const [type = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    return { type, q: Number.isFinite(weight) ? weight : 0, index };
  });
  const match = (type: string, subtypeWildcard: string) =>
    ranges.find((r) => r.type === type) ?? ranges.find((r) => r.type === subtypeWildcard) ?? ranges.find((r) => r.type === "*/*");
  const csv = ranges.find((r) => r.type === "text/csv");
  if (!csv || csv.q <= 0) return false;
  const json = match("application/json", "application/*");
  if (!json || json.q < csv.q) return true;
  if (json.q > csv.q) return false;
  return json.type !== "application/json" || csv.index < json.index;
}
