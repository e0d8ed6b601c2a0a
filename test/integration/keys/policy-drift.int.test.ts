import request from 'supertest';
import { bearer, startTestApp, type TestApp } from '../../fixtures/app.js';
import {
  createKeyOk,
  emulator,
  expectBadRequest,
  get,
  KEYS,
  listIds,
  storedPolicy,
  TEMPLATES,
  type Body,
} from './helpers.js';

/** Policy-template drift (issue 7, cckm-api.md §4.4): a key whose policy was changed outside opencckm. */
const ROOT = {
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::123456789012:root' },
  Action: 'kms:*',
  Resource: '*',
};
const AUDIT = {
  Sid: 'Audit',
  Effect: 'Allow',
  Principal: { AWS: ['arn:aws:iam::123456789012:role/Auditor'] },
  Action: ['kms:DescribeKey', 'kms:GetKeyPolicy'],
  Resource: '*',
};
const TEMPLATE_POLICY = { Version: '2012-10-17', Id: 'drift-v1', Statement: [ROOT, AUDIT] };
const INTRUDER = {
  Sid: 'Intruder',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:root' },
  Action: 'kms:Decrypt',
  Resource: '*',
};

describe('policy-template drift', () => {
  let t: TestApp;
  const post = (path: string, body: object) =>
    request(t.http).post(path).set('Authorization', bearer(t.adminToken)).send(body);
  const patch = (path: string, body: object) =>
    request(t.http).patch(path).set('Authorization', bearer(t.adminToken)).send(body);
  const template = async (body: object): Promise<Body> => {
    const res = await post(TEMPLATES, body);
    if (res.status !== 201) throw new Error(`template: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const refresh = async (id: string): Promise<Body> => {
    const res = await post(`${KEYS}/${id}/refresh`, {});
    if (res.status !== 200) throw new Error(`refresh: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  /** PutKeyPolicy straight into the emulator: a change made outside opencckm. */
  const putOutside = (region: string, keyId: string, policy: object | string) =>
    emulator(t, region, 'PutKeyPolicy', {
      KeyId: keyId,
      PolicyName: 'default',
      Policy: typeof policy === 'string' ? policy : JSON.stringify(policy),
    });

  beforeAll(async () => {
    t = await startTestApp('keys_policy_drift');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a key created from a template is checked and not drifted; a key without one is never checked', async () => {
    const tpl = await template({ name: 'drift-created', kms: 'kms', policy: TEMPLATE_POLICY });
    const before = Date.now();
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1', policytemplate: tpl.id });
    expect(k).toMatchObject({ cckm_policy_template_id: tpl.id, policy_drift: false });
    expect(Date.parse(k.policy_drift_checked_at)).toBeGreaterThanOrEqual(before - 1000);
    const plain = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    expect(plain).toMatchObject({ policy_drift: false, policy_drift_checked_at: null });
  });

  it('PutKeyPolicy outside opencckm → refresh shows policy_drift: true and the policy_drift=true filter lists the key', async () => {
    const tpl = await template({ name: 'drift-outside', kms: 'kms', policy: TEMPLATE_POLICY });
    const k = await createKeyOk(t, { kms: 'kms', region: 'eu-west-1', policytemplate: tpl.id });
    const keyId = k.aws_param.KeyID as string;
    const changed = { ...TEMPLATE_POLICY, Statement: [ROOT, AUDIT, INTRUDER] };
    await putOutside('eu-west-1', keyId, changed);
    // Not read yet: the record still says what opencckm last saw.
    expect((await get(t, `${KEYS}/${k.id}`)).body.policy_drift).toBe(false);
    expect(await listIds(t, 'policy_drift=true')).not.toContain(k.id);

    const r = await refresh(k.id);
    expect(r.policy_drift).toBe(true);
    expect(Date.parse(r.policy_drift_checked_at)).toBeGreaterThan(Date.parse(k.policy_drift_checked_at));
    expect(r.aws_param.Policy).toEqual(changed);
    expect(r.cckm_policy_template_id).toBe(tpl.id);
    expect(await listIds(t, 'policy_drift=true')).toContain(k.id);
    expect(await listIds(t, 'policy_drift=false')).not.toContain(k.id);
    expect(await listIds(t, `policy_drift=true&cckm_policy_template_id=${tpl.id}`)).toEqual([k.id]);

    // The same change on a key without a template is no drift: there is nothing to drift from.
    const plain = await createKeyOk(t, { kms: 'kms', region: 'eu-west-1' });
    await putOutside('eu-west-1', plain.aws_param.KeyID, changed);
    expect(await refresh(plain.id)).toMatchObject({ policy_drift: false, policy_drift_checked_at: null });
  });

  it('an equivalent policy written differently (text, key and list order, single values) is not drift', async () => {
    const tpl = await template({ name: 'drift-equivalent', kms: 'kms', policy: TEMPLATE_POLICY });
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1', policytemplate: tpl.id });
    const rewritten = {
      Statement: [
        {
          Resource: '*',
          Action: ['kms:GetKeyPolicy', 'kms:DescribeKey'],
          Principal: { AWS: 'arn:aws:iam::123456789012:role/Auditor' },
          Effect: 'Allow',
          Sid: 'Audit',
        },
        { ...ROOT, Action: ['kms:*'] },
      ],
      Id: 'drift-v1',
      Version: '2012-10-17',
    };
    await putOutside('us-east-1', k.aws_param.KeyID, JSON.stringify(rewritten, null, 3));
    const r = await refresh(k.id);
    expect(r.aws_param.Policy).toEqual(rewritten);
    expect(r.policy_drift).toBe(false);
  });

  it('any action that re-reads the key notices drift; re-applying the template with the policy action clears it', async () => {
    const tpl = await template({ name: 'drift-reapply', kms: 'kms', policy: TEMPLATE_POLICY });
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-west-2', policytemplate: tpl.id });
    const keyId = k.aws_param.KeyID as string;
    await putOutside('us-west-2', keyId, { ...TEMPLATE_POLICY, Statement: [ROOT] });
    const tagged = await post(`${KEYS}/${k.id}/add-tags`, { tags: [{ tag_key: 'team', tag_value: 'x' }] });
    expect(tagged.status).toBe(200);
    expect(tagged.body.policy_drift).toBe(true);

    const fixed = await post(`${KEYS}/${k.id}/policy`, { policytemplate: 'drift-reapply' });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toMatchObject({ policy_drift: false, cckm_policy_template_id: tpl.id });
    expect(await storedPolicy(t, 'us-west-2', keyId)).toEqual(TEMPLATE_POLICY);
    expect(await listIds(t, 'policy_drift=true')).not.toContain(k.id);

    // Unlinking (a literal policy) ends the drift checks.
    await putOutside('us-west-2', keyId, { ...TEMPLATE_POLICY, Statement: [ROOT] });
    const unlinked = await post(`${KEYS}/${k.id}/policy`, { policy: { ...TEMPLATE_POLICY, Id: 'own' } });
    expect(unlinked.body).toMatchObject({
      policy_drift: false,
      policy_drift_checked_at: null,
      cckm_policy_template_id: null,
    });
  });

  it('auto_push of a verified template re-applies it to every drifted key and clears their drift', async () => {
    const tpl = await template({ name: 'drift-push', kms: 'kms', policy: TEMPLATE_POLICY });
    const keys = [
      await createKeyOk(t, { kms: 'kms', region: 'us-east-1', policytemplate: tpl.id }),
      await createKeyOk(t, { kms: 'kms', region: 'ap-south-1', policytemplate: tpl.id }),
    ];
    for (const k of keys) {
      await putOutside(k.region, k.aws_param.KeyID, { ...TEMPLATE_POLICY, Statement: [ROOT, INTRUDER] });
      expect((await refresh(k.id)).policy_drift).toBe(true);
    }
    const v2 = { ...TEMPLATE_POLICY, Id: 'drift-v2' };
    const res = await patch(`${TEMPLATES}/${tpl.id}`, { policy: v2, auto_push: true });
    expect(res.status).toBe(200);
    for (const k of keys) {
      expect(await storedPolicy(t, k.region, k.aws_param.KeyID)).toEqual(v2);
      const rec = (await get(t, `${KEYS}/${k.id}`)).body;
      expect(rec).toMatchObject({ policy_drift: false, aws_param: { Policy: v2 } });
    }
    expect(await listIds(t, `policy_drift=true&cckm_policy_template_id=${tpl.id}`)).toEqual([]);
  });

  it('a template of principal lists is compared with the policy it builds for that key (HMAC key users get MAC actions)', async () => {
    const tpl = await template({ name: 'drift-lists', kms: 'kms', key_users: ['mac-user'], key_admins: ['boss'] });
    const k = await createKeyOk(t, {
      kms: 'kms',
      region: 'us-east-1',
      policytemplate: tpl.id,
      aws_param: { KeySpec: 'HMAC_256' },
    });
    expect((await refresh(k.id)).policy_drift).toBe(false);
    const stored = (await storedPolicy(t, 'us-east-1', k.aws_param.KeyID)) as { Statement: Body[] };
    const withoutAdmins = {
      ...stored,
      Statement: stored.Statement.filter((s) => s.Sid !== 'Allow access for Key Administrators'),
    };
    await putOutside('us-east-1', k.aws_param.KeyID, withoutAdmins);
    expect((await refresh(k.id)).policy_drift).toBe(true);
  });

  it('policy_drift filter values other than true/false → 400 naming it', async () => {
    expectBadRequest(await get(t, `${KEYS}?policy_drift=maybe`), 'policy_drift');
  });
});
