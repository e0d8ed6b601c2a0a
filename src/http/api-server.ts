import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';

/** Where the REST API's certificate, key and (optionally) trusted client CAs are, as PEM files. */
export interface ApiTls {
  certFile: string;
  keyFile: string;
  /** With it, clients may present certificates; `socket.authorized` tells whether one chained to these CAs. */
  clientCaFile?: string;
}

/**
 * The REST API's server: HTTPS when given a certificate and key (TLS 1.2 or later), plain
 * HTTP otherwise (behind a TLS-terminating reverse proxy, or on loopback). Client
 * certificates are requested but not required: ordinary API clients authenticate with
 * JWTs, and only the XKS proxy of stores with `mtls_enabled` insists on a verified one.
 * @throws Error naming the file when a PEM file cannot be read
 */
export function createApiServer(handler: RequestListener, tls?: ApiTls): Server | HttpsServer {
  const server = tls
    ? createHttpsServer(
        {
          cert: readPem(tls.certFile, 'CCKM_TLS_CERT'),
          key: readPem(tls.keyFile, 'CCKM_TLS_KEY'),
          minVersion: 'TLSv1.2',
          ...(tls.clientCaFile
            ? { ca: readPem(tls.clientCaFile, 'CCKM_TLS_CLIENT_CA'), requestCert: true, rejectUnauthorized: false }
            : {}),
        },
        handler,
      )
    : createHttpServer(handler);
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 120_000;
  return server;
}

function readPem(file: string, setting: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`${setting}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: err,
    });
  }
}
