import request from 'supertest';
import { bearer, later, startTestApp, type TestApp } from '../../fixtures/app.js';
import {
  createKey,
  createKeyOk,
  emulator,
  emulatorKeyIds,
  expectBadRequest,
  expectError,
  get,
  KEYS,
  listIds,
} from './helpers.js';

/** Idempotency-Key on create; forgetting a record; refresh of keys changed or deleted in AWS. */
describe('keys: Idempotency-Key, forget, refresh', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('keys_idem');
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('Idempotency-Key', () => {
    it('same key, same body: one key in the emulator; the retry answers 200, Idempotent-Replayed: true, the same record', async () => {
      const before = await emulatorKeyIds(t, 'us-east-1');
      const body = {
        kms: 'kms',
        region: 'us-east-1',
        aws_param: { Alias: 'idem-1', Description: 'once', Tags: [{ TagKey: 'a', TagValue: 'b' }] },
      };
      const first = await createKey(t, body, { 'Idempotency-Key': 'req-0001' });
      expect(first.status).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      // Same body with keys in another order is the same request.
      const again = {
        aws_param: { Tags: [{ TagValue: 'b', TagKey: 'a' }], Description: 'once', Alias: 'idem-1' },
        region: 'us-east-1',
        kms: 'kms',
      };
      const second = await createKey(t, again, { 'Idempotency-Key': 'req-0001' });
      expect(second.status).toBe(200);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body).toEqual(first.body);
      const after = await emulatorKeyIds(t, 'us-east-1');
      expect(after.filter((id) => !before.includes(id))).toEqual([first.body.aws_param.KeyID]);
      expect(await listIds(t, 'alias=idem-1')).toEqual([first.body.id]);
    });

    it('same key, different body → 409 naming Idempotency-Key; nothing created', async () => {
      const first = await createKey(
        t,
        { kms: 'kms', region: 'us-east-1', aws_param: { Description: 'x' } },
        { 'Idempotency-Key': 'req-0002' },
      );
      expect(first.status).toBe(201);
      const before = await emulatorKeyIds(t, 'us-east-1');
      const res = await createKey(
        t,
        { kms: 'kms', region: 'us-east-1', aws_param: { Description: 'y' } },
        { 'Idempotency-Key': 'req-0002' },
      );
      expectError(res, 409, 'NCERRConflict', 'Idempotency-Key');
      expect(await emulatorKeyIds(t, 'us-east-1')).toEqual(before);
    });

    it('concurrent requests with one key create one key: one 201, the others 200 replays or 409 in progress', async () => {
      const before = await emulatorKeyIds(t, 'eu-west-1');
      const body = { kms: 'kms', region: 'eu-west-1', aws_param: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' } };
      const results = await Promise.all(
        [1, 2, 3, 4].map(() => createKey(t, body, { 'Idempotency-Key': 'req-concurrent' })),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      for (const r of results.filter((x) => x.status !== 201)) {
        if (r.status === 200) expect(r.headers['idempotent-replayed']).toBe('true');
        else expectError(r, 409, 'NCERRConflict', 'Idempotency-Key');
      }
      expect((await emulatorKeyIds(t, 'eu-west-1')).filter((id) => !before.includes(id))).toHaveLength(1);
    });

    it('after a refused create (400) the same key can be used for the corrected request', async () => {
      const bad = await createKey(
        t,
        { kms: 'kms', region: 'us-east-1', aws_param: { Tags: [{ TagKey: 'k', TagValue: 'bad value' }] } },
        { 'Idempotency-Key': 'req-0003' },
      );
      expectBadRequest(bad, 'aws_param.Tags[0].TagValue');
      const good = await createKey(
        t,
        { kms: 'kms', region: 'us-east-1', aws_param: { Tags: [{ TagKey: 'k', TagValue: 'good' }] } },
        { 'Idempotency-Key': 'req-0003' },
      );
      expect(good.status).toBe(201);
      const replay = await createKey(
        t,
        { kms: 'kms', region: 'us-east-1', aws_param: { Tags: [{ TagKey: 'k', TagValue: 'good' }] } },
        { 'Idempotency-Key': 'req-0003' },
      );
      expect(replay.status).toBe(200);
      expect(replay.body.id).toBe(good.body.id);
    });

    it('after an AWS refusal (alias in use, 409) the key can be reused too', async () => {
      await createKeyOk(t, { kms: 'kms', region: 'us-east-1', aws_param: { Alias: 'idem-taken' } });
      const refused = await createKey(
        t,
        { kms: 'kms', region: 'us-east-1', aws_param: { Alias: 'idem-taken' } },
        { 'Idempotency-Key': 'req-0004' },
      );
      expectError(refused, 409, 'NCERRConflict', 'AlreadyExistsException');
      const ok = await createKey(
        t,
        { kms: 'kms', region: 'us-east-1', aws_param: { Alias: 'idem-free' } },
        { 'Idempotency-Key': 'req-0004' },
      );
      expect(ok.status).toBe(201);
    });

    it('keys are per account: another account using the same key gets its own key', async () => {
      const first = await createKey(t, { kms: 'kms', region: 'us-east-1' }, { 'Idempotency-Key': 'req-shared' });
      expect(first.status).toBe(201);
      const token = await t.userToken('other-admin', ['admin'], 'acct2');
      const res = await request(t.http)
        .post(KEYS)
        .set('Authorization', bearer(token))
        .set('Idempotency-Key', 'req-shared')
        .send({ kms: 'kms', region: 'us-east-1' });
      // acct2 has no KMS account "kms": its own request is evaluated (and refused), not a replay of kylo's.
      expectBadRequest(res, 'kms');
    });

    it('a malformed Idempotency-Key (space) → 400 naming the header', async () => {
      const res = await createKey(t, { kms: 'kms', region: 'us-east-1' }, { 'Idempotency-Key': 'has space' });
      expectError(res, 400, 'NCERRBadRequest', 'dempotency');
    });
  });

  describe('DELETE /keys/{id} forgets the record only', () => {
    it('204; the record is gone (404, not listed) but the key stays usable in the emulator', async () => {
      const r = await createKeyOk(t, { kms: 'kms', region: 'ap-south-1', aws_param: { Alias: 'forget-me' } });
      const del = await request(t.http).delete(`${KEYS}/${r.id}`).set('Authorization', bearer(t.adminToken));
      expect(del.status).toBe(204);
      expectError(await get(t, `${KEYS}/${r.id}`), 404, 'NCERRResourceNotFound');
      expect(await listIds(t, 'region=ap-south-1')).not.toContain(r.id);
      const d = await emulator(t, 'ap-south-1', 'DescribeKey', { KeyId: 'alias/forget-me' });
      expect(d.KeyMetadata).toMatchObject({ KeyId: r.aws_param.KeyID, KeyState: 'Enabled', Enabled: true });
      const enc = await emulator(t, 'ap-south-1', 'Encrypt', {
        KeyId: r.aws_param.KeyID,
        Plaintext: Buffer.from('still usable'),
      });
      expect(enc.CiphertextBlob?.length).toBeGreaterThan(0);
      // A second DELETE: 404.
      expectError(
        await request(t.http).delete(`${KEYS}/${r.id}`).set('Authorization', bearer(t.adminToken)),
        404,
        'NCERRResourceNotFound',
      );
    });

    it('a read-only user cannot forget: 403, the record stays', async () => {
      const r = await createKeyOk(t, { kms: 'kms', region: 'ap-south-1' });
      const token = await t.userToken('viewer', ['cckm_users']);
      expectError(
        await request(t.http).delete(`${KEYS}/${r.id}`).set('Authorization', bearer(token)),
        403,
        'NCERRForbidden',
      );
      expect((await get(t, `${KEYS}/${r.id}`)).status).toBe(200);
      // …but may read it.
      expect((await request(t.http).get(`${KEYS}/${r.id}`).set('Authorization', bearer(token))).status).toBe(200);
    });
  });

  describe('refresh', () => {
    const refresh = (id: string) =>
      request(t.http).post(`${KEYS}/${id}/refresh`).set('Authorization', bearer(t.adminToken));

    it('re-reads changes made in AWS: description, tags, aliases, state', async () => {
      const r = await createKeyOk(t, { kms: 'kms', region: 'us-west-2', aws_param: { Description: 'old' } });
      const keyId = r.aws_param.KeyID;
      await emulator(t, 'us-west-2', 'UpdateKeyDescription', { KeyId: keyId, Description: 'new' });
      await emulator(t, 'us-west-2', 'TagResource', { KeyId: keyId, Tags: [{ TagKey: 'added', TagValue: 'outside' }] });
      await emulator(t, 'us-west-2', 'CreateAlias', { AliasName: 'alias/made-outside', TargetKeyId: keyId });
      await emulator(t, 'us-west-2', 'DisableKey', { KeyId: keyId });
      const res = await refresh(r.id);
      expect(res.status).toBe(200);
      expect(res.body.aws_param).toMatchObject({
        Description: 'new',
        KeyState: 'Disabled',
        Enabled: false,
        Alias: ['alias/made-outside'],
      });
      expect(res.body.aws_param.Tags).toEqual(expect.arrayContaining([{ TagKey: 'added', TagValue: 'outside' }]));
      expect(Date.parse(res.body.synced_at)).toBeGreaterThanOrEqual(Date.parse(r.synced_at));
      expect(await listIds(t, 'alias=made-outside')).toEqual([r.id]);
      expect((await get(t, `${KEYS}/${r.id}`)).body).toEqual(res.body);
    });

    it('a key scheduled for deletion: PendingDeletion with its DeletionDate, not gone; then deleted by the scheduler: gone', async () => {
      const r = await createKeyOk(t, { kms: 'kms', region: 'us-west-2' });
      const keyId = r.aws_param.KeyID;
      const scheduled = await emulator(t, 'us-west-2', 'ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
      const pending = await refresh(r.id);
      expect(pending.status).toBe(200);
      expect(pending.body).toMatchObject({ gone: false });
      expect(pending.body.aws_param).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false });
      expect(Date.parse(pending.body.aws_param.DeletionDate)).toBe(
        Math.floor(scheduled.DeletionDate!.getTime() / 1000) * 1000,
      );
      expect(await listIds(t, 'keystate=PendingDeletion')).toContain(r.id);

      // Eight days later the emulator's scheduler deletes it (only Date is faked).
      await later(t, 8 * 24 * 3600 * 1000);
      await expect(emulator(t, 'us-west-2', 'DescribeKey', { KeyId: keyId })).rejects.toMatchObject({
        awsName: 'NotFoundException',
      });
      const gone = await refresh(r.id);
      expect(gone.status).toBe(200);
      expect(gone.body).toMatchObject({ id: r.id, gone: true });
      expect(await listIds(t, 'gone=true')).toEqual([r.id]);
      // A second refresh of a gone key is still a 200.
      expect((await refresh(r.id)).body.gone).toBe(true);
    });

    it('refresh of an unknown record → 404', async () => {
      expectError(await refresh('00000000-0000-4000-8000-000000000001'), 404, 'NCERRResourceNotFound');
    });
  });
});
