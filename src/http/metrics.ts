import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** A metrics registry per app instance (no globals), with process metrics and request timings. */
export function createMetrics(): {
  registry: Registry;
  middleware: (req: Request, res: Response, next: NextFunction) => void;
} {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'opencckm_http_request_duration_seconds',
    help: 'HTTP request duration by operation and status',
    labelNames: ['method', 'operation', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const middleware = (req: Request, res: Response, next: NextFunction) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      const operation = req.operationId ?? 'other';
      end({ method: req.method, operation, status: String(res.statusCode) });
    });
    next();
  };
  return { registry, middleware };
}
