import { Router, type Request } from 'express';
import type { KeyService } from '../../cckm/keys/key.service.js';
import type { UploadKeyService } from '../../cckm/keys/upload-key.service.js';
import type { IdempotencyService } from '../../cckm/idempotency/idempotency.service.js';
import type { TemplateService } from '../../cckm/templates/template.service.js';
import { normaliseAlias } from '../../cckm/keys/create-key-request.js';
import type { KeyListFilter } from '../../cckm/keys/key-filter.js';
import { ValidationError } from '../../errors/index.js';
import * as present from '../presenters/presenters.js';
import { COMMON_SORT, flag, listQuery, many, one } from './query.js';

const KEY_SORT = {
  createdAt: 'createdAt',
  updatedAt: 'updatedAt',
  id: 'id',
  region: 'region',
  keyid: 'kmsKeyId',
  KeyID: 'kmsKeyId',
  arn: 'arn',
  keystate: 'keyState',
  KeyState: 'keyState',
  key_type: 'keyType',
  synced_at: 'syncedAt',
  CreationDate: 'awsCreatedAt',
};

/** `group_by` of GET /cckm/aws/keys/stats → the record field counted. */
const GROUP_BY = { state: 'keyState', region: 'region' } as const;

/** The key list's filters (shared by the list and its counts), absent ones left out. */
function keyFilter(req: Request): KeyListFilter {
  const tags = many(req, 'tags')?.map((t) => {
    const i = t.indexOf('=');
    return i < 0 ? { key: t } : { key: t.slice(0, i), value: t.slice(i + 1) };
  });
  const filter = {
    ids: many(req, 'id'),
    kms: many(req, 'kms'),
    kmsIds: many(req, 'kms_id'),
    regions: many(req, 'region'),
    aliases: many(req, 'alias')?.map((a) => normaliseAlias(a, 'alias')),
    keyIds: many(req, 'keyid'),
    arns: many(req, 'arn'),
    keyStates: many(req, 'keystate'),
    keyUsages: many(req, 'keyusage'),
    origins: many(req, 'origin'),
    customKeyStoreIds: many(req, 'custom_key_store_id'),
    keyTypes: many(req, 'key_type'),
    materialOrigins: many(req, 'key_material_origin'),
    keySpecs: many(req, 'CustomerMasterKeySpec'),
    cloudNames: many(req, 'cloud_name'),
    multiRegionKeyTypes: many(req, 'multi_region_key_type'),
    templateIds: many(req, 'cckm_policy_template_id'),
    tags,
    gone: flag(req, 'gone'),
    multiRegion: flag(req, 'multi_region'),
    enabled: flag(req, 'enabled'),
    policyDrift: flag(req, 'policy_drift'),
    rotationJobEnabled: flag(req, 'rotation_job_enabled'),
    jobConfigIds: many(req, 'job_config_id'),
    rotationStatuses: many(req, 'rotation_status'),
    search: one(req, 'search'),
  };
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as KeyListFilter;
}

export function keyRoutes(keys: KeyService, uploads: UploadKeyService, idempotency: IdempotencyService): Router {
  const r = Router();
  r.post('/cckm/aws/keys', async (req, res) => {
    const p = req.principal!;
    const result = await idempotency.run(p, req.get('idempotency-key'), 'createAwsKey', req.body, async () => {
      const v = await keys.create(p, req.body);
      return { status: 201, body: present.key(v), resourceId: v.key.id };
    });
    res.locals.resourceId = (result.body as { id?: string }).id;
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(result.status).json(result.body);
  });
  r.post('/cckm/aws/upload-key', async (req, res) => {
    const p = req.principal!;
    const result = await idempotency.run(p, req.get('idempotency-key'), 'uploadAwsKey', req.body, async () => {
      const v = await uploads.upload(p, req.body);
      return { status: 201, body: present.key(v), resourceId: v.key.id };
    });
    res.locals.resourceId = (result.body as { id?: string }).id;
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(result.status).json(result.body);
  });
  r.get('/cckm/aws/keys', async (req, res) => {
    const { q, requestedLimit } = listQuery(req, KEY_SORT);
    res.json(present.page(await keys.list(req.principal!, keyFilter(req), q), present.key, requestedLimit));
  });
  r.get('/cckm/aws/keys/stats', async (req, res) => {
    const name = one(req, 'group_by') ?? '';
    const groupBy = Object.hasOwn(GROUP_BY, name) ? GROUP_BY[name as keyof typeof GROUP_BY] : undefined;
    if (!groupBy) throw ValidationError.field('group_by', 'must be one of: state, region');
    const counts = await keys.stats(req.principal!, keyFilter(req), groupBy);
    res.json({ group_by: name, ...counts });
  });
  r.get('/cckm/aws/keys/:id', async (req, res) => {
    res.json(present.key(await keys.get(req.principal!, req.params.id)));
  });
  r.delete('/cckm/aws/keys/:id', async (req, res) => {
    res.locals.resourceId = req.params.id;
    await keys.forget(req.principal!, req.params.id);
    res.status(204).end();
  });
  r.post('/cckm/aws/keys/:id/refresh', async (req, res) => {
    res.locals.resourceId = req.params.id;
    res.json(present.key(await keys.refresh(req.principal!, req.params.id)));
  });
  return r;
}

export function templateRoutes(templates: TemplateService): Router {
  const r = Router();
  r.get('/cckm/aws/templates', async (req, res) => {
    const { q, requestedLimit } = listQuery(req, COMMON_SORT);
    const filter = {
      ...(one(req, 'name') ? { name: one(req, 'name') } : {}),
      ...(one(req, 'kms') ? { kms: one(req, 'kms') } : {}),
    };
    res.json(present.page(await templates.list(req.principal!, filter, q), present.template, requestedLimit));
  });
  r.post('/cckm/aws/templates', async (req, res) => {
    const v = await templates.create(req.principal!, req.body);
    res.locals.resourceId = v.template.id;
    res.status(201).json(present.template(v));
  });
  r.get('/cckm/aws/templates/:id', async (req, res) => {
    res.json(present.template(await templates.get(req.principal!, req.params.id)));
  });
  r.patch('/cckm/aws/templates/:id', async (req, res) => {
    const v = await templates.update(req.principal!, req.params.id, req.body);
    res.locals.resourceId = v.template.id;
    res.locals.auditDetails = { pushed_keys: v.pushedKeys };
    res.json(present.template(v));
  });
  r.delete('/cckm/aws/templates/:id', async (req, res) => {
    res.locals.resourceId = req.params.id;
    await templates.delete(req.principal!, req.params.id);
    res.status(204).end();
  });
  return r;
}
