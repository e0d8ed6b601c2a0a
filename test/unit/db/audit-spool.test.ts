import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AuditEventInput } from '../../../src/cckm/audit/audit.service.js';
import { auditSpoolPath, FileAuditSpool } from '../../../src/db/audit-spool-file.js';

const event = (n: number): AuditEventInput => ({
  account: 'kylo',
  actor: 'admin',
  action: 'createAwsKey',
  resourceType: 'aws-key',
  resourceId: null,
  result: 'failure',
  statusCode: 503,
  requestId: `req-${n}`,
  details: {},
  at: new Date(1_700_000_000_000 + n),
});

describe('FileAuditSpool', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'audit-spool-'));
    file = auditSpoolPath(dir, 'postgres://127.0.0.1:5432/cckm');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file after the database, so one data dir keeps databases apart', () => {
    expect(path.dirname(file)).toBe(dir);
    expect(auditSpoolPath(dir, 'postgres://127.0.0.1:5432/other')).not.toBe(file);
  });

  it('appends JSON lines (mode 0600) and drains them in order, times kept, then is empty', async () => {
    const spool = new FileAuditSpool(file);
    expect(await spool.pending()).toBe(false);
    await spool.append([event(1), event(2)]);
    await spool.append([event(3)]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(await spool.pending()).toBe(true);
    const restored: AuditEventInput[] = [];
    expect(await spool.drain(async (batch) => void restored.push(...batch))).toEqual({ restored: 3, corrupt: 0 });
    expect(restored.map((e) => e.requestId)).toEqual(['req-1', 'req-2', 'req-3']);
    expect(restored[0]!.at).toEqual(event(1).at);
    expect(await spool.pending()).toBe(false);
  });

  it('keeps every event when a restore fails, and gives them again on the next drain', async () => {
    const spool = new FileAuditSpool(file);
    await spool.append([event(1), event(2)]);
    await expect(spool.drain(() => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    await spool.append([event(3)]); // arrives while the first ones wait
    const restored: string[] = [];
    expect(await spool.drain(async (batch) => void restored.push(...batch.map((e) => e.requestId)))).toEqual({
      restored: 3,
      corrupt: 0,
    });
    expect(restored.sort()).toEqual(['req-1', 'req-2', 'req-3']);
  });

  it('skips a torn last line (a crash mid-append) and counts it', async () => {
    const spool = new FileAuditSpool(file);
    await spool.append([event(1)]);
    appendFileSync(file, '{"account":"kylo","act');
    const restored: string[] = [];
    expect(await spool.drain(async (batch) => void restored.push(...batch.map((e) => e.requestId)))).toEqual({
      restored: 1,
      corrupt: 1,
    });
    expect(restored).toEqual(['req-1']);
  });

  it('refuses events beyond its size bound', async () => {
    const spool = new FileAuditSpool(file, 400);
    await spool.append([event(1)]);
    await expect(spool.append([event(2), event(3), event(4)])).rejects.toThrow(/audit spool .* is full/);
    writeFileSync(file, '');
    expect(await spool.pending()).toBe(false);
  });
});
