/**
 * List answers are serialized record by record (http/page-json.ts); clients must get exactly
 * the bytes, headers and HEAD behaviour one JSON.stringify would have given them.
 */
import express from 'express';
import request from 'supertest';
import { pageJsonBytes, sendPagesInPieces } from '../../../src/http/page-json.js';

const record = (i: number) => ({
  id: `key-${i}`,
  description: i % 3 === 0 ? 'clé «primaire» 🔑 with "quotes" and \\ back\nslash' : `plain ${i}`,
  tags: [{ TagKey: 'k', TagValue: '\u0000\ud800' }],
  nothing: undefined,
  when: new Date(Date.UTC(2026, 11, 2, 0, 0, i)),
  nested: { a: [1, null, { b: i }], empty: {} },
});

describe('pageJsonBytes', () => {
  it('gives the bytes of JSON.stringify for pages of every size, non-ASCII text and toJSON values included', () => {
    for (const n of [0, 1, 8, 100]) {
      const page = { skip: 0, limit: 100, total: 1234, resources: Array.from({ length: n }, (_, i) => record(i)) };
      expect(pageJsonBytes(page).equals(Buffer.from(JSON.stringify(page)))).toBe(true);
    }
  });
  it('writes slots JSON has no form for as null, as JSON.stringify does', () => {
    const page = { total: 3, resources: [undefined, () => 1, Symbol('s'), { a: 1 }] as unknown[] };
    expect(pageJsonBytes(page).toString()).toBe(JSON.stringify(page));
    expect(pageJsonBytes(page).toString()).toBe('{"total":3,"resources":[null,null,null,{"a":1}]}');
  });
  it('handles a page with no other fields', () => {
    const page = { resources: [1, 2, 3] };
    expect(pageJsonBytes(page).toString()).toBe('{"resources":[1,2,3]}');
  });
});

describe('res.json of an app sending pages in pieces', () => {
  const app = express();
  sendPagesInPieces(app);
  const big = { skip: 0, limit: 20, total: 20, resources: Array.from({ length: 20 }, (_, i) => record(i)) };
  const reordered = { resources: big.resources, total: 20 };
  app.get('/page', (_req, res) => res.json(big));
  app.get('/reordered', (_req, res) => res.json(reordered));
  app.get('/typed', (_req, res) => res.type('application/vnd.custom+json').json(big));
  app.get('/small', (_req, res) => res.status(201).json({ ok: true, resources: [1] }));

  it('answers a page with the bytes, length and type of res.json', async () => {
    const r = await request(app).get('/page').buffer(true);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.text).toBe(JSON.stringify(big));
    expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(big)));
    expect(r.body.resources).toHaveLength(20);
  });
  it('answers HEAD with the length and no body', async () => {
    const r = await request(app).head('/page');
    expect(r.status).toBe(200);
    expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(big)));
    expect(r.text ?? '').toBe('');
  });
  it('keeps a content type the route set, key order when resources is not last, and small bodies as they were', async () => {
    expect((await request(app).get('/typed')).headers['content-type']).toBe('application/vnd.custom+json');
    expect((await request(app).get('/reordered')).text).toBe(JSON.stringify(reordered));
    const small = await request(app).get('/small');
    expect(small.status).toBe(201);
    expect(small.text).toBe('{"ok":true,"resources":[1]}');
  });
});
