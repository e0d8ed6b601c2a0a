import { sql } from 'kysely';
import type { Database } from './database.js';

/**
 * The emulator's single-writer rule (DESIGN "The emulator belongs to one process"): the
 * instance that opens the in-process emulator holds a session-level advisory lock on a
 * dedicated connection for as long as it runs. PostgreSQL releases it when that session
 * ends, also when the process dies. An embedded database (PGlite) serves one process only,
 * so there the lock is always held.
 */
const LOCK_KEY = [0x6f63636b, 0x656d7531] as const; // 'occk' 'emu1'

export interface EmulatorWriterLock {
  /** Unlocks and gives the connection back to the pool. */
  release(): Promise<void>;
}

/** Takes the lock without waiting; null when another session (another instance) holds it. */
export async function tryEmulatorWriterLock(db: Pick<Database, 'kind' | 'db'>): Promise<EmulatorWriterLock | null> {
  if (db.kind === 'embedded') return { release: async () => {} };
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let settle!: (held: boolean) => void;
  let fail!: (err: unknown) => void;
  const taken = new Promise<boolean>((resolve, reject) => ((settle = resolve), (fail = reject)));
  const session = db.db.connection().execute(async (c) => {
    const { rows } = await sql<{
      held: boolean;
    }>`SELECT pg_try_advisory_lock(${LOCK_KEY[0]}::int, ${LOCK_KEY[1]}::int) AS held`.execute(c);
    const held = rows[0]?.held === true;
    settle(held);
    if (!held) return;
    // The connection stays checked out (and the lock held) until release().
    await released;
    await sql`SELECT pg_advisory_unlock(${LOCK_KEY[0]}::int, ${LOCK_KEY[1]}::int)`.execute(c);
  });
  session.catch(fail);
  if (!(await taken)) return null;
  return {
    async release() {
      release();
      await session.catch(() => {});
    },
  };
}
