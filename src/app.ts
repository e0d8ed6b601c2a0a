import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { TokenService } from './auth/tokens.js';
import { isAdmin } from './auth/principal.js';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from './errors/index.js';
import type { Services } from './cckm/create-services.js';
import { createMetrics } from './http/metrics.js';
import { sendPagesInPieces } from './http/page-json.js';
import { contractValidator } from './http/openapi/contract-validator.js';
import { auditTrail } from './http/middleware/audit.js';
import { authenticate } from './http/middleware/authenticate.js';
import { errorHandler } from './http/middleware/error-handler.js';
import { loginRateLimit, type LoginRateLimitOptions } from './http/middleware/login-rate-limit.js';
import { inputGuard } from './http/middleware/input-guard.js';
import { jsonBody } from './http/middleware/json-body.js';
import { requestContext } from './http/middleware/request-context.js';
import { auditRoutes } from './http/routes/audit.routes.js';
import { xksProxyRoutes } from './http/routes/xks-proxy.routes.js';
import { webhookRoutes } from './http/routes/webhooks.routes.js';
import { approvalRoutes } from './http/routes/approvals.routes.js';
import { xksKeyRoutes } from './http/routes/xks-keys.routes.js';
import { accountRoutes } from './http/routes/accounts.routes.js';
import { authRoutes, userRoutes } from './http/routes/auth.routes.js';
import { connectionRoutes, kmsRoutes } from './http/routes/connections.routes.js';
import { customKeyStoreRoutes } from './http/routes/custom-key-stores.routes.js';
import { jobRoutes } from './http/routes/jobs.routes.js';
import { keyActionRoutes } from './http/routes/key-actions.routes.js';
import { keyRoutes, templateRoutes } from './http/routes/keys.routes.js';
import { opsRoutes } from './http/routes/ops.routes.js';
import { schedulerRoutes } from './http/routes/scheduler.routes.js';
import { reportRoutes } from './http/routes/reports.routes.js';
import { consoleRoutes } from './http/routes/console.routes.js';

export interface AppDeps {
  services: Services;
  tokens: TokenService;
  logger: Logger;
  /** The parsed OpenAPI document and its YAML text. */
  openapi: { document: object; yaml: string };
  ready: () => Promise<boolean>;
  bodyLimitBytes: number;
  validateResponses: boolean;
  /** Served over TLS: answers carry Strict-Transport-Security. */
  hsts?: boolean;
  /** CCKM_METRICS_TOKEN: the bearer token Prometheus scrapes /metrics with (admins' JWTs work too). */
  metricsToken?: string;
  /** Token buckets of POST /api/v1/auth/tokens (CCKM_LOGIN_RATE_PER_SECOND, ...); none when absent. */
  loginRateLimit?: LoginRateLimitOptions;
}

export interface App {
  express: Express;
  /** Resolves when every audit event of finished requests is written. */
  flushAudit(): Promise<void>;
}

