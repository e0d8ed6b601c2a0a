/**
 * The service's rule for text PostgreSQL cannot hold. `text` and `jsonb` refuse U+0000, and
 * an unpaired UTF-16 surrogate has no UTF-8 form at all, so neither can be stored as sent.
 * The service refuses such text at the edge with a 400 naming the field (see
 * `http/middleware/input-guard.ts`) instead of altering it; text that arrives from AWS
 * (sync, refresh) is made storable with {@link toStorableText} / {@link toStorableJson}. The emulator, which must
 * give AWS text back byte for byte, escapes it in its own store instead
 * (`db/jsonb-text.ts`).
 */

/** U+0000, a high surrogate not followed by a low one, or a low one not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this must find
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** True when `s` holds U+0000 or an unpaired surrogate. */
export function hasUnstorableText(s: string): boolean {
  return UNSTORABLE.test(s);
}

/** `s` with U+0000 and unpaired surrogates replaced by U+FFFD (for text the service did not receive from a client). */
export function toStorableText(s: string): string {
  return hasUnstorableText(s) ? s.replace(UNSTORABLE_ALL, '\ufffd') : s;
}

/**
 * A JSON value (a key policy read from AWS) with every string and key made storable by
 * {@link toStorableText}; the value itself when nothing needs it. Iterative, so the depth of
 * `value` does not matter.
 */
export function toStorableJson<T>(value: T): T {
  if (!holdsUnstorableText(value)) return value;
  const root: { v?: unknown } = {};
  const stack: [unknown, Record<string, unknown> | unknown[], string | number][] = [
    [value, root as Record<string, unknown>, 'v'],
  ];
  while (stack.length) {
    const [v, parent, at] = stack.pop()!;
    let copy: unknown = v;
    if (typeof v === 'string') copy = toStorableText(v);
    else if (Array.isArray(v)) {
      const out: unknown[] = new Array(v.length);
      v.forEach((child, i) => stack.push([child, out, i]));
      copy = out;
    } else if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(v)) stack.push([child, out, toStorableText(k)]);
      copy = out;
    }
    (parent as Record<string | number, unknown>)[at] = copy;
  }
  return root.v as T;
}

function holdsUnstorableText(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (hasUnstorableText(v)) return true;
    } else if (Array.isArray(v)) stack.push(...v);
    else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (hasUnstorableText(k)) return true;
        stack.push(child);
      }
    }
  }
  return false;
}

/** Message of the 400 for such text; it never echoes the value. */
export const UNSTORABLE_TEXT_MESSAGE = 'must not contain U+0000 or unpaired UTF-16 surrogates';
