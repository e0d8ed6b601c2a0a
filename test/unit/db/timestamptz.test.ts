/**
 * Timestamps read from PostgreSQL (db/timestamptz.ts) must be the instants pg's own parser
 * gives, for every form PostgreSQL writes: any offset, any fraction, and the rare forms the
 * fast path hands back to pg.
 */
import pg from 'pg';
import { parseTimestamptz } from '../../../src/db/timestamptz.js';

const pgParse = pg.types.getTypeParser(1184, 'text') as (text: string) => Date | number | null;
const same = (text: string) => {
  const ours = parseTimestamptz(text);
  const theirs = pgParse(text);
  return {
    text,
    ours: ours instanceof Date ? ours.getTime() : ours,
    theirs: theirs instanceof Date ? theirs.getTime() : theirs,
  };
};

test('every offset and fraction PostgreSQL writes reads as the instant pg gives', () => {
  const fractions = ['', '.1', '.12', '.123', '.1234', '.12345', '.123456', '.999999', '.000001'];
  const offsets = ['+00', '-00', '+05:30', '-03', '+14', '-12', '+05:45', '-00:25:21', '+01:39:49'];
  for (const day of ['1000-01-01', '1970-01-01', '2000-02-29', '2026-12-02', '9999-12-31'])
    for (const time of ['00:00:00', '12:34:56', '23:59:59'])
      for (const f of fractions)
        for (const o of offsets) {
          const r = same(`${day} ${time}${f}${o}`);
          expect(r.ours).toBe(r.theirs);
        }
});

test('the fraction is truncated to the millisecond, as pg does', () => {
  expect((parseTimestamptz('2026-12-02 21:28:36.417999+00') as Date).toISOString()).toBe('2026-12-02T21:28:36.417Z');
  expect((parseTimestamptz('2026-12-02 21:28:36.5+02') as Date).toISOString()).toBe('2026-12-02T19:28:36.500Z');
});

test("forms outside the fast path (BC, five-digit and short years, infinity, garbage) get pg's answer", () => {
  for (const text of [
    '0044-03-15 12:00:00+00 BC',
    '0099-01-01 00:00:00+00',
    '12026-12-02 21:28:36+00',
    'infinity',
    '-infinity',
    '2026-12-02',
    '2026-12-02 21:28:36',
    '2026-12-02T21:28:36+00',
    '2026-1x-02 21:28:36+00',
    '2026-12-02 21:28:36+0',
    '2026-12-02 21:28:36.123+00:3',
  ]) {
    const r = same(text);
    expect(r.ours).toEqual(r.theirs);
  }
});
