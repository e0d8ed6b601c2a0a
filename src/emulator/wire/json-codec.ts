import { awsError } from '../../errors/index.js';
import { KMS_OPERATION_SHAPES, KMS_SHAPES } from '../model/kms-shapes.generated.js';

/**
 * AWS JSON 1.1 value conversion, driven by the model's shapes: blobs travel as base64
 * strings and timestamps as epoch seconds (a number, fractional for milliseconds);
 * everything else is plain JSON. Input of the wrong JSON type is a SerializationException,
 * as AWS's own deserializer reports it.
 *
 * Each shape's converter is built once, on first use, from the model (member lists
 * resolved, no per-call `Object.entries`): this runs on every wire request.
 */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const serialization = (path: string, what: string) =>
  awsError('SerializationException', `Could not deserialize '${path}': expected ${what}.`);

type Convert = (value: unknown, path: string) => unknown;

/** Decodes canonical base64 into a new Uint8Array of exactly the encoded length (no pooled Buffer, one copy). */
function decodeBase64(value: string, path: string): Uint8Array {
  if (value.length % 4 !== 0 || !BASE64.test(value)) throw serialization(path, 'base64 data');
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  const length = (value.length / 4) * 3 - padding;
  const out = new Uint8Array(length);
  if (length > 0 && Buffer.from(out.buffer, 0, length).write(value, 'base64') !== length)
    throw serialization(path, 'base64 data');
  return out;
}

const identity: Convert = (value) => value;

const decoders = new Map<string, Convert>();

/** The input converter of a shape (identity for shapes the model lacks). */
function decoderOf(shapeName: string | undefined): Convert {
  if (!shapeName) return identity;
  let d = decoders.get(shapeName);
  if (!d) {
    // Registered before it is built, so recursive shapes resolve to this entry.
    const built: { fn?: Convert } = {};
    decoders.set(shapeName, (v, p) => built.fn!(v, p));
    built.fn = buildDecoder(shapeName);
    decoders.set(shapeName, built.fn);
    d = built.fn;
  }
  return d;
}

function buildDecoder(shapeName: string): Convert {
  const shape = KMS_SHAPES[shapeName];
  if (!shape) return identity;
  switch (shape.t) {
    case 'blob':
      return (value, path) => {
        if (value === null || value === undefined) return value;
        if (typeof value !== 'string') throw serialization(path, 'base64 data');
        return decodeBase64(value, path);
      };
    case 'timestamp':
      return (value, path) => {
        if (value === null || value === undefined) return value;
        if (typeof value !== 'number' || !Number.isFinite(value))
          throw serialization(path, 'a number of epoch seconds');
        return new Date(value * 1000);
      };
    case 'string':
      return (value, path) => {
        if (value !== null && value !== undefined && typeof value !== 'string') throw serialization(path, 'a string');
        return value;
      };
    case 'integer':
    case 'long':
      return (value, path) => {
        if (value !== null && value !== undefined && (typeof value !== 'number' || !Number.isInteger(value)))
          throw serialization(path, 'an integer');
        return value;
      };
    case 'boolean':
      return (value, path) => {
        if (value !== null && value !== undefined && typeof value !== 'boolean') throw serialization(path, 'a boolean');
        return value;
      };
    case 'list': {
      const member = shape.l;
      return (value, path) => {
        if (value === null || value === undefined) return value;
        if (!Array.isArray(value)) throw serialization(path, 'a list');
        const item = decoderOf(member);
        return value.map((v, i) => item(v, `${path}[${i}]`));
      };
    }
    case 'map': {
      const valueShape = shape.v;
      return (value, path) => {
        if (value === null || value === undefined) return value;
        if (typeof value !== 'object' || Array.isArray(value)) throw serialization(path, 'a map');
        const item = decoderOf(valueShape);
        // fromEntries, not assignment: a `__proto__` key stays an ordinary own property.
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, item(v, `${path}.value`)]));
      };
    }
    case 'structure': {
      const members = Object.entries(shape.m ?? {});
      return (value, path) => {
        if (value === null || value === undefined) return value;
        if (typeof value !== 'object' || Array.isArray(value)) throw serialization(path, 'an object');
        const out: Record<string, unknown> = {};
        // Unknown members are dropped, as AWS ignores them.
        for (const [name, memberShape] of members) {
          const v = (value as Record<string, unknown>)[name];
          if (v !== undefined) out[name] = decoderOf(memberShape)(v, path ? `${path}.${name}` : name);
        }
        return out;
      };
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
    shape.t === 'blob' ||
    shape.t === 'timestamp' ||
    (shape.t === 'list' && converts(shape.l, seen)) ||
    (shape.t === 'map' && converts(shape.v, seen)) ||
    (shape.t === 'structure' && Object.values(shape.m ?? {}).some((m) => converts(m, seen)));
  needsConversion.set(shapeName, result);
  return result;
}

type Encode = (value: unknown) => unknown;

const encoders = new Map<string, Encode>();

const passThrough: Encode = (value) => (value === null ? undefined : value);

/** The output converter of a shape; members without blobs or timestamps pass through unchanged. */
function encoderOf(shapeName: string | undefined): Encode {
  if (!shapeName) return passThrough;
  let e = encoders.get(shapeName);
  if (!e) {
    const built: { fn?: Encode } = {};
    encoders.set(shapeName, (v) => built.fn!(v));
    built.fn = buildEncoder(shapeName);
    encoders.set(shapeName, built.fn);
    e = built.fn;
  }
  return e;
}

function buildEncoder(shapeName: string): Encode {
  const shape = KMS_SHAPES[shapeName];
  if (!shape) return passThrough;
  switch (shape.t) {
    case 'blob':
      return (value) => {
        if (value === undefined || value === null) return undefined;
        if (!(value instanceof Uint8Array)) return Buffer.from(value as ArrayLike<number>).toString('base64');
        return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'); // a view, no copy
      };
    case 'timestamp':
      return (value) => (value === undefined || value === null ? undefined : (value as Date).getTime() / 1000);
    case 'list': {
      const member = shape.l;
      return (value) => {
        if (value === undefined || value === null) return undefined;
        const item = encoderOf(member);
        return (value as unknown[]).map((v) => item(v));
      };
    }
    case 'map': {
      const valueShape = shape.v;
      return (value) => {
        if (value === undefined || value === null) return undefined;
        const item = encoderOf(valueShape);
        return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, item(v)]));
      };
    }
    case 'structure': {
      const members = Object.entries(shape.m ?? {});
      return (value) => {
        if (value === undefined || value === null) return undefined;
        const out: Record<string, unknown> = {};
        for (const [name, memberShape] of members) {
          const v = (value as Record<string, unknown>)[name];
          if (v === undefined || v === null) continue;
          const encoded = encoderOf(memberShape)(v);
          if (encoded !== undefined) out[name] = encoded;
        }
        return out;
      };
    }
    default:
      return passThrough;
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
  return decoderOf(KMS_OPERATION_SHAPES[op]?.i)(body, '');
}

/** Converts an operation's output into its JSON wire form. */
export function encodeOutput(op: string, output: unknown): unknown {
  const shape = KMS_OPERATION_SHAPES[op]?.o;
  // Plain-JSON outputs (ListKeys, ListKeyPolicies, ...) are already their wire form.
  if (!converts(shape)) return output ?? {};
  return encoderOf(shape)(output) ?? {};
}
