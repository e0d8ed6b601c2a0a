import { findUnstorable } from '../../../../src/http/middleware/input-guard.js';
import { MAX_JSON_DEPTH, scanJsonText } from '../../../../src/http/middleware/json-body.js';

describe('scanJsonText', () => {
  const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  it('accepts ordinary JSON, including brackets and quotes inside strings', () => {
    expect(() =>
      scanJsonText('{"a":"{[\\"}]","b":[{"a":1},{"a":2}],"c":{"a":{"a":null}}}', MAX_JSON_DEPTH),
    ).not.toThrow();
    expect(() => scanJsonText(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).not.toThrow();
  });
  it('refuses nesting deeper than the bound without recursing', () => {
    expect(() => scanJsonText(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toThrow(/^body: nests deeper than 64/);
    expect(() => scanJsonText(`{"a":${'{"a":'.repeat(1_000_000)}`, MAX_JSON_DEPTH)).toThrow(/nests deeper/);
  });
  it('refuses a key repeated in one object, compared after unescaping', () => {
    expect(() => scanJsonText('{"kms":"x","kms":"y"}', 64)).toThrow(/^body: repeats the key "kms"/);
    expect(() => scanJsonText('{"kms":"x","\\u006bms":"y"}', 64)).toThrow(/repeats the key "kms"/);
    expect(() => scanJsonText('{"a\\u0000":1,"a\\u0000":2}', 64)).toThrow(/repeats the key \(not shown\)/);
  });
  it('allows the same key in different objects and as a value', () => {
    expect(() => scanJsonText('{"a":{"a":"a"},"b":[{"a":1},{"a":2}],"c":"a"}', 64)).not.toThrow();
  });
  it('leaves malformed text to JSON.parse', () => {
    for (const text of ['{"a":', '}}]]', '"unterminated', '{"a" "b"}'])
      expect(() => scanJsonText(text, 64)).not.toThrow();
  });
});

describe('findUnstorable', () => {
  it('names the first string holding U+0000 or an unpaired surrogate', () => {
    expect(findUnstorable({ aws_param: { Tags: [{ TagKey: 'a', TagValue: 'b\u0000' }] } }, '')).toBe(
      'aws_param.Tags[0].TagValue',
    );
    expect(findUnstorable({ tags: ['ok', '\ud800'] }, '')).toBe('tags[1]');
    expect(findUnstorable({ meta: { 'k\udfff': 1 } }, '')).toBe('meta');
    expect(findUnstorable({ a: ['ok', { b: '🔑' }] }, '')).toBeUndefined();
  });
});
