import { get404, keyAction, not404, post404, REGION, storeAction, XKS, type Expectation } from './tenancy-probes.js';

/** The tenancy walk's probes of custom key stores, XKS keys and the scheduler (the ROUTES table's second half). */
export const STORE_AND_SCHEDULER_ROUTES: Record<string, Expectation> = {
  'GET /cckm/aws/custom-key-stores': (_me, them) => [
    { method: 'get', path: '/cckm/aws/custom-key-stores?limit=-1', status: 200, check: not404([them.store.id]) },
  ],
  'POST /cckm/aws/custom-key-stores': (_me, them) => [
    {
      method: 'post',
      path: '/cckm/aws/custom-key-stores',
      body: {
        name: 'steal',
        kms: them.kms.id,
        region: REGION,
        aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
        local_hosted_params: {},
      },
      status: 400,
      field: 'kms',
    },
  ],
  'GET /cckm/aws/custom-key-stores/{id}': (_me, them) => [get404(`/cckm/aws/custom-key-stores/${them.store.id}`)],
  'PATCH /cckm/aws/custom-key-stores/{id}': (_me, them) => [
    { method: 'patch', path: `/cckm/aws/custom-key-stores/${them.store.id}`, body: { name: 'stolen' }, status: 404 },
  ],
  'DELETE /cckm/aws/custom-key-stores/{id}': (_me, them) => [
    { method: 'delete', path: `/cckm/aws/custom-key-stores/${them.store.id}`, status: 404 },
  ],
  'POST /cckm/aws/custom-key-stores/{id}/connect': storeAction('connect'),
  'POST /cckm/aws/custom-key-stores/{id}/disconnect': storeAction('disconnect'),
  'POST /cckm/aws/custom-key-stores/{id}/link': storeAction('link'),
  'POST /cckm/aws/custom-key-stores/{id}/block': storeAction('block'),
  'POST /cckm/aws/custom-key-stores/{id}/unblock': storeAction('unblock'),
  'GET /cckm/aws/custom-key-stores/{id}/health': (_me, them) => [
    get404(`/cckm/aws/custom-key-stores/${them.store.id}/health`),
  ],
  'POST /cckm/aws/custom-key-stores/{id}/create-aws-key': storeAction('create-aws-key'),
  'POST /cckm/aws/custom-key-stores/{id}/rotate-credential': storeAction('rotate-credential'),
  'POST /cckm/aws/custom-key-stores/{id}/enable-credential-rotation-job': (me, them) => [
    post404(`/cckm/aws/custom-key-stores/${them.store.id}/enable-credential-rotation-job`, {
      job_config_id: me.jobConfig.id,
    }),
    {
      // The caller's store cannot join the other account's job config.
      method: 'post',
      path: `/cckm/aws/custom-key-stores/${me.store.id}/enable-credential-rotation-job`,
      body: { job_config_id: them.jobConfig.id },
      status: 400,
      field: 'job_config_id',
    },
  ],
  'POST /cckm/aws/custom-key-stores/{id}/disable-credential-rotation-job': storeAction(
    'disable-credential-rotation-job',
  ),
  'GET /cckm/aws/custom-key-stores/synchronization-jobs': (_me, them) => [
    {
      method: 'get',
      path: '/cckm/aws/custom-key-stores/synchronization-jobs?limit=-1',
      status: 200,
      check: not404([them.storeSyncJob.id]),
    },
  ],
  'POST /cckm/aws/custom-key-stores/synchronization-jobs': (_me, them) => [
    {
      method: 'post',
      path: '/cckm/aws/custom-key-stores/synchronization-jobs',
      body: { kms: [them.kms.id] },
      status: 400,
      field: 'kms[0]',
    },
  ],
  'GET /cckm/aws/custom-key-stores/synchronization-jobs/{id}': (_me, them) => [
    get404(`/cckm/aws/custom-key-stores/synchronization-jobs/${them.storeSyncJob.id}`),
  ],
  'POST /cckm/aws/custom-key-stores/synchronization-jobs/{id}/cancel': (_me, them) => [
    post404(`/cckm/aws/custom-key-stores/synchronization-jobs/${them.storeSyncJob.id}/cancel`),
  ],
  'POST /cckm/aws/custom-key-stores/get-unused-cloudhsm-clusters': (_me, them) => [
    {
      method: 'post',
      path: '/cckm/aws/custom-key-stores/get-unused-cloudhsm-clusters',
      body: { kms: them.kms.id, region: REGION },
      status: 400,
      field: 'kms',
    },
  ],
  'GET /cckm/aws/custom-key-stores/{id}/credentials': (_me, them) => [
    get404(`/cckm/aws/custom-key-stores/${them.store.id}/credentials`),
  ],
  'POST /cckm/aws/xks-keys': (me, them) => [
    // Names are per account: the other account's name is free here and the key is this account's.
    {
      method: 'post',
      path: '/cckm/aws/xks-keys',
      body: { name: them.xksKey.name },
      status: 201,
      check: (r) => expect(r.body.id).not.toBe(them.xksKey.id),
    },
  ],
  'GET /cckm/aws/xks-keys': (_me, them) => [
    { method: 'get', path: '/cckm/aws/xks-keys?limit=-1', status: 200, check: not404([them.xksKey.id]) },
  ],
  'GET /cckm/aws/xks-keys/{id}': (_me, them) => [get404(`/cckm/aws/xks-keys/${them.xksKey.id}`)],
  'DELETE /cckm/aws/xks-keys/{id}': (_me, them) => [
    { method: 'delete', path: `/cckm/aws/xks-keys/${them.xksKey.id}`, status: 404 },
  ],
  'POST /cckm/aws/xks-keys/{id}/enable': (_me, them) => [post404(`/cckm/aws/xks-keys/${them.xksKey.id}/enable`)],
  'POST /cckm/aws/xks-keys/{id}/disable': (_me, them) => [post404(`/cckm/aws/xks-keys/${them.xksKey.id}/disable`)],
  'POST /cckm/aws/create-hyok-key': (_me, them) => [
    {
      method: 'post',
      path: '/cckm/aws/create-hyok-key',
      body: { local_hosted_params: { custom_key_store_id: them.store.id, source_key_id: 'k' } },
      status: 400,
      field: 'local_hosted_params.custom_key_store_id',
    },
  ],
  'GET /scheduler/job-configs': (_me, them) => [
    { method: 'get', path: '/scheduler/job-configs?limit=-1', status: 200, check: not404([them.jobConfig.id]) },
  ],
  'POST /scheduler/job-configs': (me, them) => [
    {
      // Names are per account: the other account's name is free here, and the record is the caller's.
      method: 'post',
      path: '/scheduler/job-configs',
      body: {
        name: them.jobConfig.name,
        operation: 'cckm_key_rotation',
        run_at: '0 4 * * *',
        cckm_key_rotation_params: { cloud_name: 'aws' },
      },
      status: 201,
      check: (r) => expect(r.body.account).toMatch(new RegExp(`:accounts:${me.name}$`)),
    },
  ],
  'GET /scheduler/job-configs/{id}': (_me, them) => [get404(`/scheduler/job-configs/${them.jobConfig.id}`)],
  'PATCH /scheduler/job-configs/{id}': (_me, them) => [
    { method: 'patch', path: `/scheduler/job-configs/${them.jobConfig.id}`, body: { disabled: true }, status: 404 },
  ],
  'DELETE /scheduler/job-configs/{id}': (_me, them) => [
    { method: 'delete', path: `/scheduler/job-configs/${them.jobConfig.id}`, status: 404 },
  ],
  'GET /scheduler/job-configs/{id}/runs': (_me, them) => [get404(`/scheduler/job-configs/${them.jobConfig.id}/runs`)],
  'GET /scheduler/job-configs/{id}/runs/{runId}': (me, them) => [
    get404(`/scheduler/job-configs/${them.jobConfig.id}/runs/${them.jobRun.id}`),
    // Their run under the caller's own config is not found either.
    get404(`/scheduler/job-configs/${me.jobConfig.id}/runs/${them.jobRun.id}`),
  ],
  'POST /scheduler/job-configs/{id}/run-now': (_me, them) => [
    post404(`/scheduler/job-configs/${them.jobConfig.id}/run-now`),
  ],
  'POST /cckm/aws/keys/{id}/enable-rotation-job': (me, them) => [
    post404(`/cckm/aws/keys/${them.key.id}/enable-rotation-job`, { job_config_id: me.jobConfig.id }),
    {
      // The caller's key cannot join the other account's job config.
      method: 'post',
      path: `/cckm/aws/keys/${me.key.id}/enable-rotation-job`,
      body: { job_config_id: them.jobConfig.id },
      status: 400,
      field: 'job_config_id',
    },
  ],
  'POST /cckm/aws/keys/{id}/disable-rotation-job': keyAction('disable-rotation-job'),
  'POST /cckm/aws/xks-proxy-endpoints/{storeId}/kms/xks/v1/health': { exempt: XKS },
  'POST /cckm/aws/xks-proxy-endpoints/{storeId}/kms/xks/v1/keys/{keyId}/metadata': { exempt: XKS },
  'POST /cckm/aws/xks-proxy-endpoints/{storeId}/kms/xks/v1/keys/{keyId}/encrypt': { exempt: XKS },
  'POST /cckm/aws/xks-proxy-endpoints/{storeId}/kms/xks/v1/keys/{keyId}/decrypt': { exempt: XKS },
};