/** Builds the HTTP application from explicit dependencies; does no I/O itself. */
export function createApp(deps: AppDeps): App {
  const app = express();
  app.disable('x-powered-by');
  // API answers are Cache-Control: no-store; an ETag would only cost a SHA-1 over each body.
  app.set('etag', false);
  app.set('trust proxy', false);
  app.set('query parser', 'extended');
  sendPagesInPieces(app);
  const metrics = createMetrics();
  const pendingAudit = new Set<Promise<void>>();

  app.use(requestContext);
  if (deps.hsts) {
    app.use((_req, res, next) => {
      res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
      next();
    });
  }
  // No redaction list here: the request logger inherits the one of deps.logger (config/logging.ts).
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req) => (req as express.Request).id,
      autoLogging: { ignore: (req) => req.url === '/healthz' },
    }),
  );
  app.use(metrics.middleware);
  // Logins are throttled before any parsing or hashing: an unauthenticated flood stays cheap.
  if (deps.loginRateLimit) app.post('/api/v1/auth/tokens', loginRateLimit(deps.loginRateLimit));
  app.use(
    opsRoutes({
      ready: deps.ready,
      metrics: metrics.registry,
      openapiYaml: deps.openapi.yaml,
      authorizeMetrics: metricsAccess(deps.tokens, deps.metricsToken),
    }),
  );
  // The web console at `/` (static files, dist/web); it calls the API below like any client.
  app.use(consoleRoutes());
  // opencckm's XKS proxy: SigV4 over the raw body (not JWT), so before the JSON parser, authentication and the OpenAPI validator.
  app.use(xksProxyRoutes({ stores: deps.services.xksStores, vault: deps.services.xksKeys }));
  app.use(jsonBody(deps.bodyLimitBytes));
  app.use(inputGuard);
  // The audit trail comes first so a request authentication could not decide (database down, 503) has its event too.
  app.use('/api/v1', auditTrail(deps.services.audit, deps.logger, pendingAudit));
  app.use('/api/v1', authenticate(deps.tokens));
  // Every request that reaches a route is one of the contract's, validated; answers too when asked.
  app.use('/api/v1', contractValidator(deps.openapi.document, { validateResponses: deps.validateResponses }));
  const api = express.Router();
  api.use(authRoutes(deps.services.auth));
  api.use(userRoutes(deps.services.users));
  api.use(connectionRoutes(deps.services.connections));
  api.use(kmsRoutes(deps.services.kms, deps.services.kmsAclUpdates));
  api.use(templateRoutes(deps.services.templates));
  api.use(keyRoutes(deps.services.keys, deps.services.keyUploads, deps.services.idempotency));
  api.use(keyActionRoutes(deps.services.keyActions, deps.services.keyReplication, deps.services.approvals));
  api.use(jobRoutes(deps.services.syncJobs, deps.services.bulkJobs));
  api.use(
    customKeyStoreRoutes({
      stores: deps.services.customKeyStores,
      actions: deps.services.customKeyStoreActions,
      credentials: deps.services.xksCredentials,
      rotationJobs: deps.services.credentialRotationJobs,
      audit: deps.services.audit,
      syncJobs: deps.services.customKeyStoreSyncJobs,
    }),
  );
  api.use(xksKeyRoutes(deps.services.xksKeys));
  api.use(accountRoutes(deps.services.accountDiscovery));
  api.use(auditRoutes(deps.services.audit));
  api.use(schedulerRoutes(deps.services));
  api.use(reportRoutes(deps.services.reports, deps.services.audit));
  api.use(webhookRoutes(deps.services.webhooks));
  api.use(approvalRoutes(deps.services.approvals));
  app.use('/api/v1', api);
  app.use((_req, _res, next) => next(new NotFoundError('No such path')));
  app.use(errorHandler(deps.logger));

  return {
    express: app,
    flushAudit: async () => {
      while (pendingAudit.size) await Promise.allSettled([...pendingAudit]);
    },
  };
}

/** /metrics: the configured scrape token (compared in constant time) or an admin's JWT. */
function metricsAccess(tokens: TokenService, scrapeToken: string | undefined) {
  const expected = scrapeToken ? createHash('sha256').update(scrapeToken).digest() : undefined;
  return async (header: string | undefined): Promise<void> => {
    const token = header?.match(/^Bearer (\S{1,8192})$/)?.[1];
    if (!token)
      throw new UnauthenticatedError('Metrics need "Authorization: Bearer <CCKM_METRICS_TOKEN or an admin\'s jwt>"');
    if (expected && timingSafeEqual(createHash('sha256').update(token).digest(), expected)) return;
    if (!token.includes('.')) throw new UnauthenticatedError('The metrics token is not valid');
    const principal = await tokens.verify(token);
    if (!isAdmin(principal)) throw new ForbiddenError('Metrics need the admin group or the metrics token');
  };
}
