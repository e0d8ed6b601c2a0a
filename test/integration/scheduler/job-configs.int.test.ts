/**
 * Scheduler job configs through the REST API: create, list, get, update and delete with
 * validation naming the field (the cron field at fault too), roles, isolation between
 * accounts, attaching keys to a rotation job (and the key list filters), and the audit trail.
 */
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { createKeyOk, expectBadRequest, expectError } from '../keys/helpers.js';
import { JOB_ENV } from '../sync/helpers.js';
import { as, CONFIGS, KEYS, rotation, type Body } from './helpers.js';

const REGION = 'us-east-1';

describe('scheduler job configs', () => {
  let t: TestApp;
  const admin = () => as(t, t.adminToken);
  const createOk = async (body: object): Promise<Body> => {
    const res = await admin().post(CONFIGS, body);
    if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  beforeAll(async () => {
    t = await startTestApp('scheduler_configs', { env: { ...JOB_ENV, CCKM_SCHEDULER_CHECK_MS: '0' } });
  });
  afterAll(() => t?.close());

  it('creates a rotation config with its next tick in its time zone, reads, lists, updates and deletes it', async () => {
    const before = Date.now();
    const c = await createOk(
      rotation('weekly', {
        time_zone: 'Europe/Paris',
        description: 'Saturday mornings',
        cckm_key_rotation_params: { cloud_name: 'aws', expiration: '90d', expire_in: '7d', rotation_after: '30d' },
      }),
    );
    expect(c).toMatchObject({
      uri: `kylo:kylo:scheduler:job-config:${c.id}`,
      account: 'kylo:kylo:admin:accounts:kylo',
      name: 'weekly',
      description: 'Saturday mornings',
      operation: 'cckm_key_rotation',
      run_at: '0 9 * * sat',
      time_zone: 'Europe/Paris',
      disabled: false,
      last_run_at: null,
      created_by: 'admin',
      cckm_key_rotation_params: { cloud_name: 'aws', expiration: '90d', expire_in: '7d', rotation_after: '30d' },
    });
    const next = new Date(c.next_run_at);
    expect(next.getTime()).toBeGreaterThan(before);
    expect(next.getTime() - before).toBeLessThanOrEqual(7 * 86_400_000);
    const paris = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Paris',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    }).format(next);
    expect(paris).toBe('Sat 09:00');
    expect((await admin().get(`${CONFIGS}/${c.id}`)).body).toEqual(c);

    const daily = await createOk(rotation('daily', { run_at: '30 2 * * *' }));
    const sync = await createOk({
      name: 'nightly sync',
      operation: 'cckm_synchronization',
      run_at: '0 1 * * *',
      disabled: true,
      cckm_synchronization_params: { kms: ['kms'], regions: [REGION] },
    });
    expect(sync).toMatchObject({
      disabled: true,
      next_run_at: null,
      cckm_synchronization_params: { cloud_name: 'aws', kms: ['kms'], regions: [REGION] },
    });
    const names = async (q: string) =>
      ((await admin().get(`${CONFIGS}?${q}`)).body.resources as Body[]).map((r) => r.name);
    expect(await names('sort=name')).toEqual(['daily', 'nightly sync', 'weekly']);
    expect(await names('operation=cckm_synchronization')).toEqual(['nightly sync']);
    expect(await names('disabled=false&sort=-name')).toEqual(['weekly', 'daily']);
    expect(await names(`name=daily&name=weekly&sort=name`)).toEqual(['daily', 'weekly']);
    const paged = (await admin().get(`${CONFIGS}?sort=name&skip=1&limit=1`)).body;
    expect(paged).toMatchObject({ skip: 1, limit: 1, total: 3, resources: [{ name: 'nightly sync' }] });

    const patched = (await admin().patch(`${CONFIGS}/${daily.id}`, { run_at: '0 12 * * *', time_zone: 'UTC' })).body;
    expect(patched).toMatchObject({ run_at: '0 12 * * *', time_zone: 'UTC' });
    expect(new Date(patched.next_run_at).getUTCHours()).toBe(12);
    expect((await admin().patch(`${CONFIGS}/${daily.id}`, { disabled: true })).body.next_run_at).toBeNull();
    const enabled = (await admin().patch(`${CONFIGS}/${daily.id}`, { disabled: false, name: 'noon' })).body;
    expect(enabled).toMatchObject({ name: 'noon', disabled: false });
    expect(new Date(enabled.next_run_at).getUTCHours()).toBe(12);
    const enabledSync = (await admin().patch(`${CONFIGS}/${sync.id}`, { disabled: false })).body;
    expect(new Date(enabledSync.next_run_at).getUTCHours()).toBe(1);

    for (const id of [c.id, daily.id, sync.id]) {
      expect((await admin().delete(`${CONFIGS}/${id}`)).status).toBe(204);
      expectError(await admin().get(`${CONFIGS}/${id}`), 404, 'NCERRResourceNotFound');
    }
    expectError(await admin().delete(`${CONFIGS}/${c.id}`), 404, 'NCERRResourceNotFound');
  });

  it.each([
    ['name', { operation: 'cckm_key_rotation', run_at: '* * * * *' }],
    ['name', rotation('-leading dash')],
    ['operation', rotation('op', { operation: 'cckm_rotate_everything' })],
    ['run_at', rotation('rt', { run_at: undefined })],
    ['run_at', rotation('rt', { run_at: '60 9 * * *' }), 'minute: 60 is outside 0-59'],
    ['run_at', rotation('rt', { run_at: '0 9 * * funday' }), 'day of week'],
    ['run_at', rotation('rt', { run_at: '0 9 * *' }), 'must have 5 fields'],
    ['run_at', rotation('rt', { run_at: '0 0 31 2 *' }), 'never run'],
    ['time_zone', rotation('tz', { time_zone: 'Mars/Olympus_Mons' })],
    ['cckm_key_rotation_params', { name: 'np', operation: 'cckm_key_rotation', run_at: '* * * * *' }],
    ['cckm_key_rotation_params.cloud_name', rotation('cn', { cckm_key_rotation_params: { cloud_name: 'gcp' } })],
    [
      'cckm_key_rotation_params.expiration',
      rotation('ex', { cckm_key_rotation_params: { cloud_name: 'aws', expiration: '366d' } }),
      'at most 365d',
    ],
    [
      'cckm_key_rotation_params.expire_in',
      rotation('ei', { cckm_key_rotation_params: { cloud_name: 'aws', expire_in: '1w' } }),
    ],
    ['cckm_synchronization_params', { name: 'sp', operation: 'cckm_synchronization', run_at: '* * * * *' }],
    [
      'cckm_synchronization_params.kms',
      {
        name: 'sk',
        operation: 'cckm_synchronization',
        run_at: '* * * * *',
        cckm_synchronization_params: { kms: ['kms'], synchronize_all: true },
      },
    ],
    [
      'cckm_synchronization_params.kms[0]',
      {
        name: 'sk',
        operation: 'cckm_synchronization',
        run_at: '* * * * *',
        cckm_synchronization_params: { kms: ['no-such-kms'] },
      },
    ],
    [
      'cckm_synchronization_params.regions[0]',
      {
        name: 'sr',
        operation: 'cckm_synchronization',
        run_at: '* * * * *',
        cckm_synchronization_params: { kms: ['kms'], regions: ['mars-east-1'] },
      },
    ],
    [
      'cckm_synchronization_params',
      rotation('fp', { cckm_synchronization_params: { synchronize_all: true } }),
      'applies only to operation cckm_synchronization',
    ],
  ])('400 naming %s', async (field, body, ...mentions) => {
    expectBadRequest(await admin().post(CONFIGS, body), field, ...(mentions as string[]));
  });

  it('409 on a second config of the same name; PATCH cannot change the operation and validates as create does', async () => {
    const c = await createOk(rotation('unique-name'));
    expectError(await admin().post(CONFIGS, rotation('unique-name')), 409, 'NCERRConflict');
    const other = await createOk(rotation('other-name'));
    expectError(await admin().patch(`${CONFIGS}/${other.id}`, { name: 'unique-name' }), 409, 'NCERRConflict');
    expectBadRequest(await admin().patch(`${CONFIGS}/${c.id}`, { operation: 'cckm_synchronization' }), 'operation');
    expectBadRequest(await admin().patch(`${CONFIGS}/${c.id}`, { run_at: '* 25 * * *' }), 'run_at', 'hour');
    expectBadRequest(await admin().patch(`${CONFIGS}/${c.id}`, { time_zone: 'Nowhere/Land' }), 'time_zone');
    expectBadRequest(
      await admin().patch(`${CONFIGS}/${c.id}`, { cckm_synchronization_params: { synchronize_all: true } }),
      'cckm_synchronization_params',
    );
    expectBadRequest(await admin().patch(`${CONFIGS}/${c.id}`, {}), 'body');
    expectError(await admin().patch(`${CONFIGS}/${randomUUID()}`, { disabled: true }), 404, 'NCERRResourceNotFound');
    // Nothing changed by the refused requests.
    expect((await admin().get(`${CONFIGS}/${c.id}`)).body).toMatchObject({
      name: 'unique-name',
      run_at: '0 9 * * sat',
      time_zone: 'UTC',
    });
  });

  it('readers list and read but do not write; another account sees none of it', async () => {
    const c = await createOk(rotation('visible'));
    const reader = as(t, await t.userToken('sched-reader', ['cckm_users']));
    expect((await reader.get(`${CONFIGS}/${c.id}`)).status).toBe(200);
    expectError(await reader.post(CONFIGS, rotation('mine')), 403, 'NCERRForbidden');
    expectError(await reader.patch(`${CONFIGS}/${c.id}`, { disabled: true }), 403, 'NCERRForbidden');
    expectError(await reader.post(`${CONFIGS}/${c.id}/run-now`), 403, 'NCERRForbidden');
    const stranger = as(t, await t.userToken('sched-stranger', ['admin'], 'sched-other'));
    expectError(await stranger.get(`${CONFIGS}/${c.id}`), 404, 'NCERRResourceNotFound');
    expectError(await stranger.get(`${CONFIGS}/${c.id}/runs`), 404, 'NCERRResourceNotFound');
    expectError(await stranger.post(`${CONFIGS}/${c.id}/run-now`), 404, 'NCERRResourceNotFound');
    expect((await stranger.get(CONFIGS)).body.total).toBe(0);
    // The same name is free in another account.
    expect((await stranger.post(CONFIGS, rotation('visible'))).status).toBe(201);
  });

  it('attaches keys to a rotation job: record fields, list filters, refusals, and no delete while attached', async () => {
    const c = await createOk(rotation('attach'));
    const sync = await createOk({
      name: 'attach-sync',
      operation: 'cckm_synchronization',
      run_at: '0 1 * * *',
      cckm_synchronization_params: { synchronize_all: true },
    });
    const [k1, k2] = [
      await createKeyOk(t, { kms: 'kms', region: REGION }),
      await createKeyOk(t, { kms: 'kms', region: REGION }),
    ];
    const rsa = await createKeyOk(t, {
      kms: 'kms',
      region: REGION,
      aws_param: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' },
    });
    expect(k1).toMatchObject({
      rotation_job_enabled: false,
      job_config_id: null,
      rotated_at: null,
      next_rotation_at: null,
    });
    const attach = (k: Body, body: object) => admin().post(`${KEYS}/${k.id}/enable-rotation-job`, body);
    expectBadRequest(await attach(k1, {}), 'job_config_id');
    expectBadRequest(await attach(k1, { job_config_id: randomUUID() }), 'job_config_id');
    expectBadRequest(await attach(k1, { job_config_id: sync.id }), 'job_config_id', 'cckm_synchronization');
    expectBadRequest(
      await attach(k1, { job_config_id: c.id, auto_rotate_key_source: 'dsm' }),
      'auto_rotate_key_source',
    );
    expectBadRequest(await attach(rsa, { job_config_id: c.id }), 'id', 'RSA_2048');
    expectError(await attach({ id: randomUUID() }, { job_config_id: c.id }), 404, 'NCERRResourceNotFound');

    const attached = (await attach(k1, { job_config_id: c.id, auto_rotate_key_source: 'local' })).body;
    expect(attached).toMatchObject({
      id: k1.id,
      rotation_job_enabled: true,
      job_config_id: c.id,
      auto_rotate_key_source: 'local',
      next_rotation_at: c.next_run_at,
    });
    expect((await admin().get(`${KEYS}/${k1.id}`)).body).toMatchObject({
      rotation_job_enabled: true,
      job_config_id: c.id,
    });
    const ids = async (q: string) =>
      ((await admin().get(`${KEYS}?${q}&limit=-1`)).body.resources as Body[]).map((k) => k.id);
    expect(await ids('rotation_job_enabled=true')).toEqual([k1.id]);
    expect(await ids(`job_config_id=${c.id}`)).toEqual([k1.id]);
    expect(await ids('rotation_job_enabled=false')).toEqual(expect.arrayContaining([k2.id, rsa.id]));
    expect(await ids('rotation_job_enabled=false')).not.toContain(k1.id);

    // The attached keys follow their config's schedule.
    const moved = (await admin().patch(`${CONFIGS}/${c.id}`, { run_at: '15 4 * * *' })).body;
    expect((await admin().get(`${KEYS}/${k1.id}`)).body.next_rotation_at).toBe(moved.next_run_at);

    expectError(await admin().delete(`${CONFIGS}/${c.id}`), 409, 'NCERRConflict', 'disable-rotation-job');
    const detached = (await admin().post(`${KEYS}/${k1.id}/disable-rotation-job`)).body;
    expect(detached).toMatchObject({ rotation_job_enabled: false, job_config_id: null, next_rotation_at: null });
    expect(await ids('rotation_job_enabled=true')).toEqual([]);
    expect((await admin().delete(`${CONFIGS}/${c.id}`)).status).toBe(204);

    const stranger = as(t, await t.userToken('attach-stranger', ['admin'], 'attach-other'));
    expectError(await stranger.post(`${KEYS}/${k2.id}/disable-rotation-job`), 404, 'NCERRResourceNotFound');
  });

  it('records every change in the audit trail', async () => {
    const c = await createOk(rotation('audited'));
    await admin().patch(`${CONFIGS}/${c.id}`, { disabled: true });
    await admin().delete(`${CONFIGS}/${c.id}`);
    const records = (await admin().get(`/api/v1/audit/records?resource_id=${c.id}&limit=-1`)).body.resources as Body[];
    expect(records.map((r) => [r.action, r.resource_type, r.result]).sort()).toEqual([
      ['createJobConfig', 'job-config', 'success'],
      ['deleteJobConfig', 'job-config', 'success'],
      ['updateJobConfig', 'job-config', 'success'],
    ]);
  });
});
