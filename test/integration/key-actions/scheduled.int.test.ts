import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { later, startTestApp, type TestApp } from '../../fixtures/app.js';
import { actOk, createKeyOk, describe_, emulator, get, KEYS, read, type Body } from './helpers.js';

const DAY = 86_400_000;

/**
 * What AWS finishes later by itself after an action (automatic rotation, expiry of imported
 * material): the emulator's scheduler does it, and the record shows it once opencckm reads
 * the key again. Also the RSA public key of download-public-key, used by node:crypto.
 */
describe('key actions: work AWS finishes by itself', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('key_actions_scheduled');
  });
  afterAll(async () => {
    await t?.close();
  });

  const refresh = (id: string) => actOk(t, id, 'refresh');

  it('enable-auto-rotation: the record shows the next rotation; when it is due the key rotates by itself (AUTOMATIC), and refresh and rotations show it', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    const keyId = k.aws_param.KeyID as string;
    const old = await emulator(t, 'us-east-1', 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('before') });
    const on = await actOk(t, k.id, 'enable-auto-rotation', { rotation_period_in_days: 90 });
    const next = Date.parse(on.aws_param.NextRotationDate);
    const status = await emulator(t, 'us-east-1', 'GetKeyRotationStatus', { KeyId: keyId });
    expect(Math.floor(status.NextRotationDate!.getTime() / 1000) * 1000).toBe(next);
    expect((await read(t, k.id, 'rotations')).body.total).toBe(0);

    expect((await later(t, 91 * DAY)).rotated).toBeGreaterThanOrEqual(1);
    const md = await describe_(t, 'us-east-1', keyId);
    expect(md.CurrentKeyMaterialId).not.toBe(on.aws_param.CurrentKeyMaterialId);
    // The stored record is what opencckm last read, until it reads the key again.
    expect((await get(t, `${KEYS}/${k.id}`)).body.aws_param.CurrentKeyMaterialId).toBe(
      on.aws_param.CurrentKeyMaterialId,
    );
    const r = await refresh(k.id);
    expect(r.aws_param).toMatchObject({
      CurrentKeyMaterialId: md.CurrentKeyMaterialId,
      KeyRotationEnabled: true,
      RotationPeriodInDays: 90,
    });
    expect(Date.parse(r.aws_param.NextRotationDate) - next).toBeGreaterThan(89 * DAY);

    const list = await read(t, k.id, 'rotations');
    expect(list.body.total).toBe(1);
    expect(list.body.resources[0]).toMatchObject({
      id: md.CurrentKeyMaterialId,
      key_id: k.id,
      aws_param: { RotationType: 'AUTOMATIC', KeyMaterialState: 'CURRENT' },
    });
    const direct = await emulator(t, 'us-east-1', 'ListKeyRotations', { KeyId: keyId });
    expect(direct.Rotations!.map((x) => [x.KeyMaterialId, x.RotationType])).toEqual([
      [md.CurrentKeyMaterialId, 'AUTOMATIC'],
    ]);
    expect(
      Buffer.from(
        (await emulator(t, 'us-east-1', 'Decrypt', { CiphertextBlob: old.CiphertextBlob! })).Plaintext!,
      ).toString(),
    ).toBe('before');
  });

  it('disable-auto-rotation: nothing rotates when the date passes', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'eu-west-1' });
    await actOk(t, k.id, 'enable-auto-rotation', { rotation_period_in_days: 90 });
    const off = await actOk(t, k.id, 'disable-auto-rotation');
    await later(t, 100 * DAY);
    const r = await refresh(k.id);
    expect(r.aws_param.CurrentKeyMaterialId).toBe(off.aws_param.CurrentKeyMaterialId);
    expect(r.aws_param.KeyRotationEnabled).toBe(false);
    expect((await emulator(t, 'eu-west-1', 'ListKeyRotations', { KeyId: k.aws_param.KeyID })).Rotations).toEqual([]);
  });

  it('imported material with valid_to expires by itself: PendingImport in the emulator and, after refresh, in the record; import-material revives the key', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-west-2', aws_param: { Origin: 'EXTERNAL' } });
    const material = randomBytes(32);
    const validTo = new Date(Date.now() + 2 * DAY);
    const imported = await actOk(t, k.id, 'import-material', {
      key_material: material.toString('base64'),
      valid_to: validTo.toISOString(),
    });
    expect(imported.aws_param).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_EXPIRES' });
    const ct = await emulator(t, 'us-west-2', 'Encrypt', {
      KeyId: k.aws_param.KeyID,
      Plaintext: Buffer.from('expiring'),
    });

    expect((await later(t, 3 * DAY)).expired).toBeGreaterThanOrEqual(1);
    expect((await describe_(t, 'us-west-2', k.aws_param.KeyID)).KeyState).toBe('PendingImport');
    const r = await refresh(k.id);
    expect(r.aws_param.KeyState).toBe('PendingImport');
    expect(r.aws_param.ValidTo).toBeUndefined();
    await expect(emulator(t, 'us-west-2', 'Decrypt', { CiphertextBlob: ct.CiphertextBlob! })).rejects.toMatchObject({
      awsName: 'KMSInvalidStateException',
    });

    const revived = await actOk(t, k.id, 'import-material', {
      key_material: material.toString('base64'),
      import_type: 'EXISTING_KEY_MATERIAL',
    });
    expect(revived.aws_param).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
    expect(
      Buffer.from(
        (await emulator(t, 'us-west-2', 'Decrypt', { CiphertextBlob: ct.CiphertextBlob! })).Plaintext!,
      ).toString(),
    ).toBe('expiring');
  });

  it('schedule-deletion finishes by itself: after the window the key is deleted and refresh marks the record gone', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'ap-south-1' });
    const pending = await actOk(t, k.id, 'schedule-deletion', { days: 7 });
    expect(pending.aws_param.KeyState).toBe('PendingDeletion');
    expect((await later(t, 8 * DAY)).deleted).toBeGreaterThanOrEqual(1);
    await expect(describe_(t, 'ap-south-1', k.aws_param.KeyID)).rejects.toMatchObject({ awsName: 'NotFoundException' });
    const r = await refresh(k.id);
    expect(r).toMatchObject({ id: k.id, gone: true });
  });

  it('download-public-key of an RSA encryption key: node:crypto encrypts with the PEM, the emulator decrypts', async () => {
    const k = await createKeyOk(t, {
      kms: 'kms',
      region: 'us-east-1',
      aws_param: { KeySpec: 'RSA_3072', KeyUsage: 'ENCRYPT_DECRYPT' },
    });
    const res = await read(t, k.id, 'download-public-key');
    expect(res.status).toBe(200);
    const body: Body = res.body;
    expect(body).toMatchObject({
      KeySpec: 'RSA_3072',
      KeyUsage: 'ENCRYPT_DECRYPT',
      EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
    });
    const pub = createPublicKey(body.public_key as string);
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(3072);
    const ct = publicEncrypt(
      { key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from('to the emulator'),
    );
    const plain = await emulator(t, 'us-east-1', 'Decrypt', {
      KeyId: k.aws_param.KeyID,
      CiphertextBlob: ct,
      EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
    });
    expect(Buffer.from(plain.Plaintext!).toString()).toBe('to the emulator');
  });
});
