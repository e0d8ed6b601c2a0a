import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpWebhookSend, type WebhookRequest } from '../../../../src/cckm/notifications/webhook-sender.js';

describe('httpWebhookSend', () => {
  const seen: { host?: string; path?: string; headers: http.IncomingHttpHeaders }[] = [];
  let port = 0;
  const server = http.createServer((req, res) => {
    seen.push({ host: req.headers.host, path: req.url, headers: req.headers });
    req.resume();
    if (req.url === '/redirect') {
      res.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` });
      res.end();
    } else if (req.url === '/slow') {
      setTimeout(() => res.end('late'), 2000).unref();
    } else res.end('fine');
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  /** A request to `hooks.example.invalid`, a name that resolves nowhere: only the checked address is dialled. */
  const req = (path: string): WebhookRequest => ({
    target: { url: new URL(`http://hooks.example.invalid:${port}${path}`), address: '127.0.0.1', family: 4 },
    body: '{"id":"e1"}',
    secret: 'whsec_unit',
    eventId: 'e1',
    eventType: 'key.created',
    deliveryId: 'd1',
    attempt: 2,
  });

  it('connects to the address that was checked, whatever the name resolves to, with the event headers', async () => {
    const send = httpWebhookSend(1000);
    expect(await send(req('/in'))).toEqual({ status: 200, excerpt: 'fine' });
    const last = seen.at(-1)!;
    expect(last.host).toBe(`hooks.example.invalid:${port}`);
    expect(last.headers).toMatchObject({
      'x-opencckm-event': 'key.created',
      'x-opencckm-event-id': 'e1',
      'x-opencckm-delivery': 'd1',
      'x-opencckm-attempt': '2',
      'x-opencckm-signature': expect.stringMatching(/^t=\d+,v1=[0-9a-f]{64}$/),
      'content-type': 'application/json',
    });
  });

  it('does not follow redirects', async () => {
    const before = seen.length;
    expect(await httpWebhookSend(1000)(req('/redirect'))).toMatchObject({ status: 302 });
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.slice(before).map((s) => s.path)).toEqual(['/redirect']);
  });

  it('gives up after the time budget', async () => {
    const started = Date.now();
    expect(await httpWebhookSend(300)(req('/slow'))).toEqual({ error: 'no answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('reports a refused connection as an error', async () => {
    const r = { ...req('/in'), target: { ...req('/in').target, url: new URL('http://hooks.example.invalid:1/') } };
    expect(await httpWebhookSend(1000)(r)).toEqual({ error: 'request failed: ECONNREFUSED' });
  });
});
