// Number formatting and plain-text tables.

export const round = (value, digits) =>
  value === null || value === undefined || !Number.isFinite(value) ? value : Number(value.toFixed(digits));
export const fmt = (value, digits = 0) => (value === null || value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(digits));

export function table(headers, rows, alignLeft = new Set([0, 1])) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) =>
    cells.map((cell, i) => (alignLeft.has(i) ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join("  ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
