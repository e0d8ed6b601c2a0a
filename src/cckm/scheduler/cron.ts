import { ValidationError } from '../../errors/index.js';

/**
 * A strict 5-field cron expression (`minute hour day-of-month month day-of-week`), as the
 * original's `run_at` takes it, evaluated in an IANA time zone.
 *
 * Each field is `*`, a value, a range `a-b`, a step `*\/n` or `a-b/n` or `a/n`, or a comma
 * list of those. Months and days of the week also take their three-letter English names
 * (`jan`, `sat`, any case); day of week 0 and 7 are both Sunday. As in Vixie cron, when
 * both day of month and day of week are restricted a day matching either runs.
 * Nothing else is accepted (no `?`, `L`, `W`, `#`, seconds or years, no `@daily`), so an
 * expression means the same thing to every cron reader.
 */
export interface CronSchedule {
  readonly expression: string;
  readonly timeZone: string;
  /** The first tick strictly after `after` (whole minutes), or null when none within 8 years. */
  next(after: Date): Date | null;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** Days in each month of a leap year: a day-of-month list that fits none of the months never runs. */
const MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MAX_EXPRESSION = 200;
const SEARCH_YEARS = 8;

function fail(field: string, message: string): never {
  throw ValidationError.field(field, message);
}

function value(raw: string, spec: FieldSpec, field: string): number {
  const named = spec.names?.indexOf(raw.toLowerCase()) ?? -1;
  if (named >= 0) return named + (spec.name === 'month' ? 1 : 0);
  if (!/^[0-9]{1,2}$/.test(raw))
    fail(field, `${spec.name}: "${raw}" is not a number${spec.names ? ' or a three-letter name' : ''}`);
  const n = Number(raw);
  if (n < spec.min || n > spec.max) fail(field, `${spec.name}: ${n} is outside ${spec.min}-${spec.max}`);
  return n;
}

/** One field as the set of values it matches. */
function parseField(raw: string, spec: FieldSpec, field: string): Set<number> {
  const values = new Set<number>();
  const items = raw.split(',');
  for (const item of items) {
    if (!item) fail(field, `${spec.name}: empty list item`);
    const [range, stepRaw, extra] = item.split('/');
    if (extra !== undefined) fail(field, `${spec.name}: "${item}" has more than one /`);
    let step = 1;
    if (stepRaw !== undefined) {
      if (!/^[0-9]{1,2}$/.test(stepRaw) || Number(stepRaw) < 1)
        fail(field, `${spec.name}: step "${stepRaw}" must be a whole number from 1`);
      step = Number(stepRaw);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.name === 'day of week' ? 6 : spec.max;
    } else if (range!.includes('-')) {
      const [a, b, more] = range!.split('-');
      if (more !== undefined || !a || !b) fail(field, `${spec.name}: "${range}" is not a range a-b`);
      from = value(a, spec, field);
      to = value(b, spec, field);
      if (from > to) fail(field, `${spec.name}: range ${range} runs backwards`);
    } else {
      from = value(range!, spec, field);
      to = stepRaw !== undefined ? (spec.name === 'day of week' ? 6 : spec.max) : from;
    }
    for (let v = from; v <= to; v += step) values.add(spec.name === 'day of week' && v === 7 ? 0 : v);
  }
  return values;
}

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  if (!zone || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields of an instant in a time zone. */
function wallClock(t: number, zone: string) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(t))) parts[p.type] = p.value;
  return {
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday!),
  };
}

const MINUTE = 60_000;

/**
 * Parses `run_at` in `timeZone`.
 * @throws ValidationError naming `field` (and the cron field at fault), or `timeZoneField` for an unknown zone
 */
export function parseCron(
  expression: string,
  timeZone = 'UTC',
  field = 'run_at',
  timeZoneField = 'time_zone',
): CronSchedule {
  if (typeof expression !== 'string' || expression.length > MAX_EXPRESSION)
    fail(field, `must be a 5-field cron expression of at most ${MAX_EXPRESSION} characters`);
  if (!isTimeZone(timeZone)) fail(timeZoneField, 'must be an IANA time zone such as UTC or Europe/Paris');
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] === '')
    fail(
      field,
      `must have 5 fields (minute hour day-of-month month day-of-week); found ${parts[0] === '' ? 0 : parts.length}`,
    );
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i]!, field));
  // Vixie cron: a day field starting with * does not restrict the day (the other one does).
  const domStar = parts[2]!.startsWith('*');
  const dowStar = parts[4]!.startsWith('*');
  if (dowStar && ![...month!].some((m) => [...dom!].some((d) => d <= MAX_DAYS[m - 1]!)))
    fail(field, 'day of month: no listed day exists in the listed months, so the schedule would never run');
  const dayMatches = (c: ReturnType<typeof wallClock>) => {
    if (!month!.has(c.month)) return false;
    const byDom = dom!.has(c.day);
    const byDow = dow!.has(c.weekday);
    if (domStar && dowStar) return true;
    if (domStar) return byDow;
    if (dowStar) return byDom;
    return byDom || byDow;
  };
  const normalised = parts.join(' ');
  return {
    expression: normalised,
    timeZone,
    next(after: Date): Date | null {
      // Whole minutes in UTC are whole minutes in every zone AWS regions use (offsets are whole minutes).
      let t = Math.floor(after.getTime() / MINUTE) * MINUTE + MINUTE;
      const end = after.getTime() + SEARCH_YEARS * 366 * 86_400_000;
      while (t <= end) {
        const c = wallClock(t, timeZone);
        if (!dayMatches(c)) {
          // Towards the next local midnight, an hour short of it: a day of 23 hours (DST starts) is never overshot.
          const left = (23 - c.hour) * 60 + (60 - c.minute);
          t += (left > 60 ? left - 60 : left) * MINUTE;
          continue;
        }
        if (!hour!.has(c.hour)) {
          t += (60 - c.minute) * MINUTE;
          continue;
        }
        if (!minute!.has(c.minute)) {
          t += MINUTE;
          continue;
        }
        // When clocks go back an hour, a wall-clock time occurs twice: it runs the first time only.
        const hourBefore = wallClock(t - 60 * MINUTE, timeZone);
        if (hourBefore.day === c.day && hourBefore.hour === c.hour && hourBefore.minute === c.minute) {
          t += MINUTE;
          continue;
        }
        return new Date(t);
      }
      return null;
    },
  };
}
