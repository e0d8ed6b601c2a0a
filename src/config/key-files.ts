import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../errors/index.js';

/**
 * Returns a 32-byte key: the configured one, or the one kept in `dataDir/<file>`,
 * created (mode 0600) on first start so a zero-setup install keeps working across
 * restarts. Production deployments pass keys through the environment instead.
 */
export async function loadOrCreateKey(configured: string | undefined, dataDir: string, file: string): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'base64');
  const keyPath = path.resolve(dataDir, file);
  try {
    const key = Buffer.from((await readFile(keyPath, 'utf8')).trim(), 'base64');
    if (key.length !== 32) throw ValidationError.field(keyPath, 'must hold 32 bytes, base64-encoded');
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(path.dirname(keyPath), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  await writeFile(keyPath, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}
