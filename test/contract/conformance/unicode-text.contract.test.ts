import { CreateKeyCommand, DescribeKeyCommand, UpdateKeyDescriptionCommand } from '@aws-sdk/client-kms';
import { startConformance, type Conformance } from './harness.js';

/**
 * Robustness finding 1: AWS accepts any Unicode text in a key's description, and
 * the emulator answered 500 for `CreateKey {"Description":"a\u0000b"}` because PostgreSQL's
 * jsonb refuses U+0000 and unpaired surrogates. The emulator's store escapes them
 * (`db/jsonb-text.ts`), so the wire gives the text back exactly, before and after a restart.
 */

const ODD = 'a\u0000b\ud800c\udfff\ue000\\u0000 🔑';

let c: Conformance;
beforeAll(async () => {
  c = await startConformance('unicode_text', { durable: true });
});
afterAll(() => c.close());

test('CreateKey and UpdateKeyDescription keep U+0000 and unpaired surrogates exactly, across a restart', async () => {
  let kms = c.kms();
  const created = (await kms.send(new CreateKeyCommand({ Description: ODD }))).KeyMetadata!;
  expect(created.Description).toBe(ODD);
  const other = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  await kms.send(new UpdateKeyDescriptionCommand({ KeyId: other, Description: `${ODD}\u0000` }));

  await c.restart();
  kms = c.kms();

  expect((await kms.send(new DescribeKeyCommand({ KeyId: created.KeyId }))).KeyMetadata!.Description).toBe(ODD);
  expect((await kms.send(new DescribeKeyCommand({ KeyId: other }))).KeyMetadata!.Description).toBe(`${ODD}\u0000`);
});
