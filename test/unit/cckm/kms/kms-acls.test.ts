import type { Principal } from '../../../../src/auth/principal.js';
import { applyAclChanges, parseAclChanges } from '../../../../src/cckm/kms/kms-acl.service.js';
import {
  KMS_PERMISSIONS,
  KmsAcls,
  keyCreatePermission,
  keyDeletePermission,
  keyViewPermission,
  permissionsOn,
  restrictKmsIds,
  VIEW_PERMISSIONS,
} from '../../../../src/cckm/kms/kms-acls.js';
import type { KmsAccountRecord } from '../../../../src/cckm/common/records.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../../../src/errors/index.js';

const who = (groups: string[], userId = 'u1', account = 'kylo'): Principal => ({
  userId,
  username: userId,
  account,
  groups,
});

const kms = (id: string, acls: unknown[], account = 'kylo'): KmsAccountRecord => ({
  id,
  account,
  name: `name-${id}`,
  awsAccountId: '123456789012',
  connectionId: 'c',
  regions: ['us-east-1'],
  assumeRoleArn: null,
  assumeRoleExternalId: null,
  acls,
  status: 'active',
  autoAdded: false,
  approvalsRequired: 0,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

describe('permissionsOn', () => {
  const governed = kms('b', [
    { user_id: 'u1', actions: ['keycreate', 'viewnative'] },
    { group: 'team', actions: ['viewbyok'] },
  ]);

  it('gives admin and cckm_admins every permission, whatever the entries say', () => {
    expect([...permissionsOn(who(['admin']), governed)].sort()).toEqual([...KMS_PERMISSIONS].sort());
    expect(permissionsOn(who(['cckm_admins']), governed).size).toBe(KMS_PERMISSIONS.length);
  });

  it('keeps role behaviour without entries: cckm_users view, other users nothing', () => {
    expect([...permissionsOn(who(['cckm_users']), kms('a', []))].sort()).toEqual([...VIEW_PERMISSIONS].sort());
    expect(permissionsOn(who(['team']), kms('a', [])).size).toBe(0);
  });

  it('gives exactly the entries naming the user or one of their groups once entries exist', () => {
    expect([...permissionsOn(who(['cckm_users', 'team']), governed)].sort()).toEqual([
      'keycreate',
      'viewbyok',
      'viewnative',
    ]);
    expect(permissionsOn(who(['cckm_users'], 'u2'), governed).size).toBe(0);
  });

  it('gives nothing on another account’s KMS account, even to its admin group name', () => {
    expect(permissionsOn(who(['admin'], 'u1', 'acme'), governed).size).toBe(0);
  });

  it('ignores malformed stored entries and unknown names instead of granting', () => {
    const odd = kms('x', [null, { user_id: 'u1', actions: ['keysteal', 'keyupdate'] }, { actions: ['keycreate'] }]);
    expect([...permissionsOn(who([]), odd)]).toEqual(['keyupdate']);
  });
});

describe('permissions by key origin', () => {
  it.each([
    ['AWS_KMS', 'viewnative', 'keydelete', 'keycreate'],
    [null, 'viewnative', 'keydelete', 'keycreate'],
    ['EXTERNAL', 'viewbyok', 'keydelete', 'keyupload'],
    ['EXTERNAL_KEY_STORE', 'viewhyokkey', 'hyokkeydelete', 'hyokkeycreate'],
    ['AWS_CLOUDHSM', 'viewcloudhsmkey', 'cloudhsmkeydelete', 'cloudhsmkeycreate'],
  ])('%s: view %s, delete %s, create %s', (origin, view, del, create) => {
    expect(keyViewPermission(origin)).toBe(view);
    expect(keyDeletePermission(origin)).toBe(del);
    expect(keyCreatePermission(origin)).toBe(create);
  });
});

describe('KmsAcls', () => {
  const records = [kms('a', []), kms('b', [{ user_id: 'u1', actions: ['viewbyok', 'keysynchronize'] }])];
  const acls = new KmsAcls({
    find: async (_p, id) => {
      const k = records.find((r) => r.id === id || r.name === id);
      if (!k) throw new NotFoundError(`KMS account ${id} not found`);
      return k;
    },
    all: async () => records,
  });

  it('assertPermitted answers the record, or ForbiddenError naming the permission and the KMS account', async () => {
    await expect(acls.assertPermitted(who([]), 'b', 'keysynchronize')).resolves.toBe(records[1]);
    const refused = acls.assertPermitted(who(['cckm_users']), 'b', 'keycreate');
    await expect(refused).rejects.toBeInstanceOf(ForbiddenError);
    await expect(refused).rejects.toThrow(/keycreate.*name-b/);
    await expect(acls.assertPermitted(who([]), 'zz', 'keycreate')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('viewableKmsIds filters the tenant’s KMS accounts: all for admins, ids for others', async () => {
    await expect(acls.viewableKmsIds(who(['cckm_admins']), 'viewnative')).resolves.toBe('all');
    await expect(acls.viewableKmsIds(who(['cckm_users']), 'viewnative')).resolves.toEqual(['a']);
    await expect(acls.viewableKmsIds(who(['cckm_users']), 'viewbyok')).resolves.toEqual(['a', 'b']);
    await expect(acls.viewableKmsIds(who([], 'u9'), 'viewnative')).resolves.toEqual([]);
  });

  it('keyScopes groups KMS accounts by the key origins visible in them', async () => {
    await expect(acls.keyScopes(who(['cckm_users']))).resolves.toEqual([
      { kmsIds: ['a'], origins: null },
      { kmsIds: ['b'], origins: ['EXTERNAL'] },
    ]);
    await expect(acls.keyScopes(who([], 'u9'))).resolves.toEqual([]);
  });

  it('restrictKmsIds intersects a filter with the viewable ids', () => {
    expect(restrictKmsIds(undefined, 'all')).toBeUndefined();
    expect(restrictKmsIds(['a'], 'all')).toEqual(['a']);
    expect(restrictKmsIds(undefined, ['b'])).toEqual(['b']);
    expect(restrictKmsIds(['a', 'b'], ['b'])).toEqual(['b']);
    expect(restrictKmsIds(['a'], [])).toEqual([]);
  });
});

describe('update-acls body', () => {
  const field = (body: unknown): string | undefined => {
    try {
      parseAclChanges(body as { acls?: unknown });
      return undefined;
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      return (err as ValidationError).details?.[0]?.field;
    }
  };

  it.each([
    [{}, 'acls'],
    [{ acls: [] }, 'acls'],
    [{ acls: Array.from({ length: 101 }, () => ({ group: 'g', actions: ['view'], permit: true })) }, 'acls'],
    [{ acls: ['x'] }, 'acls[0]'],
    [{ acls: [{ actions: ['view'], permit: true }] }, 'acls[0]'],
    [{ acls: [{ group: '', actions: ['view'], permit: true }] }, 'acls[0].group'],
    [{ acls: [{ group: 'g', actions: [], permit: true }] }, 'acls[0].actions'],
    [{ acls: [{ group: 'g', actions: ['view', 7], permit: true }] }, 'acls[0].actions[1]'],
    [{ acls: [{ group: 'g', actions: ['view'], permit: 'yes' }] }, 'acls[0].permit'],
    [{ acls: [{ group: 'g', actions: ['view'], permit: true, extra: 1 }] }, 'acls[0].extra'],
  ])('refuses %j naming %s', (body, name) => {
    expect(field(body)).toBe(name);
  });

  it('expands the legacy view and removes duplicates', () => {
    expect(parseAclChanges({ acls: [{ user_id: 'u', actions: ['view', 'viewnative'], permit: true }] })).toEqual([
      { user_id: 'u', actions: ['viewnative', 'viewbyok'], permit: true },
    ]);
  });

  it('applies grants and revocations in order and drops emptied entries', () => {
    const start = [{ group: 'g', actions: ['viewnative' as const] }];
    const next = applyAclChanges(start, [
      { user_id: 'u', actions: ['keycreate', 'keyupdate'], permit: true },
      { group: 'g', actions: ['viewnative'], permit: false },
      { user_id: 'u', actions: ['keycreate'], permit: false },
      { group: 'nobody', actions: ['keycreate'], permit: false },
    ]);
    expect(next).toEqual([{ user_id: 'u', actions: ['keyupdate'] }]);
    expect(start).toEqual([{ group: 'g', actions: ['viewnative'] }]);
  });
});
