import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { DEFAULT_XKS_MAX_BODY_BYTES, type XksProxy } from './proxy.js';

/**
 * Glue between node:http requests and the framework-agnostic {@link XksProxy}, shared
 * by the standalone proxy and the service's Express route.
 */

/** Writes an XKS JSON answer. */
export function writeXksJson(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/**
 * Reads the raw body, keeping at most `maxBytes`; `undefined` when it is larger (the rest
 * is drained, not buffered). Rejects when the connection fails mid-body.
 */
function readBoundedBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > maxBytes ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Serves one proxy call: reads the body within the bound, runs the proxy core and writes
 * the answer. `path` is relative to the store's URI path; the signature is checked against
 * `req.url` as received (pass the original URL when a router rewrote it).
 */
export async function serveXksRequest(
  proxy: XksProxy,
  req: IncomingMessage,
  res: ServerResponse,
  route: { storeId: string; path: string; requestUrl: string; maxBodyBytes?: number },
): Promise<void> {
  const max = route.maxBodyBytes ?? DEFAULT_XKS_MAX_BODY_BYTES;
  let rawBody: Buffer | undefined;
  try {
    rawBody = await readBoundedBody(req, max);
  } catch {
    if (!res.headersSent)
      writeXksJson(res, 400, { errorName: 'ValidationException', errorMessage: 'The request body could not be read' });
    return;
  }
  if (!rawBody)
    return writeXksJson(res, 400, {
      errorName: 'ValidationException',
      errorMessage: `The request body exceeds ${max} bytes`,
    });
  // `authorized` is set only on TLS sockets whose client certificate chained to a trusted CA.
  const clientCertificateVerified = (req.socket as Partial<TLSSocket>).authorized === true;
  const answer = await proxy.handle({
    storeId: route.storeId,
    method: req.method ?? 'GET',
    path: route.path,
    requestUrl: route.requestUrl,
    headers: req.headers,
    rawBody,
    clientCertificateVerified,
  });
  writeXksJson(res, answer.status, answer.body);
}
