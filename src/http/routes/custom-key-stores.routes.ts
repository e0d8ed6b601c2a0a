import { Router, type Request, type Response } from 'express';
import type { CustomKeyStoreService, StoreView } from '../../cckm/custom-key-stores/custom-key-store.service.js';
import type {
  CustomKeyStoreActions,
  HyokKeyInput,
  StoreKeyInput,
} from '../../cckm/custom-key-stores/store-actions.service.js';
import { customKeyStore, storeHealth } from '../presenters/custom-key-store.presenter.js';
import * as present from '../presenters/presenters.js';
import { COMMON_SORT, listQuery, many } from './query.js';

const BASE = '/cckm/aws/custom-key-stores';
const STORE_SORT = { ...COMMON_SORT, region: 'region', connection_state: 'connectionState', synced_at: 'syncedAt' };

/**
 * Custom key stores: CRUD, actions and keys in stores. Connecting is asynchronous in AWS:
 * `/connect` answers 202 with the record (connection_state CONNECTING) and clients poll
 * `GET {id}` until CONNECTED or FAILED (with connection_error_code).
 */
export function customKeyStoreRoutes(stores: CustomKeyStoreService, actions: CustomKeyStoreActions): Router {
  const r = Router();
  const id = (req: Request) => String(req.params.id);
  const answer = (res: Response, v: StoreView, status = 200) => {
    res.locals.resourceId = v.store.id;
    res.status(status).json(customKeyStore(v));
  };

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
