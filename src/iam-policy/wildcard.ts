/**
 * IAM-style wildcard matching: `*` matches any run of characters (empty included), `?`
 * exactly one, everything else itself. Policy Action and Resource patterns use it.
 *
 * Never compiled to a RegExp: a pattern such as `*` × 25 + `Z` makes a backtracking
 * regex engine take exponential time. This is the classic two-pointer greedy match that
 * backtracks only to the most recent `*`: O(pattern × value) in the worst case, linear
 * in the usual one, no allocation beyond the case fold.
 *
 * Pure: imports nothing.
 */

export interface WildcardOptions {
  /** Compare case-insensitively (IAM action names); default false (ARNs are case-sensitive). */
  ignoreCase?: boolean;
}

/** Whether `value` matches the whole of `pattern`. */
export function wildcardMatch(pattern: string, value: string, opts: WildcardOptions = {}): boolean {
  const p = opts.ignoreCase ? pattern.toLowerCase() : pattern;
  const v = opts.ignoreCase ? value.toLowerCase() : value;
  let pi = 0;
  let vi = 0;
  /** Index in `p` just after the last `*` seen, and the value index it currently stands at. */
  let star = -1;
  let starV = 0;
  while (vi < v.length) {
    const c = p.charCodeAt(pi);
    if (pi < p.length && c === STAR) {
      // A run of stars is one star.
      while (p.charCodeAt(pi) === STAR) pi++;
      star = pi;
      starV = vi;
    } else if (pi < p.length && (c === QUESTION || c === v.charCodeAt(vi))) {
      pi++;
      vi++;
    } else if (star >= 0) {
      // Mismatch: let the last star swallow one more character and retry after it.
      pi = star;
      vi = ++starV;
    } else {
      return false;
    }
  }
  while (p.charCodeAt(pi) === STAR) pi++;
  return pi === p.length;
}

const STAR = 0x2a;
const QUESTION = 0x3f;
