import type { Cell } from './report-types.js';

/**
 * Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"):
 * `=`, `+`, `-`, `@`, tab and carriage return, and the full-width forms some spreadsheet
 * locales also accept. Key descriptions, aliases and tags come from AWS, where anyone with
 * access to the account can write them, so they are hostile input.
 */
const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r', '\uff1d', '\uff0b', '\uff0d', '\uff20']);

/** Whether a spreadsheet would evaluate the text: a formula character first, or after leading blanks and control characters. */
function looksLikeFormula(text: string): boolean {
  for (const c of text) {
    if (FORMULA_START.has(c)) return true;
    if (c.charCodeAt(0) > 0x20 && !/\s/u.test(c)) return false;
  }
  return false;
}

/**
 * One CSV cell (RFC 4180): text is always quoted with inner quotes doubled, and text that
 * a spreadsheet would evaluate is prefixed with `'` so it stays text; numbers and
 * booleans are written bare (a negative number is a number, not a formula); null is empty.
 */
export function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = looksLikeFormula(value) ? `'${value}` : value;
  return `"${text.replace(/"/g, '""')}"`;
}

/** One CSV record with its CRLF line break. */
export function csvLine(cells: readonly Cell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** The header record: column names are ours (plain identifiers), written bare. */
export function csvHeader(columns: readonly string[]): string {
  return `${columns.join(',')}\r\n`;
}

/** A stored row in the column order of its report (missing columns are empty). */
export function csvRow(columns: readonly string[], row: Readonly<Record<string, Cell>>): string {
  return csvLine(columns.map((c) => (Object.hasOwn(row, c) ? (row[c] ?? null) : null)));
}
