/** A webhook receiver for the notification tests (not a test file): node:http on loopback. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = Record<string, any>;

/** One request the receiver got. */
export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: Body;
}

/**
 * Verifies `X-Opencckm-Signature: t=<unix seconds>,v1=<hex>` the way the README tells
 * receivers to: HMAC-SHA256 over `t + "." + raw body` with the secret, compared in constant
 * time, and the timestamp within `toleranceS` of now.
 */
export function verifySignature(secret: string, header: string | undefined, raw: string, toleranceS = 300): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  if (Math.abs(Date.now() / 1000 - Number(m[1])) > toleranceS) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${raw}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}

/** Answers 200 unless `answer` says otherwise for a request (status and body). */
export class Receiver {
  readonly received: Received[] = [];
  answer: (r: Received, seen: number) => { status: number; body?: string } = () => ({ status: 200, body: 'ok' });
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Body = {};
      try {
        body = JSON.parse(raw) as Body;
      } catch {
        body = {};
      }
      const r: Received = { path: req.url ?? '', headers: req.headers, raw, body };
      this.received.push(r);
      const seen = this.received.filter((x) => x.body.id === body.id && x.path === r.path).length;
      const a = this.answer(r, seen);
      res.writeHead(a.status, { 'content-type': 'text/plain' });
      res.end(a.body ?? '');
    });
  });

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Requests to `path` (prefix) of event `type` so far. */
  at(path: string, type?: string): Received[] {
    return this.received.filter((r) => r.path.startsWith(path) && (!type || r.body.type === type));
  }

  /** Waits until `pred` holds for the requests received (polling), or fails naming what was received. */
  async until(pred: (all: Received[]) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred(this.received)) {
      if (Date.now() > end)
        throw new Error(
          `${what}: not received; got ${this.received.map((r) => `${r.path} ${r.body.type}`).join(', ')}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
