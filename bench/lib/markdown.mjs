// Markdown helpers shared by the bench sections.

/** A table from rows of equal keys; `headers` renames columns, in key order. */
export function table(rows, headers = {}) {
  const keys = Object.keys(rows[0]);
  const cell = (v) => (v === undefined || v === null ? "" : String(v).replaceAll("|", "\\|"));
  return [
    `| ${keys.map((k) => headers[k] ?? k).join(" | ")} |`,
    `|${keys.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${keys.map((k) => cell(r[k])).join(" | ")} |`),
  ].join("\n");
}

/** a ÷ b with two significant digits, or "–" when either is missing. */
export function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return "–";
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)}×`;
}
