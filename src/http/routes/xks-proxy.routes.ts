import { Router } from 'express';
import { serveXksRequest, writeXksJson } from '../../xks/node-http.js';
import {
  DEFAULT_XKS_MAX_BODY_BYTES,
  XksProxy,
  type XksKeyVault,
  type XksProxyOptions,
  type XksStoreResolver,
} from '../../xks/proxy.js';

/** Where the service serves the XKS proxy of each local-hosted store: `${XKS_PROXY_MOUNT}/{storeId}/kms/xks/v1`. */
export const XKS_PROXY_MOUNT = '/api/v1/cckm/aws/xks-proxy-endpoints';

const ROUTE = /^\/([A-Za-z0-9_-]{1,128})\/kms\/xks\/v1(\/.*)$/;

/**
 * The XKS Proxy API v1 for stores opencckm hosts. AWS KMS (or the emulator) calls it,
 * authenticated by SigV4 with the store's proxy credential, not by a JWT: mount it at the
 * application root BEFORE express.json, `authenticate` and the OpenAPI validator, since it
 * must read the raw body the signature covers. Every answer, errors included, is an XKS
 * JSON body `{errorName, errorMessage}`, never the REST error format.
 */
export function xksProxyRoutes(deps: {
  stores: XksStoreResolver;
  vault: XksKeyVault;
  options?: XksProxyOptions;
}): Router {
  const proxy = new XksProxy(deps.stores, deps.vault, deps.options);
  const maxBodyBytes = deps.options?.maxBodyBytes ?? DEFAULT_XKS_MAX_BODY_BYTES;
  const r = Router();
  r.use(XKS_PROXY_MOUNT, async (req, res) => {
    const m = ROUTE.exec(req.path);
    if (!m)
      return writeXksJson(res, 404, {
        errorName: 'InvalidUriPathException',
        errorMessage: 'The request path is not an XKS API v1 path',
      });
    res.locals.resourceId = m[1];
    await serveXksRequest(proxy, req, res, { storeId: m[1]!, path: m[2]!, requestUrl: req.originalUrl, maxBodyBytes });
  });
  return r;
}
