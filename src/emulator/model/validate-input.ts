import { awsError } from '../../errors/index.js';
import { KMS_OPERATION_SHAPES, KMS_SHAPES } from './kms-shapes.generated.js';
import type { ModelShape } from './model-shape.js';

const MAX_REPORTED = 10;

/** AWS names members in validation messages in lowerCamelCase (`keySpec`, `tags.1.member.tagKey`). */
const lowerNames = new Map<string, string>(); // member names: a bounded set from the model
function lowerFirst(s: string): string {
  let lower = lowerNames.get(s);
  if (lower === undefined) {
    lower = s.charAt(0).toLowerCase() + s.slice(1);
    lowerNames.set(s, lower);
  }
  return lower;
}

const patternCache = new Map<string, RegExp | null>();
function compiled(pattern: string): RegExp | null {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = null; // a Java-only construct: the model check is skipped, operations still validate
    }
    patternCache.set(pattern, re);
  }
  return re;
}

function checkLength(shape: ModelShape, length: number, path: string, out: string[]): void {
  if (shape.min !== undefined && length < shape.min) {
    out.push(
      `Value at '${path}' failed to satisfy constraint: Member must have length greater than or equal to ${shape.min}`,
    );
  }
  if (shape.max !== undefined && length > shape.max) {
    out.push(
      `Value at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${shape.max}`,
    );
  }
}

/**
 * The length in code points (as AWS counts), computed only when the UTF-16 length cannot
 * settle the bounds: n UTF-16 units hold between n/2 and n code points.
 */
function codePointLength(shape: ModelShape, value: string): number {
  const n = value.length;
  if ((shape.min === undefined || Math.ceil(n / 2) >= shape.min) && (shape.max === undefined || n <= shape.max))
    return n;
  let count = 0;
  for (const _ of value) count++;
  return count;
}

function checkString(shape: ModelShape, value: string, path: string, out: string[]): void {
  if (shape.e) {
    if (!shape.e.includes(value)) {
      out.push(
        `Value at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${shape.e.join(', ')}]`,
      );
    }
    return;
  }
  checkLength(shape, codePointLength(shape, value), path, out);
  const re = shape.p === undefined ? null : compiled(shape.p);
  if (re && !re.test(value)) {
    out.push(
      `Value at '${path}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${shape.p}`,
    );
  }
}

function checkNumber(shape: ModelShape, value: number, path: string, out: string[]): void {
  if (!Number.isInteger(value)) {
    out.push(`Value at '${path}' failed to satisfy constraint: Member must be an integer`);
    return;
  }
  if (shape.min !== undefined && value < shape.min) {
    out.push(
      `Value at '${path}' failed to satisfy constraint: Member must have value greater than or equal to ${shape.min}`,
    );
  }
  if (shape.max !== undefined && value > shape.max) {
    out.push(
      `Value at '${path}' failed to satisfy constraint: Member must have value less than or equal to ${shape.max}`,
    );
  }
}

const typeError = (path: string, what: string) =>
  `Value at '${path}' failed to satisfy constraint: Member must be ${what}`;

function checkStructure(shape: ModelShape, value: unknown, path: string, out: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    out.push(typeError(path || 'input', 'a structure'));
    return;
  }
  const record = value as Record<string, unknown>;
  for (const name of shape.r ?? []) {
    if (record[name] === undefined || record[name] === null) {
      out.push(
        `Value null at '${path ? `${path}.` : ''}${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
      );
    }
  }
  for (const [name, shapeName] of Object.entries(shape.m ?? {})) {
    const v = record[name];
    if (v !== undefined && v !== null) check(shapeName, v, `${path ? `${path}.` : ''}${lowerFirst(name)}`, out);
  }
}

function check(shapeName: string, value: unknown, path: string, out: string[]): void {
  const shape = KMS_SHAPES[shapeName];
  if (!shape || out.length >= MAX_REPORTED) return;
  switch (shape.t) {
    case 'structure':
      return checkStructure(shape, value, path, out);
    case 'string':
      return typeof value === 'string'
        ? checkString(shape, value, path, out)
        : void out.push(typeError(path, 'a string'));
    case 'integer':
    case 'long':
      return typeof value === 'number'
        ? checkNumber(shape, value, path, out)
        : void out.push(typeError(path, 'a number'));
    case 'boolean':
      return typeof value === 'boolean' ? undefined : void out.push(typeError(path, 'a boolean'));
    case 'blob':
      return value instanceof Uint8Array
        ? checkLength(shape, value.length, path, out)
        : void out.push(typeError(path, 'binary data'));
    case 'timestamp':
      return value instanceof Date && !Number.isNaN(value.getTime())
        ? undefined
        : void out.push(typeError(path, 'a timestamp'));
    case 'list':
      if (!Array.isArray(value)) return void out.push(typeError(path, 'a list'));
      checkLength(shape, value.length, path, out);
      value.forEach((item, i) => check(shape.l ?? '', item, `${path}.${i + 1}.member`, out));
      return;
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return void out.push(typeError(path, 'a map'));
      const entries = Object.entries(value as Record<string, unknown>);
      checkLength(shape, entries.length, path, out);
      for (const [k, v] of entries) {
        check(shape.k ?? '', k, `${path}.key`, out);
        check(shape.v ?? '', v, `${path}.value`, out);
      }
      return;
    }
  }
}

/**
 * Validates an operation's input against the AWS model: required members, types,
 * lengths, ranges, enums and patterns. Messages follow AWS's "N validation errors
 * detected: Value at 'x' failed to satisfy constraint: ..." form but never echo the
 * offending value (it could be a secret).
 *
 * @throws ValidationException
 */
export function validateInput(op: string, input: unknown): void {
  const shapeName = KMS_OPERATION_SHAPES[op]?.i;
  if (!shapeName) return;
  const errors: string[] = [];
  check(shapeName, input ?? {}, '', errors);
  if (errors.length === 0) return;
  const n = errors.length;
  throw awsError('ValidationException', `${n} validation error${n === 1 ? '' : 's'} detected: ${errors.join('; ')}`);
}
