import request, { type Response } from 'supertest';
import { bearer, type TestApp } from '../../fixtures/app.js';

/** The `codeDesc` prefix every status of the REST API answers with (src/errors/http-mapping.ts). */
const NCERR: Record<number, string> = {
  400: 'NCERRBadRequest',
  401: 'NCERRUnauthorizedAccess',
  403: 'NCERRForbidden',
  404: 'NCERRResourceNotFound',
  409: 'NCERRConflict',
  413: 'NCERRBadRequest',
};

/**
 * Asserts an error response: the status, a JSON body of exactly the documented shape
 * (`code`, `codeDesc` starting with the status's NCERR name, `message`, `requestID`
 * equal to the `X-Request-ID` header, optional `details`), no stack trace, and — when
 * `field` is given — the field named in the message and in `details`.
 */
export function expectError(res: Response, status: number, field?: string): void {
  const context = `${res.status} ${JSON.stringify(res.body)}`;
  expect({ status: res.status, context }).toEqual({ status, context });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.body as Record<string, unknown>;
  for (const k of Object.keys(body)) expect(['code', 'codeDesc', 'message', 'requestID', 'details']).toContain(k);
  expect(typeof body.code).toBe('number');
  expect(body.codeDesc).toEqual(expect.stringMatching(new RegExp(`^${NCERR[status] ?? 'NCERR[A-Za-z]+'}: `)));
  expect(typeof body.message).toBe('string');
  expect((body.message as string).length).toBeGreaterThan(0);
  expect(body.requestID).toBe(res.headers['x-request-id']);
  expect(res.text).not.toMatch(/\n\s+at |<html|<pre/i);
  if (field !== undefined) {
    expect(body.message).toContain(field);
    expect(body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  }
}

/** A request helper bound to one token. */
export function as(t: TestApp, token: string) {
  const auth = bearer(token);
  return {
    get: (path: string) => request(t.http).get(`/api/v1${path}`).set('Authorization', auth),
    post: (path: string, body?: object) => {
      const r = request(t.http).post(`/api/v1${path}`).set('Authorization', auth);
      return body === undefined ? r : r.send(body);
    },
    patch: (path: string, body: object) =>
      request(t.http).patch(`/api/v1${path}`).set('Authorization', auth).send(body),
    delete: (path: string) => request(t.http).delete(`/api/v1${path}`).set('Authorization', auth),
  };
}

export const CONNECTIONS = '/connectionmgmt/services/aws/connections';

/** Fails with the response body in the message, so an unexpected status is easy to read. */
export function expectStatus(res: Response, status: number): void {
  const req = (res as unknown as { req?: { method?: string; path?: string } }).req;
  const context = `${req?.method} ${req?.path} → ${res.status} ${JSON.stringify(res.body)}`;
  expect({ status: res.status, context }).toEqual({ status, context });
}
