import { open } from 'node:fs/promises';
import { ValidationError } from '../../errors/index.js';
import type { EmulatorSeed, SeedDefaults } from './seed-document.js';
import { SEED_LIMITS } from './seed-document.js';
import { parseEmulatorSeed } from './seed-parser.js';

/**
 * Reads and validates the seed file named by EMULATOR_SEED (the composition roots call
 * this and pass the result to {@link applyEmulatorSeed}). At most one byte beyond the
 * size limit is read, so an oversized or endless file (a FIFO, /dev/zero) fails fast.
 *
 * @throws ValidationError (`EMULATOR_SEED` for an unreadable or oversized file; JSON paths for its content)
 */
export async function readEmulatorSeedFile(path: string, defaults: SeedDefaults): Promise<EmulatorSeed> {
  let text: string;
  try {
    const file = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(SEED_LIMITS.fileBytes + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await file.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > SEED_LIMITS.fileBytes) {
          throw ValidationError.field('EMULATOR_SEED', `the seed file is larger than ${SEED_LIMITS.fileBytes} bytes`);
        }
      }
      text = buffer.toString('utf8', 0, length);
      buffer.fill(0);
    } finally {
      await file.close();
    }
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw ValidationError.field('EMULATOR_SEED', `cannot read the seed file ${path} (${code})`);
  }
  return parseEmulatorSeed(text, defaults);
}
