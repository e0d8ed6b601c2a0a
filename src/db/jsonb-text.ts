/**
 * A reversible encoding of JSON documents for PostgreSQL's jsonb, which refuses U+0000 and
 * unpaired surrogates (`\u0000`, `\ud800`) although AWS accepts both in any text (a key's
 * Description, tag values, policies). Used by the emulator's store, which must give such
 * text back byte for byte after a restart. Within a string:
 *   U+0000 → ESC `0`; an unpaired surrogate U+Dxxx → ESC `u` `dxxx`; ESC itself → ESC ESC,
 * with ESC = U+E000 (private use). Text without these characters is stored unchanged.
 */
const ESC = '\ue000';

/**
 * JSON text for jsonb. Works on JSON.stringify's output, where U+0000 and unpaired
 * surrogates are always the escapes `\u0000` and `\udxxx` (lower-case hex) and ESC is a raw
 * character; `\\` is matched first so an escaped backslash is never read as the start of
 * an escape.
 */
export function toJsonbText(doc: unknown): string {
  const json = JSON.stringify(doc);
  if (!json.includes('\\u') && !json.includes(ESC)) return json;
  return json.replace(/\\\\|\\u0000|\\u(d[89a-f][0-9a-f]{2})|\ue000/g, (m, surrogate: string | undefined) => {
    if (m === '\\\\') return m;
    if (m === ESC) return ESC + ESC;
    return surrogate ? `${ESC}u${surrogate}` : `${ESC}0`;
  });
}

/** The document {@link toJsonbText} encoded, from jsonb as the driver parsed it. */
export function fromJsonb<T>(doc: T): T {
  const stack: unknown[] = [doc];
  let changed = false;
  // A cheap first pass: most documents hold no ESC and are returned as they are.
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes(ESC)) changed = true;
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes(ESC)) changed = true;
        stack.push(child);
      }
    }
    if (changed) break;
  }
  return changed ? (decodeValue(doc) as T) : doc;
}

function decodeValue(v: unknown): unknown {
  if (typeof v === 'string') return decodeString(v);
  if (Array.isArray(v)) return v.map(decodeValue);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v)) out[decodeString(k)] = decodeValue(child);
    return out;
  }
  return v;
}

function decodeString(s: string): string {
  if (!s.includes(ESC)) return s;
  return s.replace(/\ue000(\ue000|0|u(d[89a-f][0-9a-f]{2}))/g, (_m, what: string, surrogate: string | undefined) =>
    surrogate ? String.fromCharCode(parseInt(surrogate, 16)) : what === '0' ? '\u0000' : ESC,
  );
}
