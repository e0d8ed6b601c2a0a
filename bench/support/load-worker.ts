import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { load } from './load.js';

/**
 * The load generator, in its own thread (its own event loop and core), so the server
 * under test does not share its event loop with the client. Plain node:http with a
 * keep-alive agent: the lightest client node has.
 */
export interface LoadJob {
  base: string;
  token: string;
  total: number;
  concurrency: number;
  /**
   * 'create': POST a key; 'list': GET a page of 100 at a random skip (a multiple of 100 below pages * 100) with `query`;
   * 'get': GET one record, `ids[i % ids.length]`.
   */
  kind: 'create' | 'list' | 'get';
  pages?: number;
  ids?: string[];
  query?: string;
  regions?: string[];
}

const job = workerData as LoadJob;
const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
const url = new URL(job.base);

function call(method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        agent,
        headers: {
          authorization: `Bearer ${job.token}`,
          ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const regions = job.regions ?? ['us-east-1', 'eu-west-1'];
const fn = async (i: number) => {
  if (job.kind === 'create') {
    const body = JSON.stringify({
      kms: 'kms',
      region: regions[i % regions.length],
      aws_param: { Description: `bench ${i}` },
    });
    const status = await call('POST', `${url.pathname}/cckm/aws/keys`, body);
    if (status !== 201) throw new Error(`create answered ${status}`);
  } else if (job.kind === 'get') {
    const ids = job.ids ?? [];
    const status = await call('GET', `${url.pathname}/cckm/aws/keys/${ids[i % ids.length]}`);
    if (status !== 200) throw new Error(`get answered ${status}`);
  } else {
    const status = await call(
      'GET',
      `${url.pathname}/cckm/aws/keys?limit=100&skip=${Math.floor(Math.random() * (job.pages ?? 1)) * 100}${job.query ?? ''}`,
    );
    if (status !== 200) throw new Error(`list answered ${status}`);
  }
};

parentPort!.postMessage(await load(job.total, job.concurrency, fn));
agent.destroy();
