import { awsError } from '../../errors/index.js';
import { KMS_OPERATION_SHAPES, KMS_SHAPES } from '../model/kms-shapes.generated.js';

/**
 * AWS JSON 1.1 value conversion, driven by the model's shapes: blobs travel as base64
 * strings and timestamps as epoch seconds (a number, fractional for milliseconds);
 * everything else is plain JSON. Input of the wrong JSON type is a SerializationException,
 * as AWS's own deserializer reports it.
 */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const serialization = (path: string, what: string) =>
  awsError('SerializationException', `Could not deserialize '${path}': expected ${what}.`);

function decode(shapeName: string | undefined, value: unknown, path: string): unknown {
  const shape = shapeName ? KMS_SHAPES[shapeName] : undefined;
  if (!shape || value === null || value === undefined) return value;
  switch (shape.t) {
    case 'blob':
      if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) throw serialization(path, 'base64 data');
      return new Uint8Array(Buffer.from(value, 'base64'));
    case 'timestamp':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw serialization(path, 'a number of epoch seconds');
      return new Date(value * 1000);
    case 'string':
      if (typeof value !== 'string') throw serialization(path, 'a string');
      return value;
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw serialization(path, 'an integer');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw serialization(path, 'a boolean');
      return value;
    case 'list':
      if (!Array.isArray(value)) throw serialization(path, 'a list');
      return value.map((v, i) => decode(shape.l, v, `${path}[${i}]`));
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) throw serialization(path, 'a map');
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(shape.v, v, `${path}.value`)]));
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) throw serialization(path, 'an object');
      const out: Record<string, unknown> = {};
      // Unknown members are dropped, as AWS ignores them.
      for (const [name, memberShape] of Object.entries(shape.m ?? {})) {
        const v = (value as Record<string, unknown>)[name];
        if (v !== undefined) out[name] = decode(memberShape, v, path ? `${path}.${name}` : name);
      }
      return out;
    }
  }
}

/** Whether a shape contains a blob or timestamp anywhere (only those need converting on output). */
const needsConversion = new Map<string, boolean>();
function converts(shapeName: string | undefined, seen = new Set<string>()): boolean {
  if (!shapeName) return false;
  const known = needsConversion.get(shapeName);
  if (known !== undefined) return known;
  const shape = KMS_SHAPES[shapeName];
  if (!shape || seen.has(shapeName)) return false;
  seen.add(shapeName);
  const result =
    shape.t === 'blob' || shape.t === 'timestamp' ||
    (shape.t === 'list' && converts(shape.l, seen)) ||
    (shape.t === 'map' && converts(shape.v, seen)) ||
    (shape.t === 'structure' && Object.values(shape.m ?? {}).some((m) => converts(m, seen)));
  needsConversion.set(shapeName, result);
  return result;
}

function encode(shapeName: string | undefined, value: unknown): unknown {
  const shape = shapeName ? KMS_SHAPES[shapeName] : undefined;
  if (value === undefined || value === null) return undefined;
  if (!shape) return value;
  switch (shape.t) {
    case 'blob':
      return Buffer.from(value as Uint8Array).toString('base64');
    case 'timestamp':
      return (value as Date).getTime() / 1000;
    case 'list':
      return (value as unknown[]).map((v) => encode(shape.l, v));
    case 'map':
      return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, encode(shape.v, v)]));
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [name, memberShape] of Object.entries(shape.m ?? {})) {
        const v = encode(memberShape, (value as Record<string, unknown>)[name]);
        if (v !== undefined) out[name] = v;
      }
      return out;
    }
    default:
      return value;
  }
}

/**
 * Converts a parsed JSON request body into the SDK input shape of `op`.
 *
 * @throws SerializationException
 */
export function decodeInput(op: string, body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw awsError('SerializationException', 'The request body must be a JSON object.');
  }
  return decode(KMS_OPERATION_SHAPES[op]?.i, body, '');
}

/** Converts an operation's output into its JSON wire form. */
export function encodeOutput(op: string, output: unknown): unknown {
  const shape = KMS_OPERATION_SHAPES[op]?.o;
  // Plain-JSON outputs (ListKeys, ListKeyPolicies, ...) are already their wire form.
  if (!converts(shape)) return output ?? {};
  return encode(shape, output) ?? {};
}
