import { createHmac } from 'node:crypto';
import {
  canonicalHeaders,
  canonicalRequest,
  credentialScope,
  formatAmzDate,
  isCanonicalPath,
  sha256Hex,
  SIGV4_ALGORITHM,
  stringToSign,
} from './canonical-request.js';
import { sharedSigningKeys, type SigningKeyCache } from './signing-key-cache.js';

/** An access key id and its secret. */
interface SigV4Credential {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What {@link signRequest} signs. */
export interface SigV4SignInput {
  method: string;
  /** The full request URL (scheme, host, optional port, path, optional query). */
  url: URL;
  /** Extra headers to send and sign (e.g. content-type); names are lower-cased. */
  headers?: Record<string, string>;
  body: Uint8Array;
  credential: SigV4Credential;
  region: string;
  service: string;
  /** Signing time; defaults to now. */
  now?: Date;
  /** Where signing keys are cached (default: the process's shared cache). */
  keys?: SigningKeyCache;
}

/**
 * Signs a request with AWS Signature Version 4 and returns every header to send: the given
 * ones plus `host`, `x-amz-date`, `x-amz-content-sha256` and `authorization`, all signed.
 * Pure node:crypto and synchronous.
 * @throws Error when the URL path has characters SigV4 would encode (see isCanonicalPath).
 */
export function signRequest(input: SigV4SignInput): Record<string, string> {
  const path = input.url.pathname;
  if (!isCanonicalPath(path)) throw new Error(`The request path has characters SigV4 would encode: ${path}`);
  const amzDate = formatAmzDate(input.now ?? new Date());
  const payloadHash = sha256Hex(input.body);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  headers.host = input.url.host;
  headers['x-amz-date'] = amzDate;
  headers['x-amz-content-sha256'] = payloadHash;
  const signedHeaders = Object.keys(headers).sort();
  const signedHeaderList = signedHeaders.join(';');
  const request = { method: input.method, path, query: input.url.search.slice(1), headers };
  const date = amzDate.slice(0, 8);
  const scope = credentialScope(date, input.region, input.service);
  const key = (input.keys ?? sharedSigningKeys).signingKey(
    input.credential.secretAccessKey,
    date,
    input.region,
    input.service,
  );
  const signature = createHmac('sha256', key)
    .update(
      stringToSign(
        amzDate,
        scope,
        canonicalRequest(request, canonicalHeaders(headers, signedHeaders), signedHeaderList, payloadHash),
      ),
      'utf8',
    )
    .digest('hex');
  headers.authorization = `${SIGV4_ALGORITHM} Credential=${input.credential.accessKeyId}/${scope}, SignedHeaders=${signedHeaderList}, Signature=${signature}`;
  return headers;
}
