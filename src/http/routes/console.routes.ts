import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/**
 * The console's Content-Security-Policy: scripts, styles and API calls from this origin only,
 * no inline script or style attribute, no plugins, no framing, no `<base>` rewrites.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** dist/web of the package this module belongs to (built by `npm run build`, web/build.mjs). */
export function consoleDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'dist/web');
}

/**
 * The web console: `/` (its one page; views are chosen by the URL fragment) and `/assets/*`,
 * every answer under {@link CONSOLE_CSP}. Nothing is served when the console is not built:
 * `/` then falls through to the 404 of unknown paths.
 */
export function consoleRoutes(dir = consoleDir()): Router {
  const r = Router();
  const index = path.join(dir, 'index.html');
  const csp: express.RequestHandler = (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    next();
  };
  r.get('/', csp, (_req, res, next) => {
    if (!existsSync(index)) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  r.use(
    '/assets',
    csp,
    express.static(path.join(dir, 'assets'), { index: false, fallthrough: true, maxAge: 0, redirect: false }),
  );
  return r;
}
