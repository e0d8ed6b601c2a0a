import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SEED_LIMITS } from '../../../../src/emulator/seed/seed-document.js';
import { readEmulatorSeedFile } from '../../../../src/emulator/seed/seed-file.js';

const DEFAULTS = { accountId: '111122223333', region: 'eu-west-1' };

describe('readEmulatorSeedFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opencckm-seed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads and validates a seed file, applying the defaults', async () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, JSON.stringify({ version: 1, keys: [{ KeyId: '11111111-2222-4333-8444-555555555555' }] }));
    const seed = await readEmulatorSeedFile(path, DEFAULTS);
    expect(seed.keys).toEqual([
      expect.objectContaining({ accountId: '111122223333', region: 'eu-west-1', keySpec: 'SYMMETRIC_DEFAULT' }),
    ]);
  });

  it('names EMULATOR_SEED when the file is missing or too large, and the JSON path for its content', async () => {
    await expect(readEmulatorSeedFile(join(dir, 'missing.json'), DEFAULTS)).rejects.toThrow(
      /^EMULATOR_SEED: cannot read the seed file .*missing\.json \(ENOENT\)$/,
    );
    const big = join(dir, 'big.json');
    writeFileSync(big, Buffer.alloc(SEED_LIMITS.fileBytes + 10, 0x20));
    await expect(readEmulatorSeedFile(big, DEFAULTS)).rejects.toThrow(
      `EMULATOR_SEED: the seed file is larger than ${SEED_LIMITS.fileBytes} bytes`,
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ version: 1, keys: [{ KeyId: '11111111-2222-4333-8444-555555555555', KeySpec: 'AES' }] }),
    );
    await expect(readEmulatorSeedFile(bad, DEFAULTS)).rejects.toThrow(/^keys\[0\]\.KeySpec: must be one of /);
  });

  it('refuses a directory', async () => {
    await expect(readEmulatorSeedFile(dir, DEFAULTS)).rejects.toThrow(
      /^EMULATOR_SEED: cannot read the seed file .*\(EISDIR\)$/,
    );
  });
});
