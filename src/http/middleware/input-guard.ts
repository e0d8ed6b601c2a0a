import type { NextFunction, Request, Response } from 'express';
import { hasUnstorableText, UNSTORABLE_TEXT_MESSAGE } from '../../cckm/common/text.js';
import { ValidationError } from '../../errors/index.js';

/**
 * Refuses, with a 400 naming the field, every request whose path, query or JSON body holds
 * text PostgreSQL cannot store (U+0000, unpaired surrogates: `cckm/common/text.ts`): the
 * rule is applied once here, at the edge, so no service, filter or repository meets such
 * text. Runs after the JSON parser, which has already bounded the body's depth.
 */
export function inputGuard(req: Request, _res: Response, next: NextFunction): void {
  if (/%00/i.test(req.path) || hasUnstorableText(req.path)) {
    next(ValidationError.field('path', UNSTORABLE_TEXT_MESSAGE));
    return;
  }
  const bad = findUnstorable(req.query, '') ?? findUnstorable(req.body, '');
  next(bad === undefined ? undefined : ValidationError.field(bad || 'body', UNSTORABLE_TEXT_MESSAGE));
}

/**
 * The path (`aws_param.Tags[0].TagValue`) of the first key or string value holding
 * unstorable text, or undefined. Iterative, so the depth of `value` does not matter.
 * @internal
 */
export function findUnstorable(value: unknown, root: string): string | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (hasUnstorableText(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push([v[i], `${path}[${i}]`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const at = path ? `${path}.${k}` : k;
        if (hasUnstorableText(k)) return path || 'body';
        stack.push([child, at]);
      }
    }
  }
  return undefined;
}
