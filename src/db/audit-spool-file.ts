import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AuditSpool, DrainResult } from '../cckm/audit/audit-spool.js';
import type { AuditEventInput } from '../cckm/audit/audit.service.js';

/** Default bound of the spool (both files together): about 100 000 events. */
const AUDIT_SPOOL_MAX_BYTES = 64 * 1024 * 1024;
const RESTORE_BATCH = 500;

/**
 * The spool file of one database under `dataDir`: named after a digest of the database's
 * identity, so that events are only ever replayed into the database they were meant for
 * (a data dir reused with another database, or shared by test databases, keeps them apart).
 */
export function auditSpoolPath(dataDir: string, databaseIdentity: string): string {
  const digest = createHash('sha256').update(databaseIdentity).digest('hex').slice(0, 16);
  return path.resolve(dataDir, `audit-spool-${digest}.jsonl`);
}

const sizeOf = async (file: string) => (await stat(file).catch(() => ({ size: 0 }))).size;
const exists = async (file: string) => (await stat(file).catch(() => undefined)) !== undefined;

/**
 * Audit events as JSON lines in a file (mode 0600), each append fsync'd before it is
 * acknowledged. A drain first renames the file to `<file>.replaying` (new appends start a
 * fresh file), restores it in batches, then deletes it; a drain that fails keeps the
 * `.replaying` file and the next drain starts from it. Appends and the rename are
 * serialised within the process; one process owns a spool file.
 */
export class FileAuditSpool implements AuditSpool {
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly maxBytes = AUDIT_SPOOL_MAX_BYTES,
  ) {}

  private get draining(): string {
    return `${this.file}.replaying`;
  }

  append(events: AuditEventInput[]): Promise<void> {
    return this.exclusive(async () => {
      const text = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
      const used = (await sizeOf(this.file)) + (await sizeOf(this.draining));
      if (used + Buffer.byteLength(text) > this.maxBytes) {
        throw new Error(
          `audit spool ${this.file} is full (${this.maxBytes} bytes); the database has been unavailable too long`,
        );
      }
      const dir = path.dirname(this.file);
      const created = !(await exists(this.file));
      if (created) await mkdir(dir, { recursive: true, mode: 0o700 });
      const fh = await open(this.file, 'a', 0o600);
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (created) await syncDir(dir);
    });
  }

  async pending(): Promise<boolean> {
    return (await sizeOf(this.file)) > 0 || (await exists(this.draining));
  }

  async drain(restore: (events: AuditEventInput[]) => Promise<void>): Promise<DrainResult> {
    const result: DrainResult = { restored: 0, corrupt: 0 };
    // Events appended during a drain wait in the fresh file; a few rounds take them too.
    for (let round = 0; round < 3; round++) {
      const lines = await this.exclusive(async () => {
        if (!(await exists(this.draining))) {
          if ((await sizeOf(this.file)) === 0) return undefined;
          await rename(this.file, this.draining);
        }
        return (await readFile(this.draining, 'utf8')).split('\n').filter((l) => l.trim());
      });
      if (!lines) break;
      const events: AuditEventInput[] = [];
      for (const line of lines) {
        const event = parseEvent(line);
        if (event) events.push(event);
        else result.corrupt++;
      }
      for (let i = 0; i < events.length; i += RESTORE_BATCH) await restore(events.slice(i, i + RESTORE_BATCH));
      await this.exclusive(() => rm(this.draining, { force: true }));
      result.restored += events.length;
    }
    return result;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}

/** One spooled line back to an event; undefined for a torn or foreign line (a crash mid-append). */
function parseEvent(line: string): AuditEventInput | undefined {
  try {
    const e = JSON.parse(line) as AuditEventInput & { at?: string };
    if (typeof e.account !== 'string' || typeof e.requestId !== 'string' || typeof e.action !== 'string')
      return undefined;
    return { ...e, at: e.at ? new Date(e.at) : new Date() };
  } catch {
    return undefined;
  }
}

/** fsync a directory, so a newly created file's entry survives a crash (Linux; a no-op where unsupported). */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  try {
    await fh.sync().catch(() => undefined);
  } finally {
    await fh.close();
  }
}
