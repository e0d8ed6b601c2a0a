import { later, startTestApp, type TestApp } from '../../fixtures/app.js';
import {
  act,
  actOk,
  createKeyOk,
  describe_,
  emulator,
  expectBadRequest,
  expectError,
  get,
  KEYS,
  UNKNOWN_ID,
} from './helpers.js';

const DAY = 86_400_000;

/** enable, disable, schedule-deletion, cancel-deletion; who may act, and on which records. */
describe('key actions: state', () => {
  let t: TestApp;
  let reader: string;
  let outsider: string;
  beforeAll(async () => {
    t = await startTestApp('key_actions_state');
    reader = await t.userToken('reader', ['cckm_users']);
    outsider = await t.userToken('outsider', ['cckm_admins'], 'other');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('disable then enable: the record and the emulator agree at each step', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    const keyId = k.aws_param.KeyID;
    const off = await actOk(t, k.id, 'disable');
    expect(off).toMatchObject({ id: k.id, gone: false, status: 'ready', last_error: null });
    expect(off.aws_param).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    expect(Date.parse(off.synced_at)).toBeGreaterThanOrEqual(Date.parse(k.synced_at));
    expect(await describe_(t, 'us-east-1', keyId)).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    // What GET answers afterwards is what the action answered.
    expect((await get(t, `${KEYS}/${k.id}`)).body).toEqual(off);

    const on = await actOk(t, k.id, 'enable', {});
    expect(on.aws_param).toMatchObject({ KeyState: 'Enabled', Enabled: true });
    expect(await describe_(t, 'us-east-1', keyId)).toMatchObject({ KeyState: 'Enabled', Enabled: true });
  });

  it('schedule-deletion defaults to 30 days; cancel-deletion brings the key back Disabled', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-west-2' });
    const keyId = k.aws_param.KeyID;
    const before = Date.now();
    const pending = await actOk(t, k.id, 'schedule-deletion', {});
    expect(pending.aws_param).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false });
    const md = await describe_(t, 'us-west-2', keyId);
    expect(md).toMatchObject({ KeyState: 'PendingDeletion' });
    expect(Date.parse(pending.aws_param.DeletionDate)).toBe(Math.floor(md.DeletionDate!.getTime() / 1000) * 1000);
    expect(md.DeletionDate!.getTime() - before).toBeGreaterThan(29.99 * DAY);
    expect(md.DeletionDate!.getTime() - before).toBeLessThan(30.01 * DAY);

    const back = await actOk(t, k.id, 'cancel-deletion');
    expect(back.aws_param).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    expect(back.aws_param.DeletionDate).toBeUndefined();
    expect(await describe_(t, 'us-west-2', keyId)).toMatchObject({ KeyState: 'Disabled' });
  });

  it('schedule-deletion {days: 7} and {days: 30}: the bounds are accepted', async () => {
    for (const days of [7, 30]) {
      const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
      const before = Date.now();
      const r = await actOk(t, k.id, 'schedule-deletion', { days });
      expect(Date.parse(r.aws_param.DeletionDate) - before).toBeGreaterThan((days - 0.01) * DAY);
      const md = await describe_(t, 'us-east-1', k.aws_param.KeyID);
      expect(md.DeletionDate!.getTime() - before).toBeGreaterThan((days - 0.01) * DAY);
      expect(md.DeletionDate!.getTime() - before).toBeLessThan((days + 0.01) * DAY);
    }
  });

  it('schedule-deletion with days out of 7..30, not an integer, or unknown fields → 400 naming the field; nothing changes', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    for (const body of [{ days: 6 }, { days: 31 }, { days: 'ten' }, { days: 7.5 }, { days: null }]) {
      expectBadRequest(await act(t, k.id, 'schedule-deletion', body), 'days');
    }
    expectBadRequest(await act(t, k.id, 'schedule-deletion', { PendingWindowInDays: 7 }), 'PendingWindowInDays');
    expectBadRequest(await act(t, k.id, 'enable', { force: true }), 'force');
    expect((await describe_(t, 'us-east-1', k.aws_param.KeyID)).KeyState).toBe('Enabled');
  });

  it("schedule-deletion of a key already pending deletion → 409 with AWS's message; the record still shows PendingDeletion", async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    const first = await actOk(t, k.id, 'schedule-deletion', { days: 10 });
    const again = await act(t, k.id, 'schedule-deletion', { days: 7 });
    expectError(again, 409, 'NCERRConflict', 'KMSInvalidStateException', 'is pending deletion');
    const md = await describe_(t, 'us-east-1', k.aws_param.KeyID);
    // The first schedule stands.
    expect(Math.floor(md.DeletionDate!.getTime() / 1000) * 1000).toBe(Date.parse(first.aws_param.DeletionDate));
    // Enabling or disabling a key pending deletion is refused the same way.
    expectError(await act(t, k.id, 'enable'), 409, 'NCERRConflict', 'KMSInvalidStateException');
    expectError(await act(t, k.id, 'disable'), 409, 'NCERRConflict', 'KMSInvalidStateException');
    expect((await get(t, `${KEYS}/${k.id}`)).body.aws_param.KeyState).toBe('PendingDeletion');
  });

  it('cancel-deletion of a key not pending deletion → 409 KMSInvalidStateException', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    expectError(
      await act(t, k.id, 'cancel-deletion'),
      409,
      'NCERRConflict',
      'KMSInvalidStateException',
      'is not pending deletion',
    );
    expect((await describe_(t, 'us-east-1', k.aws_param.KeyID)).KeyState).toBe('Enabled');
  });

  it("a read-only user gets 403 and changes nothing; an unknown record and another account's record get 404", async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    for (const action of ['disable', 'enable', 'schedule-deletion', 'cancel-deletion']) {
      expectError(await act(t, k.id, action, undefined, reader), 403, 'NCERRForbidden');
      expectError(await act(t, k.id, action, undefined, outsider), 404, 'NCERRResourceNotFound');
      expectError(await act(t, UNKNOWN_ID, action), 404, 'NCERRResourceNotFound', UNKNOWN_ID);
    }
    expect((await describe_(t, 'us-east-1', k.aws_param.KeyID)).KeyState).toBe('Enabled');
    expectBadRequest(await act(t, 'not-a-uuid', 'enable'), 'id');
  });

  it('a record that is gone, or still being created, → 409 naming why; the provider is not called', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    await t.db.db.updateTable('awsKeys').set({ gone: true }).where('id', '=', k.id).execute();
    expectError(await act(t, k.id, 'disable'), 409, 'NCERRConflict', 'gone');
    expect((await describe_(t, 'us-east-1', k.aws_param.KeyID)).KeyState).toBe('Enabled');

    const c = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    await t.db.db.updateTable('awsKeys').set({ status: 'creating', kmsKeyId: null }).where('id', '=', c.id).execute();
    expectError(await act(t, c.id, 'schedule-deletion', { days: 7 }), 409, 'NCERRConflict', 'still being created');
    expect((await describe_(t, 'us-east-1', c.aws_param.KeyID)).KeyState).toBe('Enabled');
  });

  it("a key deleted in AWS behind opencckm's back: 404 NotFoundException, and the record is marked gone", async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'ap-south-1' });
    await emulator(t, 'ap-south-1', 'ScheduleKeyDeletion', { KeyId: k.aws_param.KeyID, PendingWindowInDays: 7 });
    await later(t, 8 * 24 * 3600 * 1000);
    expectError(await act(t, k.id, 'enable'), 404, 'NCERRResourceNotFound', 'NotFoundException');
    expect((await get(t, `${KEYS}/${k.id}`)).body.gone).toBe(true);
    expectError(await act(t, k.id, 'enable'), 409, 'NCERRConflict', 'gone');
  });
});
