import { api } from "../helpers/api";

export const USAGE = "/v1/usage";

export interface UsageRow {
  group: string | null;
  charged: number;
  refunded: number;
  net: number;
  captured: number;
  jobsCompleted: number;
  jobsFailed: number;
}

export type GroupBy = "day" | "service" | "shopper";

/** A transaction as GET /v1/wallet/transactions lists it, with its change of held worked out from heldAfter. */
export interface ListedEntry {
  id: string;
  type: "grant" | "debit" | "capture" | "refund";
  amount: number;
  balanceAfter: number;
  heldAfter: number;
  heldDelta: number;
  service: string | null;
  jobId: string | null;
  createdAt: string;
}

/** A job as its own GET endpoint shows it, plus what the test knows about how it was made. */
export interface KnownJob {
  id: string;
  service: "bg-remove" | "preflight-ai-fix";
  shopperRef: string | null;
  status: string;
  completedAt: string | null;
}

/** Every transaction of the account through the public list, oldest first. */
export async function listedEntries(token: string): Promise<ListedEntry[]> {
  const newestFirst: Omit<ListedEntry, "heldDelta">[] = [];
  let cursor: string | null = null;
  do {
    const res = await api(`/v1/wallet/transactions?limit=100${cursor ? `&cursor=${cursor}` : ""}`, { token });
    if (res.status !== 200) throw new Error(`transactions: ${res.status} ${JSON.stringify(res.body)}`);
    newestFirst.push(...res.body.data);
    cursor = res.body.meta.nextCursor;
  } while (cursor);
  const entries = newestFirst.reverse();
  return entries.map((e, i) => ({ ...e, heldDelta: e.heldAfter - (i > 0 ? entries[i - 1]!.heldAfter : 0) }));
}

const day = (iso: string) => iso.slice(0, 10);

/**
 * The report computed here from the public transaction list and the jobs'
 * own endpoints, as the README defines the numbers: entries count on their
 * UTC day, jobs on the day they ended, grants in no row.
 */
export function expectedUsage(groupBy: GroupBy, from: string, to: string, entries: ListedEntry[], jobs: KnownJob[]) {
  const rows = new Map<string | null, UsageRow>();
  const rowOf = (group: string | null) =>
    rows.get(group) ?? rows.set(group, { group, charged: 0, refunded: 0, net: 0, captured: 0, jobsCompleted: 0, jobsFailed: 0 }).get(group)!;
  const inRange = (iso: string) => day(iso) >= from && day(iso) <= to;
  const shopperOf = (jobId: string | null) => jobs.find((j) => j.id === jobId)?.shopperRef ?? null;
  let granted = 0;
  for (const e of entries) {
    if (!inRange(e.createdAt)) continue;
    if (e.type === "grant") {
      granted += e.amount;
      continue;
    }
    const row = rowOf(groupBy === "day" ? day(e.createdAt) : groupBy === "service" ? e.service : shopperOf(e.jobId));
    if (e.type === "debit") row.charged -= e.amount;
    if (e.type === "refund") row.refunded += e.amount;
    if (e.type === "capture") row.captured -= e.heldDelta;
  }
  for (const job of jobs) {
    if (!job.completedAt || !inRange(job.completedAt)) continue;
    const row = rowOf(groupBy === "day" ? day(job.completedAt) : groupBy === "service" ? job.service : job.shopperRef);
    if (job.status === "completed") row.jobsCompleted += 1;
    if (job.status === "failed") row.jobsFailed += 1;
  }
  const data = [...rows.values()]
    .map((row) => ({ ...row, net: row.charged - row.refunded }))
    .sort((a, b) => (a.group === b.group ? 0 : a.group === null ? -1 : b.group === null ? 1 : a.group < b.group ? -1 : 1));
  const totals = { charged: 0, refunded: 0, net: 0, captured: 0, jobsCompleted: 0, jobsFailed: 0 };
  for (const row of data) for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += row[key];
  return { data, granted, totals };
}

/** RFC 4180: quoted cells with doubled quotes, CRLF after every record (the last one too). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') cell += ch;
      else if (text[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"' && cell === "") quoted = true;
    else if (ch === ",") {
      record.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      record.push(cell);
      records.push(record);
      record = [];
      cell = "";
      i++;
    } else if (ch === "\r" || ch === "\n" || ch === '"') throw new Error(`stray ${JSON.stringify(ch)} at ${i}`);
    else cell += ch;
  }
  if (quoted || cell !== "" || record.length) throw new Error("the CSV does not end with CRLF");
  return records;
}

/** UTC day `offset` days from now. */
export function utcDay(offset = 0, now = Date.now()): string {
  return new Date(now + offset * 86_400_000).toISOString().slice(0, 10);
}
