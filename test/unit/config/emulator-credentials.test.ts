import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/config.js';
import {
  emulatorAuthBanner,
  loadOrCreateEmulatorCredential,
  resolveEmulatorWireAuth,
} from '../../../src/config/key-files.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cckm-emu-cred-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('the generated emulator credential (finding 3)', () => {
  it('is created once, mode 0600, AWS-shaped, and reused on later starts', async () => {
    const first = await loadOrCreateEmulatorCredential(path.join(dir, 'data'));
    expect(first.created).toBe(true);
    expect(first.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(first.secretAccessKey).toHaveLength(40);
    expect(first.path).toBe(path.resolve(dir, 'data', 'emulator-credentials.json'));
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(first.path, 'utf8'))).toEqual({
      accessKeyId: first.accessKeyId,
      secretAccessKey: first.secretAccessKey,
    });

    const again = await loadOrCreateEmulatorCredential(path.join(dir, 'data'));
    expect(again).toEqual({ ...first, created: false });
  });

  it('two instances starting together agree on one credential', async () => {
    const [a, b] = await Promise.all([loadOrCreateEmulatorCredential(dir), loadOrCreateEmulatorCredential(dir)]);
    expect(a.accessKeyId).toBe(b.accessKeyId);
    expect([a.created, b.created].filter(Boolean).length).toBeLessThanOrEqual(1);
  });

  it('refuses a damaged file, naming it, instead of replacing it', async () => {
    await writeFile(path.join(dir, 'emulator-credentials.json'), '{"accessKeyId":"x"}');
    await expect(loadOrCreateEmulatorCredential(dir)).rejects.toThrow('emulator-credentials.json');
  });

  it('prints the secret on first start only, then only where it is', async () => {
    const config = loadConfig({ CCKM_DATA_DIR: dir });
    const first = await resolveEmulatorWireAuth(config);
    const g = first.generated!;
    expect(first.credentials).toEqual({
      [g.accessKeyId]: { secretAccessKey: g.secretAccessKey, accountId: '123456789012' },
    });
    const shown = emulatorAuthBanner(first, 'http://localhost:4599', config.emulatorAccountId).join('\n');
    expect(shown).toContain(`aws configure set aws_secret_access_key ${g.secretAccessKey}`);
    expect(shown).toContain(`export AWS_ACCESS_KEY_ID=${g.accessKeyId} AWS_SECRET_ACCESS_KEY=${g.secretAccessKey}`);

    const later = emulatorAuthBanner(
      await resolveEmulatorWireAuth(config),
      'http://localhost:4599',
      config.emulatorAccountId,
    ).join('\n');
    expect(later).not.toContain(g.secretAccessKey);
    expect(later).toContain(g.accessKeyId);
    expect(later).toContain(g.path);
  });

  it('is not generated when EMULATOR_CREDENTIALS is set or EMULATOR_AUTH=off', async () => {
    const configured = await resolveEmulatorWireAuth(
      loadConfig({ CCKM_DATA_DIR: dir, EMULATOR_CREDENTIALS: 'AKIAONE:s1' }),
    );
    expect(configured).toEqual({
      auth: 'on',
      credentials: { AKIAONE: { secretAccessKey: 's1', accountId: '123456789012' } },
    });
    const off = await resolveEmulatorWireAuth(loadConfig({ CCKM_DATA_DIR: dir, EMULATOR_AUTH: 'off' }));
    expect(off).toEqual({ auth: 'off', credentials: {} });
    expect(emulatorAuthBanner(off, 'http://localhost:4599', '123456789012').join('\n')).toContain(
      'WARNING: EMULATOR_AUTH=off',
    );
    await expect(stat(path.join(dir, 'emulator-credentials.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
