import { randomBytes } from 'node:crypto';
import { EmulatorKmsProvider } from '../../src/emulator/emulator-provider.js';
import { KmsEmulator } from '../../src/emulator/emulator.js';
import { InMemoryEmulatorStore } from '../../src/emulator/store/in-memory-store.js';
import { describeProviderContract } from './kms-provider.contract.js';

describeProviderContract('emulator in-process', async () => {
  const emulator = await KmsEmulator.open({
    store: new InMemoryEmulatorStore(),
    rootKey: randomBytes(32),
    defaultAccountId: '111122223333',
    schedulerIntervalMs: 0,
  });
  return {
    provider: new EmulatorKmsProvider(emulator, '111122223333', 'eu-west-1'),
    accountId: '111122223333',
    close: () => emulator.close(),
  };
});
