import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { AuditService } from '../../cckm/audit/audit.service.js';
import { httpStatusOf } from '../../errors/http-mapping.js';
import { AppError } from '../../errors/index.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Which resource type an API path (below the /api/v1 mount, any case) is about, for the audit trail. */
function resourceTypeOf(path: string): string {
  const p = path.toLowerCase().replace(/^\//, '');
  if (p.startsWith('auth/')) return 'token';
  if (p.startsWith('usermgmt/users')) return 'user';
  if (p.startsWith('usermgmt/groups')) return 'group';
  if (p.startsWith('connectionmgmt/')) return 'connection';
  if (p.startsWith('cckm/aws/kms')) return 'kms';
  if (p.startsWith('cckm/aws/templates')) return 'policy-template';
  if (p.startsWith('cckm/aws/keys') || p.startsWith('cckm/aws/upload-key') || p.startsWith('cckm/aws/create-hyok-key'))
    return 'aws-key';
  if (p.startsWith('cckm/aws/custom-key-stores')) return 'custom-key-store';
  if (p.startsWith('cckm/aws/xks-keys')) return 'xks-key';
  if (p.startsWith('cckm/aws/accounts')) return 'aws-account';
  if (p.startsWith('cckm/aws/synchronization-jobs')) return 'synchronization-job';
  if (p.startsWith('cckm/aws/bulkjob')) return 'bulk-job';
  if (p.startsWith('scheduler/job-configs')) return 'job-config';
  if (p.startsWith('cckm/aws/reports')) return 'report';
  if (p.startsWith('cckm/approvals')) return 'approval';
  return p.split('/')[0] ?? 'unknown';
}

/**
 * Writes one audit event per mutating API request once its response is sent: who,
 * what (operation), which resource, and the outcome. Bodies are not recorded except
 * for a few safe identifiers the handler puts in `res.locals.auditDetails`.
 *
 * Mount it on the API's own mount point (`app.use('/api/v1', auditTrail(...))`), before
 * authentication: it then sees every request the API routes see, whatever the case of the
 * path (routing is case-insensitive), so no write route can act without an event, and a
 * request authentication could not decide (the database down: 503) has one too.
 */
export function auditTrail(audit: AuditService, logger: Logger, pending: Set<Promise<void>>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!MUTATING.has(req.method)) return next();
    // Taken now, relative to the mount: a mounted router further down rewrites req.path.
    const path = req.path;
    res.on('finish', () => {
      // Requests refused by authentication (no or bad token) did nothing and name no one: no event, as before.
      if (res.statusCode === 401 && !req.principal && !path.toLowerCase().startsWith('/auth/')) return;
      const operation = req.operationId;
      const actor =
        req.principal?.username ??
        (typeof req.body?.username === 'string' ? req.body.username.slice(0, 128) : 'anonymous');
      const write = audit
        .record({
          account: req.principal?.account ?? (res.locals.auditAccount as string | undefined) ?? 'kylo',
          actor,
          action: operation ?? `${req.method} /api/v1${path}`.slice(0, 256),
          resourceType: resourceTypeOf(path),
          resourceId: (res.locals.resourceId as string | undefined) ?? (req.params?.id as string | undefined) ?? null,
          result: res.statusCode < 400 ? 'success' : 'failure',
          statusCode: res.statusCode,
          requestId: req.id,
          details: (res.locals.auditDetails as Record<string, unknown> | undefined) ?? {},
        })
        .catch((err: unknown) => logger.error({ err, reqId: req.id }, 'audit event could not be written'))
        .finally(() => pending.delete(write));
      pending.add(write);
    });
    next();
  };
}

/**
 * Runs a read whose answer is sensitive (a store's credentials, a report's rows) and records
 * its outcome, allowed or refused, before the route answers: the audit trail above skips
 * reads, since they change nothing. Answers what `read` answered; rethrows what it threw.
 */
export async function auditedRead<T>(
  audit: AuditService,
  req: Request,
  what: { action: string; resourceType: string; resourceId: string; details?: Record<string, unknown> },
  read: () => Promise<T>,
): Promise<T> {
  const event = (statusCode: number) =>
    audit.record({
      account: req.principal!.account,
      actor: req.principal!.username,
      action: req.operationId ?? what.action,
      resourceType: what.resourceType,
      resourceId: what.resourceId,
      result: statusCode < 400 ? 'success' : 'failure',
      statusCode,
      requestId: req.id,
      ...(what.details ? { details: what.details } : {}),
    });
  let value: T;
  try {
    value = await read();
  } catch (err) {
    await event(err instanceof AppError ? httpStatusOf(err) : 500);
    throw err;
  }
  await event(200);
  return value;
}
