/** Shared helpers of the scheduler tests (not a test file). */
import request from 'supertest';
import { bearer, type TestApp } from '../../fixtures/app.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = Record<string, any>;

export const CONFIGS = '/api/v1/scheduler/job-configs';
export const KEYS = '/api/v1/cckm/aws/keys';

/** A client of the API with `token`: get, post, patch, delete. */
export function as(t: TestApp, token: string) {
  const auth = (r: request.Test) => r.set('Authorization', bearer(token));
  return {
    get: (path: string) => auth(request(t.http).get(path)),
    post: (path: string, body?: object) => auth(request(t.http).post(path)).send(body ?? {}),
    patch: (path: string, body: object) => auth(request(t.http).patch(path)).send(body),
    delete: (path: string) => auth(request(t.http).delete(path)),
  };
}

/** A `cckm_key_rotation` config body. */
export const rotation = (name: string, extra: object = {}) => ({
  name,
  operation: 'cckm_key_rotation',
  run_at: '0 9 * * sat',
  cckm_key_rotation_params: { cloud_name: 'aws' },
  ...extra,
});

/** Polls a run until it has finished; returns it. */
export async function waitForRun(t: TestApp, configId: string, runId: string, timeoutMs = 60_000): Promise<Body> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await as(t, t.adminToken).get(`${CONFIGS}/${configId}/runs/${runId}`);
    if (res.status !== 200) throw new Error(`run: ${res.status} ${JSON.stringify(res.body)}`);
    if (res.body.overall_status !== 'in_progress') return res.body;
    if (Date.now() > until) throw new Error(`run ${runId} still in progress: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
