import type { JobRepository } from '../jobs/job.repository.js';
import { derivedEventId, type EventSink } from './webhook-events.js';
import type { WebhookRepository } from './webhook.repository.js';

/**
 * The job queue's repository, publishing job.completed / job.failed when a unit's outcome
 * completes its job. Two units finishing at once may both see the job final; the event id is
 * derived from the job and its status, so a webhook still gets it once. Cancelled jobs
 * publish nothing.
 */
export function withJobEvents(
  jobs: JobRepository,
  outcomes: Pick<WebhookRepository, 'jobOutcome'>,
  events: EventSink,
  log: { warn(obj: object, msg: string): void },
): JobRepository {
  const finish: JobRepository['finish'] = async (unit, owner, outcome) => {
    const stored = await jobs.finish(unit, owner, outcome);
    if (stored) {
      void outcomes
        .jobOutcome(unit.jobId)
        .then((j) => {
          if (!j || (j.status !== 'completed' && j.status !== 'failed')) return;
          const type = j.status === 'completed' ? 'job.completed' : 'job.failed';
          events.publish(
            j.account,
            type,
            { job: { id: unit.jobId, kind: j.kind, status: j.status, job_config_id: j.jobConfigId } },
            derivedEventId(`${type}:${unit.jobId}`),
          );
        })
        .catch((err: unknown) => log.warn({ err, jobId: unit.jobId }, 'job event not published'));
    }
    return stored;
  };
  return new Proxy(jobs, {
    get: (target, prop, receiver) => (prop === 'finish' ? finish : (Reflect.get(target, prop, receiver) as unknown)),
  });
}
