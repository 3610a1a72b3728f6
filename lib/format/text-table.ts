/** A column: its heading and how a row shows in it (numbers right-aligned, text left-aligned). */
export interface Column<T> {
  readonly title: string;
  readonly value: (row: T) => string | number;
  /** Decimals for numbers. @default 2 */
  readonly digits?: number;
}

/** Renders rows as a fixed-width text table under a title, as every bench scenario and `meshform cost` print theirs. */
export function renderTable<T>(title: string, columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((row) =>
    columns.map((c) => {
      const v = c.value(row);
      return typeof v === 'number' ? (Number.isFinite(v) ? v.toFixed(c.digits ?? 2) : '–') : v;
    }),
  );
  const numeric = columns.map((c) => rows.length > 0 && typeof c.value(rows[0]!) === 'number');
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: readonly string[]) => values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [`\n${title}`, line(columns.map((c) => c.title)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
