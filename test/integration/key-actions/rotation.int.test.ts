import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { act, actOk, createKeyOk, emulator, expectBadRequest, expectError, read, type Body } from './helpers.js';

const DAY = 86_400_000;

/** enable-auto-rotation, disable-auto-rotation, rotate-material and the rotations list. */
describe('key actions: rotation', () => {
  let t: TestApp;
  let reader: string;
  beforeAll(async () => {
    t = await startTestApp('key_actions_rotation');
    reader = await t.userToken('reader', ['cckm_users']);
  });
  afterAll(async () => {
    await t?.close();
  });

  const status = (keyId: string) => emulator(t, 'us-east-1', 'GetKeyRotationStatus', { KeyId: keyId });

  it('enable-auto-rotation with a period, then without (AWS default 365), then disable: record and emulator agree', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    const keyId = k.aws_param.KeyID;
    const before = Date.now();
    const on = await actOk(t, k.id, 'enable-auto-rotation', { rotation_period_in_days: 90 });
    expect(on.aws_param).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 90 });
    expect(Date.parse(on.aws_param.NextRotationDate) - before).toBeGreaterThan(89.99 * DAY);
    expect(await status(keyId)).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 90 });

    const dflt = await actOk(t, k.id, 'enable-auto-rotation', {});
    expect(dflt.aws_param).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
    expect(await status(keyId)).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });

    const off = await actOk(t, k.id, 'disable-auto-rotation');
    expect(off.aws_param.KeyRotationEnabled).toBe(false);
    expect(off.aws_param.NextRotationDate).toBeUndefined();
    expect((await status(keyId)).KeyRotationEnabled).toBe(false);
  });

  it('rotation_period_in_days outside 90..2560 or not an integer → 400 naming it; rotation stays off', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    for (const body of [
      { rotation_period_in_days: 89 },
      { rotation_period_in_days: 2561 },
      { rotation_period_in_days: 'a year' },
      { rotation_period_in_days: 100.5 },
    ]) {
      expectBadRequest(await act(t, k.id, 'enable-auto-rotation', body), 'rotation_period_in_days');
    }
    expectBadRequest(await act(t, k.id, 'enable-auto-rotation', { RotationPeriodInDays: 90 }), 'RotationPeriodInDays');
    expect((await status(k.aws_param.KeyID)).KeyRotationEnabled).toBe(false);
    const bounds = await actOk(t, k.id, 'enable-auto-rotation', { rotation_period_in_days: 2560 });
    expect(bounds.aws_param.RotationPeriodInDays).toBe(2560);
  });

  it('asymmetric, HMAC and imported-material keys → 422 UnsupportedOperationException for every rotation action (imported keys list their rotations)', async () => {
    const keys = [
      await createKeyOk(t, {
        kms: 'kms',
        region: 'us-east-1',
        aws_param: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' },
      }),
      await createKeyOk(t, { kms: 'kms', region: 'us-east-1', aws_param: { KeySpec: 'HMAC_256' } }),
      await createKeyOk(t, { kms: 'kms', region: 'us-east-1', aws_param: { Origin: 'EXTERNAL' } }),
    ];
    for (const k of keys) {
      for (const [action, body] of [
        ['enable-auto-rotation', { rotation_period_in_days: 90 }],
        ['disable-auto-rotation', undefined],
        ['rotate-material', {}],
      ] as const) {
        const res = await act(t, k.id, action, body);
        expectError(
          res,
          422,
          'NCERRUnsupportedOperation',
          'UnsupportedOperationException',
          k.aws_param.KeySpec === 'SYMMETRIC_DEFAULT' ? 'EXTERNAL' : k.aws_param.KeySpec,
        );
      }
      if (k.aws_param.Origin === 'EXTERNAL') {
        // Imported material rotates on demand (to material imported as NEW_KEY_MATERIAL), so its history is listable.
        const res = await read(t, k.id, 'rotations');
        expect({ status: res.status, total: res.body.total }).toEqual({ status: 200, total: 0 });
      } else {
        expectError(
          await read(t, k.id, 'rotations'),
          422,
          'NCERRUnsupportedOperation',
          'UnsupportedOperationException',
        );
      }
    }
  });

  it('a disabled key: enable-auto-rotation → 409 DisabledException', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    await actOk(t, k.id, 'disable');
    expectError(await act(t, k.id, 'enable-auto-rotation', {}), 409, 'NCERRConflict', 'DisabledException');
    expect(
      (await status(k.aws_param.KeyID).catch((e: Body) => ({ KeyRotationEnabled: e.awsName }))).KeyRotationEnabled,
    ).not.toBe(true);
  });

  it('rotate-material: new current material in the emulator, old ciphertext still decrypts; the rotations list shows it', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    const keyId = k.aws_param.KeyID;
    const old = await emulator(t, 'us-east-1', 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('before rotation') });
    const empty = await read(t, k.id, 'rotations');
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ skip: 0, limit: 10, total: 0, resources: [] });

    const first = await actOk(t, k.id, 'rotate-material', {});
    const afterFirst = first.aws_param.CurrentKeyMaterialId;
    const second = await actOk(t, k.id, 'rotate-material');
    expect(second.aws_param.CurrentKeyMaterialId).not.toBe(afterFirst);
    const md = (await emulator(t, 'us-east-1', 'DescribeKey', { KeyId: keyId })).KeyMetadata!;
    expect(md.CurrentKeyMaterialId).toBe(second.aws_param.CurrentKeyMaterialId);
    const plain = await emulator(t, 'us-east-1', 'Decrypt', { CiphertextBlob: old.CiphertextBlob! });
    expect(Buffer.from(plain.Plaintext!).toString()).toBe('before rotation');

    const emu = await emulator(t, 'us-east-1', 'ListKeyRotations', { KeyId: keyId });
    const list = await read(t, k.id, 'rotations');
    expect(list.body).toMatchObject({ skip: 0, limit: 10, total: 2 });
    expect(list.body.resources.map((r: Body) => r.id)).toEqual(emu.Rotations!.map((r) => r.KeyMaterialId));
    const item = list.body.resources[1];
    expect(item).toMatchObject({
      id: md.CurrentKeyMaterialId,
      key_id: k.id,
      kms_id: k.kms_id,
      key_material_origin: 'native',
      account: k.account,
      key_source: null,
      aws_param: {
        KeyId: md.Arn,
        KeyMaterialId: md.CurrentKeyMaterialId,
        KeyMaterialState: 'CURRENT',
        RotationType: 'ON_DEMAND',
      },
    });
    expect(item.uri).toMatch(/^kylo:kylo:cckm:aws-key-rotation:/);
    expect(Date.parse(item.aws_param.RotationDate)).toBe(
      Date.parse(item.createdAt) - (Date.parse(item.createdAt) % 1000),
    );
    expect(list.body.resources[0].aws_param.KeyMaterialState).toBe('NON_CURRENT');

    // Paging, sorting, all material, and read access for cckm_users.
    const desc = await read(t, k.id, 'rotations', 'sort=-RotationDate&limit=1', reader);
    expect(desc.status).toBe(200);
    expect(desc.body).toMatchObject({ skip: 0, limit: 1, total: 2 });
    expect(desc.body.resources.map((r: Body) => r.id)).toEqual([md.CurrentKeyMaterialId]);
    const all = await read(t, k.id, 'rotations', 'include_key_material=ALL_KEY_MATERIAL&limit=-1');
    expect(all.body).toMatchObject({ limit: -1, total: 3 });
    expect(all.body.resources[0].aws_param.RotationDate).toBeUndefined();
    expectBadRequest(await read(t, k.id, 'rotations', 'sort=KeyMaterialId'), 'sort');
    expectBadRequest(await read(t, k.id, 'rotations', 'include_key_material=SOME'), 'include_key_material');
  });

  it('rotate-material with a body of the CCKM key-source form → 400 naming the field (only the empty form is supported)', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    expectBadRequest(await act(t, k.id, 'rotate-material', { source_key_tier: 'local' }), 'source_key_tier');
    expect((await emulator(t, 'us-east-1', 'ListKeyRotations', { KeyId: k.aws_param.KeyID })).Rotations).toEqual([]);
  });

  it('a read-only user cannot change rotation (403)', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    for (const action of ['enable-auto-rotation', 'disable-auto-rotation', 'rotate-material']) {
      expectError(await act(t, k.id, action, {}, reader), 403, 'NCERRForbidden');
    }
    expect((await status(k.aws_param.KeyID)).KeyRotationEnabled).toBe(false);
  });
});
