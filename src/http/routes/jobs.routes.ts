import { Router, type Request } from 'express';
import type { BulkJobInput, BulkJobService } from '../../cckm/bulk/bulk-job.service.js';
import type { SyncJobInput, SyncJobService } from '../../cckm/sync/sync-job.service.js';
import { bulkJob, bulkJobWithResults, syncJob, syncJobWithUnits } from '../presenters/job.presenter.js';
import { listQuery, many } from './query.js';

const JOB_SORT = { createdAt: 'createdAt', updatedAt: 'updatedAt' };
const SYNC = '/cckm/aws/synchronization-jobs';
const BULK = '/cckm/aws/bulkjob';

const id = (req: Request) => String(req.params.id);

/** Synchronization jobs and bulk jobs: create (202-style: the job runs in the background), list, get, cancel. */
export function jobRoutes(sync: SyncJobService, bulk: BulkJobService): Router {
  const r = Router();
  r.post(SYNC, async (req, res) => {
    const v = await sync.create(req.principal!, (req.body ?? {}) as SyncJobInput);
    res.locals.resourceId = v.job.id;
    res.locals.auditDetails = { kms: v.units.map((u) => u.label) };
    res.status(201).json(syncJobWithUnits(v));
  });
  r.get(SYNC, async (req, res) => {
    const { q, requestedLimit } = listQuery(req, JOB_SORT);
    const filter = { ids: many(req, 'id'), statuses: many(req, 'overall_status'), kms: many(req, 'kms') };
    const page = await sync.list(req.principal!, filter, q);
    res.json({ skip: page.skip, limit: requestedLimit, total: page.total, resources: page.resources.map(syncJob) });
  });
  r.get(`${SYNC}/:id`, async (req, res) => {
    res.json(syncJobWithUnits(await sync.get(req.principal!, id(req))));
  });
  r.post(`${SYNC}/:id/cancel`, async (req, res) => {
    res.locals.resourceId = id(req);
    res.json(syncJobWithUnits(await sync.cancel(req.principal!, id(req))));
  });

  r.post(BULK, async (req, res) => {
    const v = await bulk.create(req.principal!, (req.body ?? {}) as BulkJobInput);
    res.locals.resourceId = v.job.id;
    res.locals.auditDetails = {
      operation: (req.body as BulkJobInput).operation,
      keys: (req.body as BulkJobInput).keys.length,
    };
    res.status(201).json(bulkJobWithResults(v));
  });
  r.get(BULK, async (req, res) => {
    const { q, requestedLimit } = listQuery(req, JOB_SORT);
    const page = await bulk.list(req.principal!, { ids: many(req, 'id'), statuses: many(req, 'overall_status') }, q);
    res.json({
      skip: page.skip,
      limit: requestedLimit,
      total: page.total,
      resources: page.resources.map((v) => bulkJob(v)),
    });
  });
  r.get(`${BULK}/:id`, async (req, res) => {
    res.json(bulkJobWithResults(await bulk.get(req.principal!, id(req))));
  });
  r.post(`${BULK}/:id/cancel`, async (req, res) => {
    res.locals.resourceId = id(req);
    res.json(bulkJobWithResults(await bulk.cancel(req.principal!, id(req))));
  });
  return r;
}
