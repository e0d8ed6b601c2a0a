import { useState } from 'preact/hooks';
import { api, type Page } from '../api';
import { Badge, ErrorBox, Facts, formatDate, Section, useLoad } from '../components/ui';
import { href, navigate } from '../router';
import type { JobConfig, JobConfigRun } from '../types';
import { usePolledJob } from './jobs';
import { ListTable } from './list-table';
import { CONFIGS } from './scheduler';

/** One scheduled job: its settings, run now, and its latest runs. */
export function JobConfigPage({ id }: { id: string }) {
  const config = useLoad(() => api<JobConfig>('GET', `${CONFIGS}/${id}`), [id]);
  const q = new URLSearchParams({ limit: '25', sort: '-createdAt' });
  const runs = useLoad(() => api<Page<JobConfigRun>>('GET', `${CONFIGS}/${id}/runs`, undefined, q), [id]);
  const [error, setError] = useState<unknown>();
  const c = config.data;
  const runNow = async () => {
    setError(undefined);
    try {
      const run = await api<JobConfigRun>('POST', `${CONFIGS}/${id}/run-now`, {});
      navigate(`/scheduler/${id}/runs/${run.id}`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <p>
        <a href={href('/scheduler')}>← Scheduled jobs</a>
      </p>
      <h1>Scheduled job {c?.name ?? ''}</h1>
      <ErrorBox error={config.error ?? runs.error ?? error} />
      {c && (
        <>
          <Facts
            rows={[
              ['Operation', c.operation],
              ['Schedule', `${c.run_at} (${c.time_zone})`],
              ['State', c.disabled ? 'disabled' : 'enabled'],
              ['Next run', formatDate(c.next_run_at)],
              ['Last run', formatDate(c.last_run_at)],
              ['Description', c.description ?? ''],
            ]}
          />
          <button type="button" onClick={() => void runNow()}>
            Run now
          </button>
        </>
      )}
      <Section title="Runs">
        <ListTable
          label="Runs"
          busy={runs.loading}
          rows={runs.data?.resources ?? []}
          columns={[
            ['Started', (r) => <a href={href(`/scheduler/${id}/runs/${r.id}`)}>{formatDate(r.createdAt)}</a>],
            ['Trigger', (r) => r.trigger],
            ['Status', (r) => <Badge value={r.overall_status} />],
            [
              'Progress',
              (r) =>
                Object.entries(r.progress)
                  .map(([k, v]) => `${k.replace(/_/g, ' ')} ${v}`)
                  .join(', '),
            ],
          ]}
        />
      </Section>
    </>
  );
}

/** One run of a scheduled job, followed live until it ends, with a result per key (or store). */
export function JobConfigRunPage({ id, runId }: { id: string; runId: string }) {
  const { job: run, error } = usePolledJob<JobConfigRun>(`${CONFIGS}/${id}/runs/${runId}`);
  return (
    <>
      <p>
        <a href={href(`/scheduler/${id}`)}>← The scheduled job</a>
      </p>
      {!run ? (
        <ErrorBox error={error} />
      ) : (
        <>
          <h1>
            Run of {run.kind} <Badge value={run.overall_status} />
          </h1>
          <ErrorBox error={error} />
          <Facts rows={Object.entries(run.progress).map(([k, v]) => [k.replace(/_/g, ' '), v])} />
          {run.units.length > 0 && (
            <ListTable
              label="Status per unit"
              rows={run.units}
              columns={[
                ['Unit', (u) => u.label],
                ['Status', (u) => <Badge value={u.status} />],
                ['Message', (u) => u.message ?? ''],
              ]}
            />
          )}
          <Section title="Results">
            <ListTable
              label="Result per key"
              rows={run.results}
              columns={[
                [
                  'Key or store',
                  (r) =>
                    r.key_id ? <a href={href(`/keys/${r.key_id}`)}>{r.key_id}</a> : (r.custom_key_store_id ?? ''),
                ],
                ['Result', (r) => r.status],
                ['Reason', (r) => r.reason ?? ''],
                ['Material valid to', (r) => (r.valid_to ? formatDate(r.valid_to) : '')],
              ]}
            />
          </Section>
        </>
      )}
    </>
  );
}
