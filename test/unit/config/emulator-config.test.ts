import { loadConfig } from '../../../src/config/config.js';
import { ValidationError } from '../../../src/errors/index.js';

describe('emulator endpoint settings (finding 3)', () => {
  it('requires signatures and listens on loopback by default', () => {
    const c = loadConfig({});
    expect(c.emulatorAuth).toBe('on');
    expect(c.emulatorHost).toBe('127.0.0.1');
    expect(c.emulatorCredentials).toEqual({});
  });

  it.each([
    ['off', 'off'],
    ['OFF', 'off'],
    ['false', 'off'],
    ['on', 'on'],
    ['true', 'on'],
    ['', 'on'],
  ])('EMULATOR_AUTH=%j is %s', (value, expected) => {
    expect(loadConfig({ EMULATOR_AUTH: value }).emulatorAuth).toBe(expected);
  });

  it('refuses an EMULATOR_AUTH that is neither on nor off', () => {
    let err: unknown;
    try {
      loadConfig({ EMULATOR_AUTH: 'sometimes' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).details?.[0]?.field).toBe('EMULATOR_AUTH');
  });

  it('takes EMULATOR_HOST as given, independent of HOST', () => {
    expect(loadConfig({ EMULATOR_HOST: '0.0.0.0', HOST: '127.0.0.1' }).emulatorHost).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).emulatorHost).toBe('127.0.0.1');
    expect(loadConfig({ EMULATOR_HOST: ' ::1 ' }).emulatorHost).toBe('::1');
  });
});

describe('EMULATOR_SEED', () => {
  it('is the seed file path, trimmed; unset or blank means no seed', () => {
    expect(loadConfig({ EMULATOR_SEED: ' test/fixtures/emulator-seed.json ' }).emulatorSeedPath).toBe(
      'test/fixtures/emulator-seed.json',
    );
    expect(loadConfig({}).emulatorSeedPath).toBeUndefined();
    expect(loadConfig({ EMULATOR_SEED: '  ' }).emulatorSeedPath).toBeUndefined();
  });
});
