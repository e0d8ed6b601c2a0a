import { Router } from 'express';
import { AUDIT_SORT, type AuditFilter, type AuditService } from '../../cckm/audit/audit.service.js';
import * as present from '../presenters/presenters.js';
import { listQuery, one } from './query.js';

/** The audit trail, read-only: there is no way to change or remove an event over the API. */
export function auditRoutes(audit: AuditService): Router {
  const r = Router();
  r.get('/audit/records', async (req, res) => {
    const { q, requestedLimit } = listQuery(req, AUDIT_SORT);
    const filter: AuditFilter = {};
    const actor = one(req, 'actor');
    const action = one(req, 'action');
    const resourceType = one(req, 'resource_type');
    const resourceId = one(req, 'resource_id');
    const result = one(req, 'result');
    const requestId = one(req, 'request_id');
    const from = one(req, 'from');
    const to = one(req, 'to');
    if (actor !== undefined) filter.actor = actor;
    if (action !== undefined) filter.action = action;
    if (resourceType !== undefined) filter.resourceType = resourceType;
    if (resourceId !== undefined) filter.resourceId = resourceId;
    if (result === 'success' || result === 'failure') filter.result = result;
    if (requestId !== undefined) filter.requestId = requestId;
    if (from !== undefined) filter.from = new Date(from);
    if (to !== undefined) filter.to = new Date(to);
    res.json(present.page(await audit.list(req.principal!, filter, q), present.auditRecord, requestedLimit));
  });
  return r;
}
