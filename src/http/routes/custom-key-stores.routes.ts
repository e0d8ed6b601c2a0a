import { Router, type Request, type Response } from 'express';
import type { AuditService } from '../../cckm/audit/audit.service.js';
import type { XksCredentialRotation } from '../../cckm/custom-key-stores/credential-rotation.js';
import type {
  CredentialRotationJobs,
  EnableCredentialRotationJobInput,
} from '../../cckm/custom-key-stores/credential-rotation-job.js';
import type { CustomKeyStoreService, StoreView } from '../../cckm/custom-key-stores/custom-key-store.service.js';
import type {
  CustomKeyStoreActions,
  HyokKeyInput,
  StoreKeyInput,
} from '../../cckm/custom-key-stores/store-actions.service.js';
import { auditedRead } from '../middleware/audit.js';
import {
  customKeyStore,
  storeCredentials,
  storeHealth,
  storeSyncJob,
  storeSyncJobWithUnits,
  unusedClusters,
} from '../presenters/custom-key-store.presenter.js';
import type { SyncJobInput, SyncJobService } from '../../cckm/sync/sync-job.service.js';
import * as present from '../presenters/presenters.js';
import { COMMON_SORT, listQuery, many } from './query.js';

const BASE = '/cckm/aws/custom-key-stores';
const STORE_SORT = { ...COMMON_SORT, region: 'region', connection_state: 'connectionState', synced_at: 'syncedAt' };

/**
 * Custom key stores: CRUD, actions and keys in stores. Connecting is asynchronous in AWS:
 * `/connect` answers 202 with the record (connection_state CONNECTING) and clients poll
 * `GET {id}` until CONNECTED or FAILED (with connection_error_code).
 */
export function customKeyStoreRoutes(deps: {
  stores: CustomKeyStoreService;
  actions: CustomKeyStoreActions;
  credentials: XksCredentialRotation;
  rotationJobs: CredentialRotationJobs;
  audit: AuditService;
  syncJobs: SyncJobService;
}): Router {
  const { stores, actions, credentials, rotationJobs, audit, syncJobs } = deps;
  const r = Router();
  const id = (req: Request) => String(req.params.id);
  const answer = (res: Response, v: StoreView, status = 200) => {
    res.locals.resourceId = v.store.id;
    res.status(status).json(customKeyStore(v));
  };

  // Literal paths under BASE before the `/:id` routes.
  const SYNC = `${BASE}/synchronization-jobs`;
  r.post(SYNC, async (req, res) => {
    const v = await syncJobs.create(req.principal!, (req.body ?? {}) as SyncJobInput);
    res.locals.resourceId = v.job.id;
    res.locals.auditDetails = { kms: v.units.map((u) => u.label) };
    res.status(201).json(storeSyncJobWithUnits(v));
  });
  r.get(SYNC, async (req, res) => {
    const { q, requestedLimit } = listQuery(req, { createdAt: 'createdAt', updatedAt: 'updatedAt' });
    const filter = { ids: many(req, 'id'), statuses: many(req, 'overall_status'), kms: many(req, 'kms') };
    const page = await syncJobs.list(req.principal!, filter, q);
    res.json({
      skip: page.skip,
      limit: requestedLimit,
      total: page.total,
      resources: page.resources.map(storeSyncJob),
    });
  });
  r.get(`${SYNC}/:id`, async (req, res) =>
    res.json(storeSyncJobWithUnits(await syncJobs.get(req.principal!, id(req)))),
  );
  r.post(`${SYNC}/:id/cancel`, async (req, res) => {
    res.locals.resourceId = id(req);
    res.json(storeSyncJobWithUnits(await syncJobs.cancel(req.principal!, id(req))));
  });
  r.post(`${BASE}/get-unused-cloudhsm-clusters`, async (req, res) => {
    res.json(unusedClusters(await stores.unusedClusters(req.principal!, req.body ?? {})));
  });
  r.post(BASE, async (req, res) => answer(res, await stores.create(req.principal!, req.body), 201));
  r.get(BASE, async (req, res) => {
    const { q, requestedLimit } = listQuery(req, STORE_SORT);
    const filter = {
      names: many(req, 'name'),
      kms: many(req, 'kms'),
      regions: many(req, 'region'),
      types: many(req, 'type'),
      connectionStates: many(req, 'connection_state'),
    };
    const clean = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
    res.json(present.page(await stores.list(req.principal!, clean, q), customKeyStore, requestedLimit));
  });
  r.get(`${BASE}/:id`, async (req, res) => answer(res, await stores.get(req.principal!, id(req))));
  r.patch(`${BASE}/:id`, async (req, res) => answer(res, await stores.update(req.principal!, id(req), req.body)));
  r.delete(`${BASE}/:id`, async (req, res) => {
    res.locals.resourceId = id(req);
    await stores.delete(req.principal!, id(req));
    res.status(204).end();
  });
  r.post(`${BASE}/:id/connect`, async (req, res) =>
    answer(res, await actions.connect(req.principal!, id(req), req.body ?? {}), 202),
  );
  r.post(`${BASE}/:id/disconnect`, async (req, res) => answer(res, await actions.disconnect(req.principal!, id(req))));
  r.post(`${BASE}/:id/link`, async (req, res) => answer(res, await actions.link(req.principal!, id(req))));
  r.post(`${BASE}/:id/block`, async (req, res) => answer(res, await actions.setBlocked(req.principal!, id(req), true)));
  r.post(`${BASE}/:id/unblock`, async (req, res) =>
    answer(res, await actions.setBlocked(req.principal!, id(req), false)),
  );
  r.post(`${BASE}/:id/rotate-credential`, async (req, res) =>
    answer(res, await credentials.rotateCredential(req.principal!, id(req))),
  );
  r.post(`${BASE}/:id/enable-credential-rotation-job`, async (req, res) => {
    const input = (req.body ?? {}) as EnableCredentialRotationJobInput;
    const v = await rotationJobs.enable(req.principal!, id(req), input);
    res.locals.auditDetails = { job_config_id: v.store.jobConfigId };
    answer(res, v);
  });
  r.post(`${BASE}/:id/disable-credential-rotation-job`, async (req, res) =>
    answer(res, await rotationJobs.disable(req.principal!, id(req))),
  );
  // The one answer with a store's secret: audited (a read, so the audit middleware does not) before it is sent.
  r.get(`${BASE}/:id/credentials`, async (req, res) => {
    const shown = await auditedRead(
      audit,
      req,
      { action: 'getCustomKeyStoreCredentials', resourceType: 'custom-key-store', resourceId: id(req) },
      () => credentials.credentials(req.principal!, id(req)),
    );
    res.setHeader('Cache-Control', 'no-store');
    res.json(storeCredentials(shown));
  });
  r.get(`${BASE}/:id/health`, async (req, res) => {
    res.json(storeHealth(await actions.health(req.principal!, id(req))));
  });
  r.post(`${BASE}/:id/create-aws-key`, async (req, res) => {
    const v = await actions.createAwsKey(req.principal!, id(req), (req.body ?? {}) as StoreKeyInput);
    res.locals.resourceId = v.key.id;
    res.status(201).json(present.key(v));
  });
  r.post('/cckm/aws/create-hyok-key', async (req, res) => {
    const v = await actions.createHyokKey(req.principal!, req.body as HyokKeyInput);
    res.locals.resourceId = v.key.id;
    res.status(201).json(present.key(v));
  });
  return r;
}
