/**
 * The service's rule for text PostgreSQL cannot hold. `text` and `jsonb` refuse U+0000, and
 * an unpaired UTF-16 surrogate has no UTF-8 form at all, so neither can be stored as sent.
 * The service refuses such text at the edge with a 400 naming the field (see
 * `http/middleware/input-guard.ts`) instead of altering it; text that arrives from AWS
 * (sync, refresh) is made storable with {@link toStorableText}. The emulator, which must
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

/** Message of the 400 for such text; it never echoes the value. */
export const UNSTORABLE_TEXT_MESSAGE = 'must not contain U+0000 or unpaired UTF-16 surrogates';
