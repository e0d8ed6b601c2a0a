import { KeyAgingBuilder } from './key-aging-builder.js';
import { KeyReportBuilder } from './key-report-builder.js';
import { KeyUsageBuilder } from './key-usage-builder.js';
import type { ReportBuilder, ReportParams } from './report-types.js';

/** Defaults of the type thresholds. */
const DEFAULT_UNUSED_DAYS = 90;
const DEFAULT_EXPIRING_DAYS = 30;

/** The builder of a report of `params.report_type`, with ages measured at `now`. */
export function createReportBuilder(params: ReportParams, now: Date): ReportBuilder {
  switch (params.report_type) {
    case 'key-report':
      return new KeyReportBuilder();
    case 'key-aging':
      return new KeyAgingBuilder(now, params.expiring_days ?? DEFAULT_EXPIRING_DAYS);
    case 'key-usage':
      return new KeyUsageBuilder(now, params.unused_days ?? DEFAULT_UNUSED_DAYS);
  }
}
