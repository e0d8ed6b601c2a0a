import { randomBytes } from 'node:crypto';
import { CloudHsmEmulator } from '../../../../src/emulator/cloudhsm/cloudhsm-emulator.js';
import { hashPassword, verifyPassword } from '../../../../src/emulator/cloudhsm/cluster-secrets.js';
import { InMemoryEmulatorStore } from '../../../../src/emulator/store/in-memory-store.js';

test('a password hash records its own cost, so hashes made at another cost still verify', () => {
  const cheap = hashPassword('kmsuser-Passw0rd', 10);
  const usual = hashPassword('kmsuser-Passw0rd');
  expect(cheap).toMatch(/^scrypt\$1024\$/);
  expect(usual).toMatch(/^scrypt\$16384\$/);
  for (const stored of [cheap, usual]) {
    expect(verifyPassword('kmsuser-Passw0rd', stored)).toBe(true);
    expect(verifyPassword('kmsuser-Passw0rd!', stored)).toBe(false);
  }
});

test.each([9, 21, 12.5])('the simulated CloudHSM refuses scryptLogN %s', (scryptLogN) => {
  expect(
    () =>
      new CloudHsmEmulator({
        store: new InMemoryEmulatorStore(),
        rootKey: randomBytes(32),
        clock: () => new Date(),
        scryptLogN,
      }),
  ).toThrow('scryptLogN must be an integer from 10 to 20');
});
