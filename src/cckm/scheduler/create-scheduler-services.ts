import type { AuditService } from '../audit/audit.service.js';
import type { JobKind } from '../jobs/job.repository.js';
import type { JobLogger, UnitRunner } from '../jobs/job-workers.js';
import type { KeyActionService } from '../keys/key-actions.service.js';
import type { KeyRepository } from '../keys/key.repository.js';
import type { KmsService } from '../kms/kms.service.js';
import type { JobConfigRepository } from './job-config.repository.js';
import { JobConfigService } from './job-config.service.js';
import { RotationJobService } from './rotation-job.service.js';
import { RotationRunner } from './rotation-runner.js';
import { RunPlanner } from './run-planner.js';
import { ScheduleTicker } from './schedule-ticker.js';

export interface SchedulerServices {
  jobConfigs: JobConfigService;
  rotationJobs: RotationJobService;
}

/** Wires the scheduler: job configs, rotation job attachment, the tick firing, and the runners of its runs. */
export function createSchedulerServices(
  repos: { jobConfigs: JobConfigRepository; keys: KeyRepository },
  deps: { kms: KmsService; keyActions: KeyActionService; audit?: AuditService },
  options: {
    checkMs: number;
    /** The runner of XKS credential rotation runs (unit params: XksRotationRunParams), from the custom key store module. */
    xksCredentialRotation: UnitRunner;
  },
  log: JobLogger,
  /** Wakes this instance's job workers once a run is queued. */
  wake: () => void,
): { services: SchedulerServices; runners: Partial<Record<JobKind, UnitRunner>>; ticker: ScheduleTicker } {
  const planner = new RunPlanner(repos.jobConfigs, deps.kms);
  const jobConfigs = new JobConfigService(repos.jobConfigs, deps.kms, planner, wake);
  return {
    services: {
      jobConfigs,
      rotationJobs: new RotationJobService(repos.keys, deps.keyActions, jobConfigs, deps.kms),
    },
    runners: {
      rotation: new RotationRunner(repos.keys, deps.keyActions),
      xks_credential_rotation: options.xksCredentialRotation,
    },
    ticker: new ScheduleTicker(repos.jobConfigs, planner, { checkMs: options.checkMs }, log, deps.audit, wake),
  };
}
