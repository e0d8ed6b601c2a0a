import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { KmsEmulator } from '../../src/emulator/emulator.js';
import type { EmulatorStore } from '../../src/emulator/store/emulator-store.js';
import { InMemoryEmulatorStore } from '../../src/emulator/store/in-memory-store.js';

/**
 * The emulator's resident memory per key (issue 13: ≤ 5 kB per key, 1 000 000 keys within
 * 2 GB). Runs in a fresh child process with `--expose-gc`: opens an in-process emulator,
 * creates `keys` SYMMETRIC_DEFAULT keys (the default policy, as Terraform and the service
 * create them), collects garbage and reports heap, external and RSS growth per key, for two
 * stores: `memory` (InMemoryEmulatorStore, what `npm run emulator -- --memory` and the
 * bench's `memory` server use: the store's share counts) and `durable` (a store that
 * keeps nothing in the process, as the PostgreSQL store: the hot index alone). The
 * 1 000 000-key figure projects the RSS at open plus 10^6 × RSS per key.
 *
 * Standalone: `node --expose-gc dist/bench/support/emulator-memory.js [keys] [memory|durable]`.
 */
export interface MemoryPerKey {
  store: 'memory' | 'durable';
  keys: number;
  seconds: number;
  heapBytesPerKey: number;
  externalBytesPerKey: number;
  rssBytesPerKey: number;
  rssAtOpenMiB: number;
  rssAfterMiB: number;
  projectedRssMiBFor1MKeys: number;
}

/** Discards writes: the process then holds only the emulator's own hot index. */
class DiscardingStore implements EmulatorStore {
  async loadAll() {
    return [];
  }
  async apply(): Promise<void> {}
}

const MiB = 2 ** 20;

async function measure(keys: number, store: MemoryPerKey['store']): Promise<MemoryPerKey> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const emulator = await KmsEmulator.open({
    store: store === 'memory' ? new InMemoryEmulatorStore() : new DiscardingStore(),
    rootKey: randomBytes(32),
    defaultAccountId: '111122223333',
    schedulerIntervalMs: 0,
  });
  const ctx = { accountId: '111122223333', region: 'us-east-1' };
  await emulator.call(ctx, 'CreateKey', {});
  const usage = () => {
    gc();
    gc();
    return process.memoryUsage();
  };
  const before = usage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < keys; i += 256) {
    await Promise.all(Array.from({ length: Math.min(256, keys - i) }, () => emulator.call(ctx, 'CreateKey', {})));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const after = usage();
  await emulator.close();
  const per = (a: number, b: number) => Math.round((a - b) / keys);
  const rssPerKey = per(after.rss, before.rss);
  return {
    store,
    keys,
    seconds: Math.round(seconds * 10) / 10,
    heapBytesPerKey: per(after.heapUsed, before.heapUsed),
    externalBytesPerKey: per(after.external, before.external),
    rssBytesPerKey: rssPerKey,
    rssAtOpenMiB: Math.round(before.rss / MiB),
    rssAfterMiB: Math.round(after.rss / MiB),
    projectedRssMiBFor1MKeys: Math.round((before.rss + rssPerKey * 1_000_000) / MiB),
  };
}

/** Measures in a child process (a fresh heap, `--expose-gc`, a heap large enough for 10^6 keys). */
export function memoryPerKey(keys: number, store: MemoryPerKey['store']): Promise<MemoryPerKey> {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'emulator-memory.js');
  const child = fork(script, [String(keys), store], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--expose-gc', '--max-old-space-size=4096'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as MemoryPerKey));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`memory measurement exited with ${code}`)));
  });
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname;
if (isMain) {
  const [keys = '100000', store = 'memory'] = process.argv.slice(2);
  measure(Number(keys), store === 'durable' ? 'durable' : 'memory')
    .then((r) => (process.send ? process.send(r) : console.log(JSON.stringify(r, null, 2))))
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      console.error('memory measurement failed:', err);
      process.exit(1);
    });
}
