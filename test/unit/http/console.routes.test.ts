/**
 * The console's static files: `/` and `/assets/*` from the built folder, each under the
 * console's CSP; nothing else of the folder, and nothing at all when the console is not built.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { consoleDir, consoleRoutes, CONSOLE_CSP } from '../../../src/http/routes/console.routes.js';

function appFor(dir: string) {
  const app = express();
  app.use(consoleRoutes(dir));
  app.use((_req, res) => {
    res.status(404).json({ message: 'No such path' });
  });
  return app;
}

describe('console routes', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'console-routes-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(dir, 'assets/console.js'), 'export {};');
    writeFileSync(path.join(dir, 'secret.txt'), 'not served');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the page and its assets under a CSP that allows no inline script or style', async () => {
    const page = await request(appFor(dir)).get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.text).toContain('<title>console</title>');
    const asset = await request(appFor(dir)).get('/assets/console.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['content-security-policy']).toBe(CONSOLE_CSP);
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]) {
      expect(CONSOLE_CSP).toContain(directive);
    }
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('serves nothing outside /assets and the page, whatever the path spells', async () => {
    const app = appFor(dir);
    for (const p of [
      '/secret.txt',
      '/index.html',
      '/assets/../secret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/missing.js',
    ]) {
      const res = await request(app).get(p);
      expect({ p, status: res.status, leaked: res.text.includes('not served') }).toEqual({
        p,
        status: 404,
        leaked: false,
      });
    }
  });

  it('falls through to the 404 of unknown paths when the console is not built', async () => {
    const res = await request(appFor(path.join(dir, 'not-built'))).get('/');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'No such path' });
  });

  it('finds dist/web of the package it belongs to', () => {
    expect(consoleDir()).toBe(path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../dist/web'));
  });
});
