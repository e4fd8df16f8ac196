import { z } from "@hono/zod-openapi";

export const USAGE_GROUPS = ["day", "service", "shopper"] as const;
export type UsageGroupBy = (typeof USAGE_GROUPS)[number];

/** Longest range one report covers, in days (a leap year). */
export const MAX_USAGE_DAYS = 366;
/** Days covered when `from` is not given: `to` and the 29 days before it. */
export const DEFAULT_USAGE_DAYS = 30;

/** Why a query's date is not one, or null: one message per date, the first problem found. */
export function dateProblem(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return "must be a date as YYYY-MM-DD";
  const time = Date.parse(`${value}T00:00:00.000Z`);
  if (!Number.isFinite(time) || new Date(time).toISOString().slice(0, 10) !== value) return "is not a calendar date";
  if (value < "1970-01-01") return "must be 1970-01-01 or later";
  return null;
}

const UsageDate = z
  .string()
  .superRefine((value, ctx) => {
    const problem = dateProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .openapi({ format: "date" });

export const UsageQuery = z.object({
  from: UsageDate.optional().openapi({
    description: `First UTC day of the range, included. Default: ${DEFAULT_USAGE_DAYS - 1} days before \`to\`.`,
    example: "2026-04-01",
  }),
  to: UsageDate.optional().openapi({
    description: `Last UTC day of the range, included. Default: today (UTC). At most ${MAX_USAGE_DAYS} days from \`from\`, and not before it.`,
    example: "2026-04-30",
  }),
  group_by: z.enum(USAGE_GROUPS).default("day").openapi({
    description:
      "One row per UTC day with activity (ascending), per service name of the ledger, or per shopper reference of widget-made jobs (null: jobs without one, the shop's own first).",
  }),
});
export type UsageQuery = z.infer<typeof UsageQuery>;

const Tokens = z.number().int();

export const UsageNumbers = z.object({
  charged: Tokens.openapi({ description: "Tokens taken by debits in the range: each job's price (or estimate), held when it was created." }),
  refunded: Tokens.openapi({ description: "Tokens given back by refunds in the range: all of a failed job's hold, or the part of an estimate a fix job did not use." }),
  net: Tokens.openapi({
    description:
      "charged − refunded: what the range cost. Includes tokens still on hold for running jobs; negative for a day whose refunds were for charges of an earlier day.",
  }),
  captured: Tokens.openapi({ description: "Tokens whose charge became final (captures) in the range. net − captured is the change in tokens on hold over the range." }),
  jobsCompleted: z.number().int().openapi({ description: "Jobs that completed in the range (by completion time)." }),
  jobsFailed: z.number().int().openapi({ description: "Jobs that failed in the range (by the time they failed)." }),
});
export type UsageNumbers = z.infer<typeof UsageNumbers>;

export const UsageRow = UsageNumbers.extend({
  group: z.string().nullable().openapi({
    description: "The day (YYYY-MM-DD, UTC), the service (bg-remove, preflight-ai-fix, stickers) or the shopper reference; null only for shopper: jobs without a shopper reference.",
    example: "2026-04-01",
  }),
}).openapi("UsageRow");
export type UsageRow = z.infer<typeof UsageRow>;

export const UsageReport = z
  .object({
    data: z.array(UsageRow),
    meta: z.object({
      from: z.string().openapi({ example: "2026-04-01" }),
      to: z.string().openapi({ example: "2026-04-30" }),
      groupBy: z.enum(USAGE_GROUPS),
      timezone: z.literal("UTC"),
      currency: z.literal("tokens"),
      granted: Tokens.openapi({ description: "Tokens added (grants) in the range. Not usage, so in no row; granted − totals.net is the change of the balance over the range." }),
      totals: UsageNumbers,
    }),
  })
  .openapi("UsageReport");
export type UsageReport = z.infer<typeof UsageReport>;
