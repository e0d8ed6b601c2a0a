import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { RESPONSE_EXCERPT_CHARS } from './webhook.repository.js';
import type { ResolvedTarget } from './webhook-target.js';

/** Bytes of a receiver's answer read at most (the excerpt keeps fewer characters). */
const MAX_READ_BYTES = 4096;

/** The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`. */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** One POST of a delivery. */
export interface WebhookRequest {
  target: ResolvedTarget;
  body: string;
  secret: string;
  eventId: string;
  eventType: string;
  deliveryId: string;
  attempt: number;
}

/** What the receiver answered (`status`), or why nothing was answered (`error`). */
interface WebhookResponse {
  status?: number;
  excerpt?: string;
  error?: string;
}

/** Sends a delivery; a seam so the worker can be tested with a receiver of its own. */
export type WebhookSend = (req: WebhookRequest) => Promise<WebhookResponse>;

/** Text safe to store and show: control characters replaced, bounded. */
export function excerptOf(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?').slice(0, RESPONSE_EXCERPT_CHARS);
}

/**
 * POSTs the body to the checked address only (the lookup answers it, whatever DNS says now),
 * with the signature and event headers, no keep-alive, no redirect followed (a 3xx is a
 * failure) and one time budget for connecting, sending and reading the answer's first bytes.
 */
export function httpWebhookSend(timeoutMs: number): WebhookSend {
  return (r) =>
    new Promise<WebhookResponse>((resolve) => {
      const { url, address, family } = r.target;
      const timestamp = Math.floor(Date.now() / 1000);
      const pinned: LookupFunction = (_host, options, cb) => {
        if ((options as { all?: boolean }).all)
          (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
        else cb(null, address, family);
      };
      const settle = (v: WebhookResponse) => {
        clearTimeout(timer);
        resolve(v);
      };
      const req = (url.protocol === 'https:' ? https : http).request(url, {
        method: 'POST',
        agent: false,
        lookup: pinned,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'opencckm-webhooks/1',
          'x-opencckm-event': r.eventType,
          'x-opencckm-event-id': r.eventId,
          'x-opencckm-delivery': r.deliveryId,
          'x-opencckm-attempt': String(r.attempt),
          'x-opencckm-signature': signatureHeader(r.secret, timestamp, r.body),
          'content-length': Buffer.byteLength(r.body),
        },
      });
      const timer = setTimeout(() => {
        req.destroy();
        settle({ error: `no answer within ${timeoutMs} ms` });
      }, timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => settle({ error: `request failed: ${err.code ?? err.message}` }));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          res.destroy();
          settle({ status: res.statusCode ?? 0, excerpt: excerptOf(Buffer.concat(chunks).toString('utf8')) });
        };
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          size += c.length;
          if (size >= MAX_READ_BYTES) done();
        });
        res.on('end', done);
        res.on('error', done);
      });
      req.end(r.body);
    });
}
