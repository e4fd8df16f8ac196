import { createRoute, z } from "@hono/zod-openapi";
import { requireAccount } from "../middleware/auth";
import { prefersCsv, resolveRange, usageCsv, usageCsvFilename, usageReport } from "../usage/report";
import { UsageQuery, UsageReport } from "../usage/schemas";
import { bearerAuth, createRouter, errorResponses } from "./openapi";

export const usageRoutes = createRouter();

const CSV_EXAMPLE = "day,charged,refunded,net,captured,jobsCompleted,jobsFailed\r\n2026-04-01,330,170,160,160,2,1\r\n";

usageRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/usage",
    tags: ["Wallet"],
    summary: "Token usage per day, service or shopper, for accounting",
    description:
      "Sums the account's ledger over whole UTC days, `from` and `to` both included (default: the last 30 days). " +
      "Each entry counts on the day it was made: charged = tokens debited (held when a job was created), refunded = tokens refunded, " +
      "net = charged − refunded (running jobs' held tokens included), captured = tokens made final. Jobs count on the day they completed or failed. " +
      "Grants are not usage: they are in meta.granted only. With `Accept: text/csv` the same rows come as CSV with a header row.",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    request: { query: UsageQuery },
    responses: {
      200: {
        description: "The usage report",
        headers: z.object({ Vary: z.string().openapi({ example: "Accept" }) }),
        content: {
          "application/json": { schema: UsageReport },
          "text/csv": { schema: z.string().openapi({ example: CSV_EXAMPLE }) },
        },
      },
      400: errorResponses[400],
      401: errorResponses[401],
      403: errorResponses[403],
      429: errorResponses[429],
    },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const report = await usageReport(c.env, c.var.account.id, resolveRange(query), query.group_by);
    // One URL, two representations: caches must key on Accept.
    c.header("Vary", "Accept");
    c.header("Cache-Control", "no-store");
    if (prefersCsv(c.req.header("accept"))) {
      return c.body(usageCsv(report), 200, {
        "Content-Type": "text/csv; charset=utf-8; header=present",
        "Content-Disposition": `attachment; filename="${usageCsvFilename(report)}"`,
      });
    }
    return c.json(report, 200);
  },
);
