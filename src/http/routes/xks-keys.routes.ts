import { Router, type Request } from 'express';
import type { XksKeyInput, XksKeyService } from '../../cckm/xks/xks-key.service.js';
import { xksKey } from '../presenters/custom-key-store.presenter.js';
import * as present from '../presenters/presenters.js';
import { COMMON_SORT, flag, listQuery, one } from './query.js';

const BASE = '/cckm/aws/xks-keys';

/**
 * The keys opencckm's own XKS proxy holds (the external keys of the stores it hosts):
 * created with their allowed usages, enabled and disabled, deleted. Within the caller's
 * account; the material never leaves the server.
 */
export function xksKeyRoutes(keys: XksKeyService): Router {
  const r = Router();
  const id = (req: Request) => String(req.params.id);

  r.post(BASE, async (req, res) => {
    const k = await keys.create(req.principal!, (req.body ?? {}) as XksKeyInput);
    res.locals.resourceId = k.id;
    res.status(201).json(xksKey(k));
  });
  r.get(BASE, async (req, res) => {
    const { q, requestedLimit } = listQuery(req, COMMON_SORT);
    const name = one(req, 'name');
    const enabled = flag(req, 'enabled');
    const filter = { ...(name !== undefined ? { name } : {}), ...(enabled !== undefined ? { enabled } : {}) };
    res.json(present.page(await keys.list(req.principal!, filter, q), xksKey, requestedLimit));
  });
  r.get(`${BASE}/:id`, async (req, res) => res.json(xksKey(await keys.get(req.principal!, id(req)))));
  r.post(`${BASE}/:id/enable`, async (req, res) => {
    const k = await keys.setEnabled(req.principal!, id(req), true);
    res.locals.resourceId = k.id;
    res.json(xksKey(k));
  });
  r.post(`${BASE}/:id/disable`, async (req, res) => {
    const k = await keys.setEnabled(req.principal!, id(req), false);
    res.locals.resourceId = k.id;
    res.json(xksKey(k));
  });
  r.delete(`${BASE}/:id`, async (req, res) => {
    res.locals.resourceId = id(req);
    await keys.delete(req.principal!, id(req));
    res.status(204).end();
  });
  return r;
}
