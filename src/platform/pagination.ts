/**
 * One page of a list read with `limit + 1` rows: the extra row only says
 * that more follow, and the cursor points after the page's last row.
 */
export function pageOf<Row, Item>(rows: Row[], limit: number, toItem: (row: Row) => Item, cursorOf: (row: Row) => string): { data: Item[]; meta: { nextCursor: string | null } } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { data: page.map(toItem), meta: { nextCursor: rows.length > limit && last ? cursorOf(last) : null } };
}
