import { useState } from 'preact/hooks';
import { api, type Page } from '../api';
import { Badge, ErrorBox, Facts, formatDate, Section, useLoad, usePolled } from '../components/ui';
import { href, navigate } from '../router';
import type { BulkJob, Kms, SyncJob } from '../types';

function StartSync({ kms }: { kms: Kms[] }) {
  const [all, setAll] = useState(true);
  const [chosen, setChosen] = useState<string[]>([]);
  const [regions, setRegions] = useState<string[]>([]);
  const [error, setError] = useState<unknown>();
  const offered = [...new Set(kms.filter((k) => chosen.includes(k.name)).flatMap((k) => k.regions))].sort();
  const toggle = (list: string[], v: string, on: boolean) => (on ? [...list, v] : list.filter((x) => x !== v));
  const start = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const body = all ? { synchronize_all: true } : { kms: chosen, ...(regions.length ? { regions } : {}) };
      const job = await api<SyncJob>('POST', '/cckm/aws/synchronization-jobs', body);
      navigate(`/jobs/sync/${job.id}`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={start} aria-label="Start a synchronization" class="stack">
      <label class="check">
        <input type="checkbox" checked={all} onChange={(e) => setAll((e.currentTarget as HTMLInputElement).checked)} />
        Every KMS account and region
      </label>
      {!all && (
        <>
          <fieldset>
            <legend>KMS accounts</legend>
            {kms.map((k) => (
              <label class="check" key={k.id}>
                <input
                  type="checkbox"
                  checked={chosen.includes(k.name)}
                  onChange={(e) => setChosen(toggle(chosen, k.name, (e.currentTarget as HTMLInputElement).checked))}
                />
                {k.name} ({k.account_id})
              </label>
            ))}
          </fieldset>
          {offered.length > 0 && (
            <fieldset>
              <legend>Regions (none chosen: all of the accounts' regions)</legend>
              <div class="columns">
                {offered.map((r) => (
                  <label class="check" key={r}>
                    <input
                      type="checkbox"
                      checked={regions.includes(r)}
                      onChange={(e) => setRegions(toggle(regions, r, (e.currentTarget as HTMLInputElement).checked))}
                    />
                    {r}
                  </label>
                ))}
              </div>
            </fieldset>
          )}
        </>
      )}
      <button type="submit" disabled={!all && !chosen.length}>
        Start synchronization
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

export function JobsPage() {
  const kms = useLoad(
    () => api<Page<Kms>>('GET', '/cckm/aws/kms', undefined, new URLSearchParams({ limit: '-1' })),
    [],
  );
  const q = new URLSearchParams({ limit: '10', sort: '-createdAt' });
  const sync = useLoad(() => api<Page<SyncJob>>('GET', '/cckm/aws/synchronization-jobs', undefined, q), []);
  const bulk = useLoad(() => api<Page<BulkJob>>('GET', '/cckm/aws/bulkjob', undefined, q), []);
  return (
    <>
      <h1>Jobs</h1>
      <Section title="Synchronize keys from AWS">
        <ErrorBox error={kms.error} />
        {kms.data && <StartSync kms={kms.data.resources} />}
      </Section>
      <Section title="Recent synchronizations">
        <ErrorBox error={sync.error} />
        <ul class="jobs">
          {(sync.data?.resources ?? []).map((j) => (
            <li key={j.id}>
              <a href={href(`/jobs/sync/${j.id}`)}>{formatDate(j.createdAt)}</a> <Badge value={j.overall_status} />{' '}
              {j.synchronize_all ? 'all accounts' : j.kms.join(', ')}
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Recent bulk jobs">
        <ErrorBox error={bulk.error} />
        <ul class="jobs">
          {(bulk.data?.resources ?? []).map((j) => (
            <li key={j.id}>
              <a href={href(`/jobs/bulk/${j.id}`)}>{formatDate(j.createdAt)}</a> <Badge value={j.overall_status} />{' '}
              {j.operation} ({j.progress.total} keys)
            </li>
          ))}
        </ul>
      </Section>
    </>
  );
}

const jobRunning = (job: { overall_status: string }) => job.overall_status === 'in_progress';

/** Polls the job until it ends. */
export function usePolledJob<T extends { overall_status: string }>(path: string): { job?: T; error?: unknown } {
  const { data, error } = usePolled<T>(path, jobRunning);
  return { job: data, error };
}

function SyncJobView({ id }: { id: string }) {
  const { job, error } = usePolledJob<SyncJob>(`/cckm/aws/synchronization-jobs/${id}`);
  if (!job) return <ErrorBox error={error} />;
  const p = job.progress;
  const done = (p.regions_completed ?? 0) + (p.regions_failed ?? 0) + (p.regions_cancelled ?? 0);
  return (
    <>
      <h1>
        Synchronization <Badge value={job.overall_status} />
      </h1>
      <ErrorBox error={error} />
      <label class="progress">
        {done} of {p.regions_total} account regions done
        <progress max={p.regions_total || 1} value={done} />
      </label>
      <Facts rows={Object.entries(p).map(([k, v]) => [k.replace(/_/g, ' '), v])} />
      {job.overall_status === 'in_progress' && !job.cancel_requested && (
        <button type="button" onClick={() => void api('POST', `/cckm/aws/synchronization-jobs/${id}/cancel`)}>
          Cancel
        </button>
      )}
      <div class="table-wrap">
        <table aria-label="Status per account and region">
          <thead>
            <tr>
              <th scope="col">Account / region</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(job.detailed_status).map(([where, status]) => (
              <tr key={where}>
                <td>{where}</td>
                <td>{status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function BulkJobView({ id }: { id: string }) {
  const { job, error } = usePolledJob<BulkJob>(`/cckm/aws/bulkjob/${id}`);
  if (!job) return <ErrorBox error={error} />;
  const p = job.progress;
  return (
    <>
      <h1>
        Bulk {job.operation} <Badge value={job.overall_status} />
      </h1>
      <ErrorBox error={error} />
      <label class="progress">
        {p.total - p.pending} of {p.total} keys done ({p.succeeded} succeeded, {p.failed} failed, {p.skipped} skipped)
        <progress max={p.total || 1} value={p.total - p.pending} />
      </label>
      <div class="table-wrap">
        <table aria-label="Result per key">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Result</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {(job.results ?? []).map((r) => (
              <tr key={r.key_id}>
                <td>
                  <a href={href(`/keys/${r.key_id}`)}>{r.key_id}</a>
                </td>
                <td>{r.status}</td>
                <td>{r.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function JobPage({ kind, id }: { kind: string; id: string }) {
  return (
    <>
      <p>
        <a href={href('/jobs')}>← Jobs</a>
      </p>
      {kind === 'bulk' ? <BulkJobView id={id} /> : <SyncJobView id={id} />}
    </>
  );
}
