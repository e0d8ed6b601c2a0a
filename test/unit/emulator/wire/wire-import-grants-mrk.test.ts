import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GetKeyLastUsageCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  ListGrantsCommand,
  ReplicateKeyCommand,
  RetireGrantCommand,
} from '@aws-sdk/client-kms';
import { startWire, type WireHarness } from './wire-harness.js';

let w: WireHarness;
beforeAll(async () => {
  w = await startWire();
});
afterAll(() => w.close());

test('import over the wire: blobs and timestamps round-trip through the AWS SDK', async () => {
  const kms = w.kms();
  const md = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!;
  const p = await kms.send(
    new GetParametersForImportCommand({
      KeyId: md.KeyId,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    }),
  );
  expect(p.ParametersValidTo).toBeInstanceOf(Date);
  const pub = createPublicKey({ key: Buffer.from(p.PublicKey!), format: 'der', type: 'spki' });
  const wrapped = publicEncrypt(
    { key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    randomBytes(32),
  );
  const validTo = new Date(w.clock.now().getTime() + 86_400_000 * 30);
  await kms.send(
    new ImportKeyMaterialCommand({
      KeyId: md.KeyId,
      ImportToken: p.ImportToken,
      EncryptedKeyMaterial: wrapped,
      ExpirationModel: 'KEY_MATERIAL_EXPIRES',
      ValidTo: validTo,
    }),
  );
  const after = (await kms.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata!;
  expect(after).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_EXPIRES' });
  expect(Math.abs(after.ValidTo!.getTime() - validTo.getTime())).toBeLessThan(1000);
  const ct = await kms.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('wire') }));
  expect(
    Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob }))).Plaintext!).toString(),
  ).toBe('wire');
  const usage = await kms.send(new GetKeyLastUsageCommand({ KeyId: md.KeyId }));
  expect(usage.KeyLastUsage?.Operation).toBe('Decrypt');
  kms.destroy();
});

test('grants and multi-Region replicas over the wire', async () => {
  const kms = w.kms();
  const eu = w.kms({ region: 'eu-west-1' });
  const md = (await kms.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
  const g = await kms.send(
    new CreateGrantCommand({
      KeyId: md.KeyId,
      GranteePrincipal: 'arn:aws:iam::111122223333:role/x',
      Operations: ['Decrypt'],
    }),
  );
  const grants = await kms.send(new ListGrantsCommand({ KeyId: md.KeyId }));
  expect(grants.Grants![0]).toMatchObject({ GrantId: g.GrantId, Operations: ['Decrypt'] });
  expect(grants.Grants![0]!.CreationDate).toBeInstanceOf(Date);
  await kms.send(new RetireGrantCommand({ GrantToken: g.GrantToken }));
  const rep = await kms.send(new ReplicateKeyCommand({ KeyId: md.KeyId, ReplicaRegion: 'eu-west-1' }));
  expect(rep.ReplicaKeyMetadata).toMatchObject({
    KeyState: 'Creating',
    MultiRegionConfiguration: { MultiRegionKeyType: 'REPLICA' },
  });
  const ct = await kms.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('mrk') }));
  expect(
    Buffer.from((await eu.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob }))).Plaintext!).toString(),
  ).toBe('mrk');
  kms.destroy();
  eu.destroy();
});
