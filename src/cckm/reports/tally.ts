/** Distinct values one dimension of a summary counts before the rest go to `other`. */
export const MAX_DISTINCT = 1000;

/**
 * Counts per value of one dimension (by state, by region...), bounded: after
 * {@link MAX_DISTINCT} distinct values, new ones are counted under `(other)`, so a hostile
 * or huge estate cannot grow a summary without bound.
 */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(value: string | null | undefined): void {
    const v = value === null || value === undefined || value === '' ? '(none)' : value;
    const key = this.counts.has(v) || this.counts.size < MAX_DISTINCT ? v : '(other)';
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** The counts as a plain object, largest first (ties by value), so summaries read the same each run. */
  toJSON(): Record<string, number> {
    const entries = [...this.counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    // fromEntries defines own properties, so a value such as `__proto__` stays an ordinary count.
    return Object.fromEntries(entries);
  }
}
