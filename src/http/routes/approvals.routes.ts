import { Router, type Request } from 'express';
import type { ApprovalService } from '../../cckm/approvals/approval.service.js';
import type { ApprovalStatus } from '../../cckm/approvals/approval.repository.js';
import { approval } from '../presenters/approval.presenter.js';
import * as present from '../presenters/presenters.js';
import { listQuery, many, one } from './query.js';

const BASE = '/cckm/approvals';
const SORT = { createdAt: 'createdAt', updatedAt: 'updatedAt', expiresAt: 'expiresAt', id: 'id' };

/**
 * Approvals of destructive key changes: list, get, approve and reject. The N-th approval
 * runs the action and answers with its outcome. Handlers are thin; the service decides.
 */
export function approvalRoutes(approvals: ApprovalService): Router {
  const r = Router();
  const id = (req: Request) => String(req.params.id);
  // The OpenAPI validator has checked the body (comment: bounded text) before the handler runs.
  const comment = (req: Request) => (req.body as { comment?: string } | undefined)?.comment;

  r.get(BASE, async (req, res) => {
    const { q, requestedLimit } = listQuery(req, SORT);
    const statuses = many(req, 'status') as ApprovalStatus[] | undefined;
    const kms = one(req, 'kms');
    const keyId = one(req, 'key_id');
    const filter = {
      ...(statuses ? { statuses } : {}),
      ...(kms !== undefined ? { kms } : {}),
      ...(keyId !== undefined ? { keyId } : {}),
    };
    res.json(present.page(await approvals.list(req.principal!, filter, q), approval, requestedLimit));
  });
  r.get(`${BASE}/:id`, async (req, res) => res.json(approval(await approvals.get(req.principal!, id(req)))));
  r.post(`${BASE}/:id/approve`, async (req, res) => {
    res.locals.resourceId = id(req);
    const a = await approvals.approve(req.principal!, id(req), comment(req), req.id);
    res.locals.auditDetails = { approval_action: a.action, key_id: a.keyId, status: a.status };
    res.json(approval(a));
  });
  r.post(`${BASE}/:id/reject`, async (req, res) => {
    res.locals.resourceId = id(req);
    const a = await approvals.reject(req.principal!, id(req), comment(req));
    res.locals.auditDetails = { approval_action: a.action, key_id: a.keyId, status: a.status };
    res.json(approval(a));
  });
  return r;
}
