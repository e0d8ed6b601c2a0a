import { parsePaging, parseSort } from '../../../../src/cckm/common/list.js';
import { hasUnstorableText, toStorableJson, toStorableText } from '../../../../src/cckm/common/text.js';
import { ValidationError } from '../../../../src/errors/index.js';

describe('hasUnstorableText / toStorableText', () => {
  it.each([
    ['plain', false],
    ['ü 鍵 🔑', false],
    ['\ud83d\udd11', false],
    ['a\u0000b', true],
    ['\ud800', true],
    ['x\udfff', true],
    ['\udd11\ud83d', true],
    ['\ud83d\ud83d\udd11', true],
  ])('%j → %s', (s, bad) => {
    expect(hasUnstorableText(s)).toBe(bad);
    expect(hasUnstorableText(toStorableText(s))).toBe(false);
    if (!bad) expect(toStorableText(s)).toBe(s);
  });
  it('replaces each unstorable code unit with U+FFFD', () => {
    expect(toStorableText('a\u0000b\ud800c\udfff🔑')).toBe('a\ufffdb\ufffdc\ufffd🔑');
  });
});

describe('toStorableJson', () => {
  it('replaces unstorable text in every string and key, at any depth, and leaves the rest as it was', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'a\u0000', Condition: { 'k\ud800': ['x', 1, true, null] } }],
    };
    expect(toStorableJson(policy)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'a\ufffd', Condition: { 'k\ufffd': ['x', 1, true, null] } }],
    });
    expect(policy.Statement[0]!.Sid).toBe('a\u0000');
  });
  it('answers the value itself when nothing needs replacing', () => {
    const clean = { a: ['ü 🔑', { b: 1 }] };
    expect(toStorableJson(clean)).toBe(clean);
    expect(toStorableJson('x\u0000')).toBe('x\ufffd');
  });
  it('copes with nesting far deeper than a call stack', () => {
    let deep: unknown = 'a\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    let out = toStorableJson(deep);
    for (let i = 0; i < 100_000; i++) out = (out as unknown[])[0];
    expect(out).toBe('a\ufffd');
  });
});

describe('parsePaging', () => {
  it('takes decimal digits within bounds', () => {
    expect(parsePaging({})).toEqual({ skip: 0, limit: 10 });
    expect(parsePaging({ skip: '20', limit: '-1' })).toEqual({ skip: 20, limit: -1 });
    expect(parsePaging({ skip: '2147483647', limit: '1000' })).toEqual({ skip: 2147483647, limit: 1000 });
  });
  it.each([
    ['skip', '1e400'],
    ['skip', '0x10'],
    ['skip', '1.5'],
    ['skip', '-1'],
    ['skip', ' 1'],
    ['skip', '2147483648'],
    ['skip', ''],
    ['skip', 'Infinity'],
    ['limit', '0x10'],
    ['limit', '1e3'],
    ['limit', '1001'],
    ['limit', '-2'],
    ['limit', '+5'],
    ['limit', '0b1'],
  ])('%s=%j is a 400 naming it', (name, value) => {
    expect(() => parsePaging({ [name]: value })).toThrow(ValidationError);
    expect(() => parsePaging({ [name]: value })).toThrow(new RegExp(`^${name}: `));
  });
});

describe('parseSort', () => {
  const allowed = { name: 'name', createdAt: 'createdAt' };
  it('resolves own fields, with - for descending', () => {
    expect(parseSort('-name', allowed)).toEqual({ field: 'name', desc: true });
  });
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', '-valueOf'])('%s is not a field', (s) => {
    expect(() => parseSort(s, allowed)).toThrow(/^sort: /);
  });
});
