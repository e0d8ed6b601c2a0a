import { Router } from 'express';
import type { ConnectionService } from '../../cckm/connections/connection.service.js';
import type { KmsAclService } from '../../cckm/kms/kms-acl.service.js';
import type { KmsService } from '../../cckm/kms/kms.service.js';
import * as present from '../presenters/presenters.js';
import { COMMON_SORT, listQuery, one } from './query.js';

const BASE = '/connectionmgmt/services/aws';

export function connectionRoutes(connections: ConnectionService): Router {
  const r = Router();
  r.get(`${BASE}/connections`, async (req, res) => {
    const { q, requestedLimit } = listQuery(req, COMMON_SORT);
    const filter = {
      ...(one(req, 'name') ? { name: one(req, 'name') } : {}),
      ...(one(req, 'provider') ? { provider: one(req, 'provider') } : {}),
      ...(one(req, 'cloud_name') ? { cloudName: one(req, 'cloud_name') } : {}),
    };
    res.json(
      present.page(
        await connections.list(req.principal!, filter, q),
        (c) => present.connection(c, req.principal!),
        requestedLimit,
      ),
    );
  });
  r.post(`${BASE}/connections`, async (req, res) => {
    const c = await connections.create(req.principal!, req.body);
    res.locals.resourceId = c.id;
    res.status(201).json(present.connection(c, req.principal!));
  });
  r.get(`${BASE}/connections/:id`, async (req, res) => {
    res.json(present.connection(await connections.get(req.principal!, req.params.id), req.principal!));
  });
  r.patch(`${BASE}/connections/:id`, async (req, res) => {
    const c = await connections.update(req.principal!, req.params.id, req.body);
    res.locals.resourceId = c.id;
    res.json(present.connection(c, req.principal!));
  });
  r.delete(`${BASE}/connections/:id`, async (req, res) => {
    res.locals.resourceId = req.params.id;
    await connections.delete(req.principal!, req.params.id);
    res.status(204).end();
  });
  r.post(`${BASE}/connections/:id/test`, async (req, res) => {
    res.locals.resourceId = req.params.id;
    res.json(await connections.test(req.principal!, req.params.id));
  });
  r.get(`${BASE}/external-id`, (req, res) => {
    res.json({ external_id: connections.externalId(req.principal!) });
  });
  r.post(`${BASE}/connection-test`, async (req, res) => {
    res.json(await connections.testParameters(req.principal!, req.body));
  });
  return r;
}

export function kmsRoutes(kms: KmsService, aclUpdates: KmsAclService): Router {
  const r = Router();
  r.get('/cckm/aws/kms', async (req, res) => {
    const { q, requestedLimit } = listQuery(req, COMMON_SORT);
    const filter = {
      ...(one(req, 'name') ? { name: one(req, 'name') } : {}),
      ...(one(req, 'account_id') ? { awsAccountId: one(req, 'account_id') } : {}),
    };
    res.json(
      present.page(await kms.list(req.principal!, filter, q), (v) => present.kms(v, req.principal!), requestedLimit),
    );
  });
  r.post('/cckm/aws/kms', async (req, res) => {
    const v = await kms.create(req.principal!, req.body);
    res.locals.resourceId = v.kms.id;
    res.status(201).json(present.kms(v, req.principal!));
  });
  r.get('/cckm/aws/kms/:id', async (req, res) => {
    res.json(present.kms(await kms.get(req.principal!, req.params.id), req.principal!));
  });
  r.patch('/cckm/aws/kms/:id', async (req, res) => {
    const v = await kms.update(req.principal!, req.params.id, req.body);
    res.locals.resourceId = v.kms.id;
    res.json(present.kms(v, req.principal!));
  });
  r.post('/cckm/aws/kms/:id/update-acls', async (req, res) => {
    const v = await aclUpdates.updateAcls(req.principal!, req.params.id, req.body ?? {});
    res.locals.resourceId = v.kms.id;
    res.json(present.kms(v, req.principal!));
  });
  r.delete('/cckm/aws/kms/:id', async (req, res) => {
    res.locals.resourceId = req.params.id;
    await kms.delete(req.principal!, req.params.id);
    res.status(204).end();
  });
  return r;
}
