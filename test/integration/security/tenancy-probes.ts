import type { Response } from 'supertest';
import { expectStatus } from '../api/helpers.js';
import type { Tenant } from './tenancy-routes.js';

/** The probes of the tenancy walk: what a request of one account names of another's, and what it must get. */

export const REGION = 'us-east-1';

/** What a probe sends and what it must answer. */
export interface Probe {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  body?: object;
  status: number;
  /** For 400: the field the message names. */
  field?: string;
  /** Further checks on the response. */
  check?: (res: Response) => void | Promise<void>;
}
export type Expectation = { exempt: string } | ((me: Tenant, them: Tenant) => Probe[]);

export const not404 = (ids: string[]) => (res: Response) => {
  expectStatus(res, 200);
  const listed = JSON.stringify(res.body.resources);
  for (const id of ids) expect(listed).not.toContain(id);
};
export const get404 = (path: string): Probe => ({ method: 'get', path, status: 404 });
export const post404 = (path: string, body: object = {}): Probe => ({ method: 'post', path, body, status: 404 });
export const keyAction =
  (action: string, body: object = {}): Expectation =>
  (_me, them) => [post404(`/cckm/aws/keys/${them.key.id}/${action}`, body)];
export const storeAction =
  (action: string, body: object = {}): Expectation =>
  (_me, them) => [post404(`/cckm/aws/custom-key-stores/${them.store.id}/${action}`, body)];
export const XKS = 'SigV4 with the store’s proxy credential, not a JWT: see the XKS proxy test below';
