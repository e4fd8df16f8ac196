import { z } from "@hono/zod-openapi";
import { and, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { base64UrlDecode, base64UrlEncode, fromUtf8, utf8 } from "./encoding";
import { validationError } from "./errors";

/**
 * One page of a list read with `limit + 1` rows: the extra row only says
 * that more follow, and the cursor points after the page's last row.
 */
export function pageOf<Row, Item>(rows: Row[], limit: number, toItem: (row: Row) => Item, cursorOf: (row: Row) => string): { data: Item[]; meta: { nextCursor: string | null } } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { data: page.map(toItem), meta: { nextCursor: rows.length > limit && last ? cursorOf(last) : null } };
}

/** Opaque cursor of a list ordered newest first by (createdAt, id): the last row of a page. */
export function encodeCursor(row: { createdAt: string; id: string }): string {
  return base64UrlEncode(utf8(JSON.stringify([row.createdAt, row.id])));
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(fromUtf8(base64UrlDecode(cursor) ?? new Uint8Array())) as unknown[];
    if (typeof createdAt === "string" && typeof id === "string") return { createdAt, id };
  } catch {
    // fall through
  }
  throw validationError([{ path: "cursor", message: "must be a nextCursor returned by this endpoint" }]);
}

/** Rows after the cursor's in a list ordered by (createdAt DESC, id DESC); no condition without a cursor. */
export function afterCursor(createdAt: SQLiteColumn, id: SQLiteColumn, cursor: string | undefined): SQL | undefined {
  if (!cursor) return undefined;
  const after = decodeCursor(cursor);
  return or(lt(createdAt, after.createdAt), and(eq(createdAt, after.createdAt), lt(id, after.id)));
}

/** `limit` and `cursor` of the cursor-paginated lists (reports, webhook endpoints, deliveries). */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional().openapi({ description: "meta.nextCursor of the previous page" }),
});
export type PageQuery = z.infer<typeof PageQuery>;
