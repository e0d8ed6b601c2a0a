import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';
import type { Registry } from 'prom-client';

export interface OpsDeps {
  ready: () => Promise<boolean>;
  metrics: Registry;
  openapiYaml: string;
  /**
   * Decides a /metrics scrape from its Authorization header.
   * @throws UnauthenticatedError without valid credentials, ForbiddenError for a non-admin token
   */
  authorizeMetrics: (authorization: string | undefined) => Promise<void>;
}

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>opencckm API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.yaml', dom_id: '#ui', deepLinking: true });`;

/** Health, readiness, Prometheus metrics, and the API contract and its rendered docs (served locally, no CDN). */
export function opsRoutes(deps: OpsDeps): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const ok = await deps.ready();
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'unavailable', database: ok ? 'ok' : 'unreachable' });
  });
  // Metrics name operations, statuses and volumes: an admin's token or the scrape token (CCKM_METRICS_TOKEN).
  r.get('/metrics', async (req, res) => {
    await deps.authorizeMetrics(req.get('authorization'));
    res.setHeader('Content-Type', deps.metrics.contentType);
    res.send(await deps.metrics.metrics());
  });
  r.get('/api/v1/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(deps.openapiYaml);
  });
  const swaggerDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  r.use('/api/docs/assets', express.static(swaggerDir, { index: false, maxAge: '1h' }));
  r.get('/api/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(DOCS_INIT);
  });
  r.get(['/api/docs', '/api/docs/'], (_req, res) => {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
    );
    res.type('html').send(DOCS_PAGE);
  });
  return r;
}
