import { fromJsonb, toJsonbText } from '../../../src/db/jsonb-text.js';

/** PostgreSQL's jsonb refuses `\u0000` and unpaired surrogate escapes: what toJsonbText emits must hold neither. */
const JSONB_REFUSES = /(?<!\\)(?:\\\\)*\\u(0000|d[89a-f][0-9a-f]{2})/i;

describe('jsonb text codec', () => {
  it.each([
    'plain',
    'a\u0000b',
    '\ud800',
    'x\udfff',
    '\ue000',
    '\ue0000',
    '\ue000u d800',
    '\\u0000 as text',
    '\\\\ud800 as text',
    '\\\u0000',
    '🔑 \ud83d\udd11',
    '\u0001\u001f"\\',
  ])('%j round-trips exactly and jsonb can hold it', (s) => {
    const doc = { s, list: [s, { [s]: s }] };
    const text = toJsonbText(doc);
    expect(text).not.toMatch(JSONB_REFUSES);
    expect(fromJsonb(JSON.parse(text))).toEqual(doc);
  });
  it('leaves documents without such text untouched', () => {
    const doc = { KeyState: 'Enabled', tags: [{ TagKey: 'ü', TagValue: '鍵' }] };
    expect(toJsonbText(doc)).toBe(JSON.stringify(doc));
    const parsed = JSON.parse(JSON.stringify(doc));
    expect(fromJsonb(parsed)).toBe(parsed);
  });
});
