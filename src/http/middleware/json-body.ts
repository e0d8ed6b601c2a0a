import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type RequestHandler } from 'express';
import { ValidationError } from '../../errors/index.js';

/** Deepest nesting of arrays and objects a request body may have; the API's own bodies need under 10. */
export const MAX_JSON_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The JSON body parser, with the checks `JSON.parse` does not make, run on the raw bytes
 * before it: the body is UTF-8 (not silently repaired with U+FFFD), nests at most
 * {@link MAX_JSON_DEPTH} levels (so nothing recursive ever meets a 10 000-deep body) and
 * repeats no key within an object (JSON.parse would keep the last one). Each refusal is a
 * 400 naming `body`.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  return express.json({
    limit: limitBytes,
    strict: true,
    type: ['application/json', 'application/*+json'],
    verify: checkRawJson,
  });
}

function checkRawJson(_req: IncomingMessage, _res: ServerResponse, buf: Buffer, encoding: string): void {
  if (encoding.toLowerCase() !== 'utf-8' && encoding.toLowerCase() !== 'utf8') {
    throw ValidationError.field('Content-Type', 'the charset of a JSON body must be utf-8');
  }
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    throw ValidationError.field('body', 'is not valid UTF-8');
  }
  scanJsonText(text, MAX_JSON_DEPTH);
}

interface Frame {
  /** Keys seen so far; undefined for an array. */
  keys?: Set<string>;
  expectKey: boolean;
}

/**
 * One pass over JSON text without recursion: refuses nesting deeper than `maxDepth` and
 * a key repeated within one object (compared after unescaping). Malformed text is left
 * for JSON.parse to refuse.
 * @throws ValidationError naming `body`
 */
export function scanJsonText(text: string, maxDepth: number): void {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = escaped ? unescapeKey(text.slice(start, i + 1)) : text.slice(start + 1, i);
        if (key !== undefined) {
          if (top.keys.has(key))
            throw ValidationError.field('body', `repeats the key ${describeKey(key)} in one object`);
          top.keys.add(key);
        }
        top.expectKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) throw ValidationError.field('body', `nests deeper than ${maxDepth} levels`);
      stack.push(c === 0x7b ? { keys: new Set(), expectKey: true } : { expectKey: false });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
}

function unescapeKey(quoted: string): string | undefined {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return undefined;
  }
}

/** Names the key when it looks like a field name; never echoes arbitrary input. */
function describeKey(key: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(key) ? `"${key}"` : '(not shown)';
}
