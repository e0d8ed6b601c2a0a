import { Router, type Request, type Response } from 'express';
import type { AuditService } from '../../cckm/audit/audit.service.js';
import { csvHeader, csvRow } from '../../cckm/reports/csv-writer.js';
import type { ReportInput } from '../../cckm/reports/report-request.js';
import type { ReportDownload, ReportService } from '../../cckm/reports/report.service.js';
import { parsePaging } from '../../cckm/common/list.js';
import { ValidationError } from '../../errors/index.js';
import { auditedRead } from '../middleware/audit.js';
import { report } from '../presenters/report.presenter.js';
import { COMMON_SORT, listQuery, many, one } from './query.js';

const BASE = '/cckm/aws/reports';
const FORMATS = ['csv', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** Writes a chunk, waiting for the socket to drain when its buffer is full (bounded memory for any report size). */
function write(res: Response, chunk: string): Promise<void> {
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('the client closed the download'));
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/** Streams a report page by page: CSV (header, then one record per key) or JSON (`{report, columns, rows}`). */
async function stream(res: Response, d: ReportDownload, format: Format): Promise<void> {
  const id = d.view.report.id;
  res.status(200);
  res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="report-${id}.${format}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (format === 'csv') {
    await write(res, csvHeader(d.columns));
    for await (const rows of d.pages) await write(res, rows.map((r) => csvRow(d.columns, r.row)).join(''));
  } else {
    await write(res, `{"report":${JSON.stringify(report(d.view))},"columns":${JSON.stringify(d.columns)},"rows":[`);
    let first = true;
    for await (const rows of d.pages) {
      const ordered = rows.map((r) => JSON.stringify(Object.fromEntries(d.columns.map((c) => [c, r.row[c] ?? null]))));
      await write(res, (first ? '' : ',') + ordered.join(','));
      first = false;
    }
    await write(res, ']}');
  }
  res.end();
}

/** Reports: create (the job runs in the background), list, get with the summary, download (CSV or JSON), delete. */
export function reportRoutes(reports: ReportService, audit: AuditService): Router {
  const r = Router();
  const id = (req: Request) => String(req.params.id);
  r.post(BASE, async (req, res) => {
    const v = await reports.create(req.principal!, (req.body ?? {}) as ReportInput);
    res.locals.resourceId = v.report.id;
    res.locals.auditDetails = { report_type: v.report.reportType, kms: (v.report.params as { kms_ids: [] }).kms_ids };
    res.status(201).json(report(v));
  });
  r.get(BASE, async (req, res) => {
    const { q, requestedLimit } = listQuery(req, COMMON_SORT);
    const filter = {
      ids: many(req, 'id'),
      names: many(req, 'name'),
      reportTypes: many(req, 'report_type'),
      statuses: many(req, 'status'),
    };
    const page = await reports.list(req.principal!, filter, q);
    res.json({
      skip: page.skip,
      limit: requestedLimit,
      total: page.total,
      resources: page.resources.map((v) => report(v, false)),
    });
  });
  r.get(`${BASE}/:id`, async (req, res) => {
    res.json(report(await reports.get(req.principal!, id(req))));
  });
  r.get(`${BASE}/:id/contents`, async (req, res) => {
    const { skip, limit } = parsePaging({ skip: one(req, 'skip'), limit: one(req, 'limit') ?? '100' });
    if (limit < 1) throw ValidationError.field('limit', 'must be a decimal integer from 1 to 1000');
    const page = await reports.contents(req.principal!, id(req), skip, limit);
    res.json({
      skip,
      limit,
      total: page.total,
      columns: page.columns,
      resources: page.rows.map((r) => Object.fromEntries(page.columns.map((c) => [c, r.row[c] ?? null]))),
    });
  });
  // A read, so the audit middleware does not record it: the route writes the event itself, allowed or refused.
  r.get(`${BASE}/:id/download`, async (req, res) => {
    const format = (one(req, 'format') ?? 'csv') as Format;
    const download = await auditedRead(
      audit,
      req,
      { action: 'downloadReport', resourceType: 'report', resourceId: id(req), details: { format } },
      async () => {
        if (!FORMATS.includes(format)) throw ValidationError.field('format', 'must be csv or json');
        return reports.download(req.principal!, id(req));
      },
    );
    try {
      await stream(res, download, format);
    } catch (err) {
      // Headers are sent: end the connection without the closing chunk, so no client takes a cut file for a whole one.
      req.log?.warn({ err, reportId: id(req) }, 'report download ended before its last row');
      res.destroy();
    }
  });
  r.delete(`${BASE}/:id`, async (req, res) => {
    await reports.delete(req.principal!, id(req));
    res.status(204).end();
  });
  return r;
}
