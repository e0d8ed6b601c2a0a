import type { Tag } from '@aws-sdk/client-kms';
import { isAppError, type ErrorDetail } from '../../errors/index.js';
import { checkAliasName } from '../operations/alias-rules.js';
import { validateNewTags, MAX_TAGS_PER_KEY } from '../model/tags.js';
import { SEED_LIMITS } from './seed-document.js';

/** At most this many problems are reported for one seed file (the first ones, in file order). */
const MAX_ISSUES = 50;

/** Collects validation problems, each named by its JSON path (`keys[3].KeySpec`). */
export class SeedIssues {
  readonly list: ErrorDetail[] = [];

  add(field: string, message: string): void {
    if (this.list.length < MAX_ISSUES) this.list.push({ field, message });
  }

  /** Runs a check that throws an AppError (the emulator's own validators) and records its message. */
  check(field: string, fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      if (!isAppError(err)) throw err;
      this.add(field, err.message);
      return false;
    }
  }
}

/** A JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reports every field of `obj` that is not in `allowed`. */
export function rejectUnknownFields(
  issues: SeedIssues,
  path: string,
  obj: Record<string, unknown>,
  allowed: readonly string[],
) {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) issues.add(`${path}.${k}`, `unknown field (allowed: ${allowed.join(', ')})`);
  }
}

/** An optional string matching `pattern`, at most `max` characters; undefined when absent or invalid. */
export function optionalString(
  issues: SeedIssues,
  path: string,
  value: unknown,
  opts: { max: number; pattern?: RegExp; expected?: string },
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    issues.add(path, 'must be a string');
    return undefined;
  }
  if (value.length > opts.max) {
    issues.add(path, `must be at most ${opts.max} characters`);
    return undefined;
  }
  if (opts.pattern && !opts.pattern.test(value)) {
    issues.add(path, `must be ${opts.expected ?? `a string matching ${opts.pattern.source}`}`);
    return undefined;
  }
  return value;
}

/** An optional boolean (default `fallback`). */
export function optionalBoolean(issues: SeedIssues, path: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    issues.add(path, 'must be true or false');
    return fallback;
  }
  return value;
}

/** An optional array of at most `max` items (empty when absent or invalid). */
export function optionalArray(issues: SeedIssues, path: string, value: unknown, max: number): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.add(path, 'must be an array');
    return [];
  }
  if (value.length > max) {
    issues.add(path, `must have at most ${max} items`);
    return [];
  }
  return value;
}

/** Tags as CreateKey takes them: `[{ "TagKey": "...", "TagValue": "..." }]`, checked as AWS checks them. */
export function readTags(issues: SeedIssues, path: string, value: unknown): Tag[] {
  const tags: Tag[] = [];
  optionalArray(issues, path, value, MAX_TAGS_PER_KEY).forEach((t, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(t)) return issues.add(at, 'must be an object with TagKey and TagValue');
    rejectUnknownFields(issues, at, t, ['TagKey', 'TagValue']);
    const key = optionalString(issues, `${at}.TagKey`, t.TagKey, { max: 128, pattern: /^.+$/su, expected: 'set' });
    if (t.TagKey === undefined) issues.add(`${at}.TagKey`, 'is required');
    const tagValue = optionalString(issues, `${at}.TagValue`, t.TagValue, { max: 256 }) ?? '';
    if (key !== undefined) tags.push({ TagKey: key, TagValue: tagValue });
  });
  issues.check(path, () => validateNewTags(tags));
  return tags;
}

const ALIAS_NAME = /^[a-zA-Z0-9:/_-]+$/;

/** Alias names (`alias/...`), checked as CreateAlias checks them. */
export function readAliases(issues: SeedIssues, path: string, value: unknown): string[] {
  const names: string[] = [];
  optionalArray(issues, path, value, SEED_LIMITS.aliasesPerKey).forEach((a, i) => {
    const at = `${path}[${i}]`;
    const name = optionalString(issues, at, a, {
      max: 256,
      pattern: ALIAS_NAME,
      expected: 'an alias name (alias/ followed by letters, digits, / _ - :)',
    });
    if (typeof a !== 'string') return;
    if (name !== undefined && issues.check(at, () => checkAliasName(name))) names.push(name);
  });
  return names;
}
