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
