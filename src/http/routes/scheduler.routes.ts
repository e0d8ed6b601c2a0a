import { Router, type Request } from 'express';
import type { JobConfigInput } from '../../cckm/scheduler/job-config-input.js';
import type { SchedulerServices } from '../../cckm/scheduler/create-scheduler-services.js';
import type { EnableRotationJobInput } from '../../cckm/scheduler/rotation-job.service.js';
import { jobConfig, jobConfigRun } from '../presenters/job-config.presenter.js';
import * as present from '../presenters/presenters.js';
import { flag, listQuery, many } from './query.js';

const CONFIGS = '/scheduler/job-configs';
const CONFIG_SORT = { createdAt: 'createdAt', updatedAt: 'updatedAt', name: 'name', next_run_at: 'nextRunAt' };
const RUN_SORT = { createdAt: 'createdAt' };

const id = (req: Request) => String(req.params.id);
const body = <T>(req: Request): T => (req.body ?? {}) as T;

/** Scheduler job configs, their runs, and attaching keys to a rotation job. Handlers are thin. */
export function schedulerRoutes(s: SchedulerServices): Router {
  const r = Router();
  r.post(CONFIGS, async (req, res) => {
    const c = await s.jobConfigs.create(req.principal!, body<JobConfigInput>(req));
    res.locals.resourceId = c.id;
    res.locals.auditDetails = { name: c.name, operation: c.operation, run_at: c.runAt, time_zone: c.timeZone };
    res.status(201).json(jobConfig(c));
  });
  r.get(CONFIGS, async (req, res) => {
    const { q, requestedLimit } = listQuery(req, CONFIG_SORT);
    const filter = {
      ids: many(req, 'id'),
      names: many(req, 'name'),
      operations: many(req, 'operation'),
      disabled: flag(req, 'disabled'),
    };
    const clean = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
    res.json(present.page(await s.jobConfigs.list(req.principal!, clean, q), jobConfig, requestedLimit));
  });
  r.get(`${CONFIGS}/:id`, async (req, res) => {
    res.json(jobConfig(await s.jobConfigs.get(req.principal!, id(req))));
  });
  r.patch(`${CONFIGS}/:id`, async (req, res) => {
    res.locals.resourceId = id(req);
    const c = await s.jobConfigs.update(req.principal!, id(req), body<JobConfigInput>(req));
    res.locals.auditDetails = { fields: Object.keys(body<object>(req)).slice(0, 20) };
    res.json(jobConfig(c));
  });
  r.delete(`${CONFIGS}/:id`, async (req, res) => {
    res.locals.resourceId = id(req);
    await s.jobConfigs.delete(req.principal!, id(req));
    res.status(204).end();
  });
  r.get(`${CONFIGS}/:id/runs`, async (req, res) => {
    const { q, requestedLimit } = listQuery(req, RUN_SORT);
    res.json(present.page(await s.jobConfigs.runs(req.principal!, id(req), q), jobConfigRun, requestedLimit));
  });
  r.get(`${CONFIGS}/:id/runs/:runId`, async (req, res) => {
    res.json(jobConfigRun(await s.jobConfigs.run(req.principal!, id(req), String(req.params.runId))));
  });
  r.post(`${CONFIGS}/:id/run-now`, async (req, res) => {
    res.locals.resourceId = id(req);
    const run = await s.jobConfigs.runNow(req.principal!, id(req));
    res.locals.auditDetails = { run_id: run.job.id };
    res.status(201).json(jobConfigRun(run));
  });

  r.post('/cckm/aws/keys/:id/enable-rotation-job', async (req, res) => {
    res.locals.resourceId = id(req);
    const input = body<EnableRotationJobInput>(req);
    res.locals.auditDetails = { job_config_id: input.job_config_id };
    res.json(present.key(await s.rotationJobs.enable(req.principal!, id(req), input)));
  });
  r.post('/cckm/aws/keys/:id/disable-rotation-job', async (req, res) => {
    res.locals.resourceId = id(req);
    res.json(present.key(await s.rotationJobs.disable(req.principal!, id(req))));
  });
  return r;
}
