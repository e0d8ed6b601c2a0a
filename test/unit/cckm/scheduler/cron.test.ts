import { isTimeZone, parseCron } from '../../../../src/cckm/scheduler/cron.js';
import { ValidationError } from '../../../../src/errors/index.js';

const at = (iso: string) => new Date(iso);
/** The next `n` ticks after `from`, as ISO strings. */
function ticks(expr: string, from: string, n: number, zone = 'UTC'): string[] {
  const c = parseCron(expr, zone);
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    const next = c.next(t);
    if (!next) break;
    out.push(next.toISOString());
    t = next;
  }
  return out;
}

function rejection(expr: string, zone = 'UTC'): ValidationError {
  try {
    parseCron(expr, zone);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error(`${expr} was accepted`);
}

describe('cron schedule (run_at)', () => {
  it.each([
    ['* * * * *', '2026-01-01T00:00:30Z', ['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']],
    ['*/15 * * * *', '2026-01-01T00:07:00Z', ['2026-01-01T00:15:00.000Z', '2026-01-01T00:30:00.000Z']],
    ['0 9 * * sat', '2026-12-02T12:00:00Z', ['2026-12-05T09:00:00.000Z', '2026-12-12T09:00:00.000Z']],
    ['0 9 * * 6', '2026-12-05T09:00:00Z', ['2026-12-12T09:00:00.000Z']],
    ['30 2 1 * *', '2026-01-15T00:00:00Z', ['2026-02-01T02:30:00.000Z', '2026-03-01T02:30:00.000Z']],
    ['0 0 29 2 *', '2026-01-01T00:00:00Z', ['2028-02-29T00:00:00.000Z']],
    ['0 0 31 * *', '2026-04-01T00:00:00Z', ['2026-05-31T00:00:00.000Z', '2026-07-31T00:00:00.000Z']],
    [
      '5-10/5 1,3 * JAN-Feb mon-fri',
      '2026-01-01T00:00:00Z',
      ['2026-01-01T01:05:00.000Z', '2026-01-01T01:10:00.000Z', '2026-01-01T03:05:00.000Z'],
    ],
    ['0 0 * * 7', '2026-01-01T00:00:00Z', ['2026-01-04T00:00:00.000Z']],
    ['0 12 1-7 * 1/7', '2026-03-01T00:00:00Z', ['2026-03-01T12:00:00.000Z', '2026-03-02T12:00:00.000Z']],
    [
      '0 0 13 * 5',
      '2026-03-01T00:00:00Z',
      ['2026-03-06T00:00:00.000Z', '2026-03-13T00:00:00.000Z', '2026-03-20T00:00:00.000Z'],
    ],
  ])('%s after %s', (expr, from, expected) => {
    expect(ticks(expr, from, expected.length)).toEqual(expected);
  });

  it('ticks are strictly after the given time, in whole minutes', () => {
    const c = parseCron('0 * * * *');
    expect(c.next(at('2026-01-01T10:00:00Z'))!.toISOString()).toBe('2026-01-01T11:00:00.000Z');
    expect(c.next(at('2026-01-01T09:59:59.999Z'))!.toISOString()).toBe('2026-01-01T10:00:00.000Z');
  });

  it('evaluates in the time zone, across daylight saving time', () => {
    // 09:00 in Paris is 08:00 UTC in winter and 07:00 UTC in summer.
    expect(ticks('0 9 * * *', '2026-03-27T12:00:00Z', 3, 'Europe/Paris')).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
    // 02:30 does not exist on 2026-03-29 in Paris (02:00 → 03:00): that day has no tick.
    expect(ticks('30 2 * * *', '2026-03-28T12:00:00Z', 2, 'Europe/Paris')).toEqual([
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
    // 02:30 happens twice on 2026-10-25 in Paris (03:00 → 02:00): it runs once, the first time.
    expect(ticks('30 2 * * *', '2026-10-24T12:00:00Z', 2, 'Europe/Paris')).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    // New York: midnight ticks around the March change stay at local midnight.
    expect(ticks('0 0 * * *', '2026-03-07T12:00:00Z', 3, 'America/New_York')).toEqual([
      '2026-03-08T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
      '2026-03-10T04:00:00.000Z',
    ]);
    expect(ticks('0 9 * * *', '2026-01-01T00:00:00Z', 1, 'Asia/Kolkata')).toEqual(['2026-01-01T03:30:00.000Z']);
  });

  it('normalises spacing and keeps the zone', () => {
    const c = parseCron('  0   9 * *  sat ', 'Europe/Paris');
    expect(c.expression).toBe('0 9 * * sat');
    expect(c.timeZone).toBe('Europe/Paris');
  });

  it.each([
    ['', 'found 0'],
    ['* * * *', 'found 4'],
    ['* * * * * *', 'found 6'],
    ['60 * * * *', 'minute: 60 is outside 0-59'],
    ['* 24 * * *', 'hour: 24 is outside 0-23'],
    ['* * 0 * *', 'day of month: 0 is outside 1-31'],
    ['* * 32 * *', 'day of month: 32 is outside 1-31'],
    ['* * * 13 *', 'month: 13 is outside 1-12'],
    ['* * * * 8', 'day of week: 8 is outside 0-7'],
    ['x * * * *', 'minute: "x" is not a number'],
    ['* * * foo *', 'month: "foo" is not a number or a three-letter name'],
    ['* * * * sunday', 'day of week: "sunday" is not a number or a three-letter name'],
    ['*/0 * * * *', 'minute: step "0" must be a whole number from 1'],
    ['*/x * * * *', 'minute: step "x"'],
    ['1/2/3 * * * *', 'has more than one /'],
    ['5-1 * * * *', 'minute: range 5-1 runs backwards'],
    ['1-2-3 * * * *', 'is not a range a-b'],
    ['-1 * * * *', 'is not a range a-b'],
    ['1,,2 * * * *', 'minute: empty list item'],
    ['? * * * *', 'minute: "?" is not a number'],
    ['* * L * *', 'day of month: "L" is not a number'],
    ['* * * * 5#3', 'day of week: "5#3" is not a number'],
    ['@daily', 'found 1'],
    ['0 0 30 2 *', 'no listed day exists in the listed months'],
    ['0 0 31 4,6,9,11 *', 'no listed day exists'],
    ['+1 * * * *', 'minute: "+1" is not a number'],
    ['001 * * * *', 'minute: "001" is not a number'],
  ])('refuses %j naming run_at (%s)', (expr, message) => {
    const err = rejection(expr);
    expect(err.details).toEqual([{ field: 'run_at', message: expect.stringContaining(message) }]);
  });

  it('a weekday rescues an impossible day of month (either matches)', () => {
    expect(ticks('0 0 30 2 mon', '2026-02-01T00:00:00Z', 1)).toEqual(['2026-02-02T00:00:00.000Z']);
  });

  it('refuses an over-long expression and names another field when asked', () => {
    expect(rejection(`${'1,'.repeat(150)}1 * * * *`).details).toEqual([
      { field: 'run_at', message: expect.stringContaining('at most 200 characters') },
    ]);
    try {
      parseCron('61 * * * *', 'UTC', 'body.run_at');
      throw new Error('accepted');
    } catch (err) {
      expect((err as ValidationError).details).toEqual([{ field: 'body.run_at', message: expect.any(String) }]);
    }
  });

  it('refuses an unknown time zone naming time_zone', () => {
    for (const zone of ['Mars/Olympus', '', 'UTC+1; drop', 'x'.repeat(65)]) {
      expect(isTimeZone(zone)).toBe(false);
      expect(rejection('* * * * *', zone).details).toEqual([{ field: 'time_zone', message: expect.any(String) }]);
    }
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
  });

  it('finds sparse schedules quickly', () => {
    const started = Date.now();
    for (let i = 0; i < 20; i++) parseCron('0 0 29 2 1', 'Europe/Paris').next(at('2026-01-01T00:00:00Z'));
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
