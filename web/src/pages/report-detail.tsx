import { useState } from 'preact/hooks';
import { api, saveDownload, type Page } from '../api';
import { Badge, ErrorBox, Facts, formatDate, Section, useConfirm, useLoad, usePolled } from '../components/ui';
import { href, navigate } from '../router';
import type { Kms, Report, ReportContents } from '../types';
import { deleteReport, inProgress, REPORTS } from './reports';

const ROWS_PER_PAGE = 25;
/** Columns of free text (from AWS), wrapped at words rather than kept on one line. */
const LONG = new Set(['description', 'alias', 'usage_tracking']);

const human = (k: string) => (k.charAt(0).toUpperCase() + k.slice(1)).replace(/_/g, ' ');

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A group of key counts by some value (`by_state`, `age_buckets`), not a record of named fields (`oldest_key`). */
const isCounts = (k: string, v: object) =>
  (k.startsWith('by_') || k.endsWith('_buckets')) && Object.values(v).every((n) => typeof n === 'number');

/** Follows the report until its job ends (pending, then running), then keeps its final state. */
function usePolledReport(id: string): { report?: Report; error?: unknown } {
  const { data, error } = usePolled<Report>(`${REPORTS}/${id}`, inProgress);
  return { report: data, error };
}

/**
 * A report's summary as small tables: its plain figures in one list, then one table per
 * group of counts (by state, by region, age buckets...). Every value is rendered as text.
 */
function Summary({ summary }: { summary: Record<string, unknown> }) {
  const entries = Object.entries(summary);
  const plain = entries.filter(([, v]) => v === null || typeof v !== 'object');
  const groups = entries.filter(([, v]) => v !== null && typeof v === 'object') as [string, object][];
  return (
    <Section title="Summary">
      <Facts rows={plain.map(([k, v]) => [human(k), v === null ? '—' : cellText(v)])} />
      <div class="summary">
        {groups.map(([k, v]) => (
          <div class="table-wrap" key={k}>
            <table aria-label={human(k)}>
              <caption>{human(k)}</caption>
              <thead>
                <tr>
                  {isCounts(k, v) ? (
                    <>
                      <th scope="col">{human(k.replace(/^by_/, ''))}</th>
                      <th scope="col">Keys</th>
                    </>
                  ) : (
                    <>
                      <th scope="col">Field</th>
                      <th scope="col">Value</th>
                    </>
                  )}
                </tr>
              </thead>
              <tbody>
                {Object.entries(v).map(([name, n]) => (
                  <tr key={name}>
                    <td>{name}</td>
                    <td>{cellText(n)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </div>
    </Section>
  );
}

/** The report's rows, a page at a time, as the API keeps them (one row per key). */
function Contents({ id }: { id: string }) {
  const [skip, setSkip] = useState(0);
  const q = new URLSearchParams({ skip: String(skip), limit: String(ROWS_PER_PAGE) });
  const page = useLoad(() => api<ReportContents>('GET', `${REPORTS}/${id}/contents`, undefined, q), [id, skip]);
  const p = page.data;
  return (
    <Section title="Contents">
      <ErrorBox error={page.error} />
      {p && p.total === 0 && <p>No key matched the report's scope.</p>}
      {p && p.total > 0 && (
        <>
          {/* Focusable, so a keyboard user can scroll the wide table sideways. */}
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Report rows">
            <table class="rows" aria-label="Report contents" aria-busy={page.loading}>
              <caption>
                {p.skip + 1}–{p.skip + p.resources.length} of {p.total} rows
              </caption>
              <thead>
                <tr>
                  {p.columns.map((c) => (
                    <th scope="col" key={c}>
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {p.resources.map((row, i) => (
                  <tr key={i}>
                    {p.columns.map((c) => (
                      <td key={c} class={LONG.has(c) ? 'long' : undefined}>
                        {cellText(row[c])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="pager">
            <button type="button" disabled={skip === 0} onClick={() => setSkip(Math.max(0, skip - ROWS_PER_PAGE))}>
              Previous rows
            </button>
            <button
              type="button"
              disabled={skip + ROWS_PER_PAGE >= p.total}
              onClick={() => setSkip(skip + ROWS_PER_PAGE)}
            >
              Next rows
            </button>
          </div>
        </>
      )}
    </Section>
  );
}

/** One report: its scope, live progress while it is generated, then its summary, rows and downloads. */
export function ReportPage({ id }: { id: string }) {
  const { report: r, error } = usePolledReport(id);
  const kms = useLoad(
    () => api<Page<Kms>>('GET', '/cckm/aws/kms', undefined, new URLSearchParams({ limit: '-1' })),
    [],
  );
  const [actionError, setActionError] = useState<unknown>();
  const [dialog, confirm] = useConfirm();
  const download = (format: 'csv' | 'json') => {
    setActionError(undefined);
    saveDownload(`${REPORTS}/${id}/download`, new URLSearchParams({ format }), `report-${id}.${format}`).catch(
      setActionError,
    );
  };
  const remove = async () => {
    setActionError(undefined);
    try {
      if (r && (await deleteReport(r, confirm))) navigate('/reports');
    } catch (err) {
      setActionError(err);
    }
  };
  const kmsName = (kid: string) => kms.data?.resources.find((k) => k.id === kid)?.name ?? kid;
  return (
    <>
      <p>
        <a href={href('/reports')}>← Reports</a>
      </p>
      {!r ? (
        <ErrorBox error={error} />
      ) : (
        <>
          <h1>
            Report {r.name} <Badge value={r.status} />
          </h1>
          <ErrorBox error={error ?? actionError} />
          {inProgress(r) && (
            <label class="progress">
              {r.progress.processed} of {r.progress.total} keys processed ({r.progress.percent}%)
              <progress max={100} value={r.progress.percent} />
            </label>
          )}
          {r.message && <p class={r.status === 'failed' ? 'error' : 'sub'}>{r.message}</p>}
          <Facts
            rows={
              [
                ['Type', r.report_type],
                ['KMS accounts', r.kms.map(kmsName).join(', ')],
                ['Regions', r.regions?.join(', ') || 'all'],
                ['Keys created from', formatDate(r.from)],
                ['Keys created until', formatDate(r.to)],
                ...(r.unused_days !== undefined ? [['Unused days', String(r.unused_days)]] : []),
                ...(r.expiring_days !== undefined ? [['Expiring days', String(r.expiring_days)]] : []),
                ['Created', `${formatDate(r.createdAt)}${r.created_by ? ` by ${r.created_by}` : ''}`],
                ['Completed', formatDate(r.completed_at)],
                ['Rows', String(r.row_count)],
              ] as [string, string][]
            }
          />
          <div class="buttons">
            {r.status === 'completed' && (
              <>
                <button type="button" onClick={() => download('csv')}>
                  Download CSV
                </button>
                <button type="button" onClick={() => download('json')}>
                  Download JSON
                </button>
              </>
            )}
            <button type="button" class="danger" onClick={() => void remove()}>
              Delete report
            </button>
          </div>
          {r.status === 'completed' && r.summary && <Summary summary={r.summary} />}
          {r.status === 'completed' && <Contents id={id} />}
        </>
      )}
      {dialog}
    </>
  );
}
