import { useEffect, useState } from 'preact/hooks';
import { api, type Page } from '../api';
import { Badge, ErrorBox, FormActions, formatDate, POLL_MS, Section, useConfirm, useLoad } from '../components/ui';
import { href, navigate } from '../router';
import { REPORT_TYPES, type Kms, type Report } from '../types';
import { ListTable } from './list-table';

export const REPORTS = '/cckm/aws/reports';

/** Whether the report's job has yet to end (the console follows it until then). */
export const inProgress = (r: Report) => r.status === 'pending' || r.status === 'running';

interface Draft {
  name: string;
  report_type: string;
  kms: string[];
  regions: string[];
  from: string;
  to: string;
  unused_days: string;
  expiring_days: string;
}

const EMPTY: Draft = {
  name: '',
  report_type: 'key-report',
  kms: [],
  regions: [],
  from: '',
  to: '',
  unused_days: '',
  expiring_days: '',
};

/**
 * The ReportCreate body (openapi/cckm.yaml): dates are whole UTC days (from its first to its
 * last millisecond); a threshold only for the type that takes it; no list when none is chosen
 * (the API's default: every account the caller may report on, every region).
 */
function reportBody(d: Draft): Record<string, unknown> {
  const days = (name: 'unused_days' | 'expiring_days', type: string) =>
    d.report_type === type && d[name].trim() ? { [name]: Number(d[name]) } : {};
  return {
    name: d.name.trim(),
    report_type: d.report_type,
    ...(d.kms.length ? { kms: d.kms } : {}),
    ...(d.regions.length ? { regions: d.regions } : {}),
    ...(d.from ? { from: `${d.from}T00:00:00.000Z` } : {}),
    ...(d.to ? { to: `${d.to}T23:59:59.999Z` } : {}),
    ...days('unused_days', 'key-usage'),
    ...days('expiring_days', 'key-aging'),
  };
}

const toggle = (list: string[], v: string, on: boolean) => (on ? [...list, v] : list.filter((x) => x !== v));

function ReportForm({ kms, done }: { kms: Kms[]; done: (saved?: Report) => void }) {
  const [d, setD] = useState(EMPTY);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<Draft>) => setD((old) => ({ ...old, ...patch }));
  const text = (e: Event) => (e.currentTarget as HTMLInputElement).value;
  const checked = (e: Event) => (e.currentTarget as HTMLInputElement).checked;
  const scope = d.kms.length ? kms.filter((k) => d.kms.includes(k.name)) : kms;
  const offered = [...new Set(scope.flatMap((k) => k.regions))].sort();
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      done(await api<Report>('POST', REPORTS, reportBody(d)));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="New report">
      <form class="stack" onSubmit={submit} aria-label="New report">
        <label>
          Name
          <input value={d.name} onInput={(e) => set({ name: text(e) })} required maxLength={128} />
        </label>
        <div class="field">
          <label for="rp-type">Report type</label>
          <select id="rp-type" value={d.report_type} onChange={(e) => set({ report_type: text(e) })}>
            {REPORT_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </div>
        <fieldset>
          <legend>KMS accounts (none chosen: every account you may report on)</legend>
          {kms.length === 0 && <p class="sub">No KMS account yet.</p>}
          {kms.map((k) => (
            <label class="check" key={k.id}>
              <input
                type="checkbox"
                checked={d.kms.includes(k.name)}
                onChange={(e) => {
                  const chosen = toggle(d.kms, k.name, checked(e));
                  const still = new Set(
                    kms.filter((x) => !chosen.length || chosen.includes(x.name)).flatMap((x) => x.regions),
                  );
                  set({ kms: chosen, regions: d.regions.filter((r) => still.has(r)) });
                }}
              />
              {k.name} ({k.account_id})
            </label>
          ))}
        </fieldset>
        {offered.length > 0 && (
          <fieldset>
            <legend>Regions (none chosen: all)</legend>
            <div class="columns">
              {offered.map((r) => (
                <label class="check" key={r}>
                  <input
                    type="checkbox"
                    checked={d.regions.includes(r)}
                    onChange={(e) => set({ regions: toggle(d.regions, r, checked(e)) })}
                  />
                  {r}
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <label>
          Keys created in AWS from (UTC day, optional)
          <input type="date" value={d.from} onInput={(e) => set({ from: text(e) })} max={d.to || undefined} />
        </label>
        <label>
          Keys created in AWS until (UTC day, optional)
          <input type="date" value={d.to} onInput={(e) => set({ to: text(e) })} min={d.from || undefined} />
        </label>
        {d.report_type === 'key-usage' && (
          <label>
            Unused for this many days makes a key a retirement candidate (default 90)
            <input
              type="number"
              min={1}
              max={3650}
              step={1}
              value={d.unused_days}
              onInput={(e) => set({ unused_days: text(e) })}
            />
          </label>
        )}
        {d.report_type === 'key-aging' && (
          <label>
            Imported material expiring within this many days counts as expiring (default 30)
            <input
              type="number"
              min={1}
              max={3650}
              step={1}
              value={d.expiring_days}
              onInput={(e) => set({ expiring_days: text(e) })}
            />
          </label>
        )}
        <FormActions submit="Generate report" disabled={busy} onCancel={() => done()} error={error} />
      </form>
    </Section>
  );
}

/** Asks, naming the report, then deletes it (a report still being generated is cancelled). */
export async function deleteReport(
  r: Report,
  confirm: (text: string, action: string) => Promise<boolean>,
): Promise<boolean> {
  if (!(await confirm(`Delete the report “${r.name}” and all its rows? This cannot be undone.`, 'Delete report')))
    return false;
  await api('DELETE', `${REPORTS}/${r.id}`);
  return true;
}

export function ReportsPage() {
  const q = new URLSearchParams({ limit: '50', sort: '-createdAt' });
  const list = useLoad(() => api<Page<Report>>('GET', REPORTS, undefined, q), []);
  const kms = useLoad(
    () => api<Page<Kms>>('GET', '/cckm/aws/kms', undefined, new URLSearchParams({ limit: '-1' })),
    [],
  );
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<unknown>();
  const [dialog, confirm] = useConfirm();
  const rows = list.data?.resources ?? [];
  const running = rows.some(inProgress);
  // While a report is being generated, the list follows its progress.
  useEffect(() => {
    if (!running || list.loading) return;
    const timer = setTimeout(list.reload, POLL_MS * 2);
    return () => clearTimeout(timer);
  }, [running, list.loading, list.data]);
  const remove = async (r: Report) => {
    setError(undefined);
    try {
      if (await deleteReport(r, confirm)) list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <h1>Reports</h1>
      <div class="buttons">
        <button type="button" onClick={() => setCreating(true)} disabled={!kms.data || creating}>
          New report
        </button>
      </div>
      {creating && kms.data && (
        <ReportForm
          kms={kms.data.resources}
          done={(saved) => {
            setCreating(false);
            if (saved) navigate(`/reports/${saved.id}`);
          }}
        />
      )}
      <ErrorBox error={list.error ?? kms.error ?? error} />
      <ListTable
        label="Reports"
        busy={list.loading && !list.data}
        rows={rows}
        columns={[
          ['Name', (r) => <a href={href(`/reports/${r.id}`)}>{r.name}</a>],
          ['Type', (r) => r.report_type],
          [
            'Status',
            (r) => (
              <>
                <Badge value={r.status} />
                {inProgress(r) && ` ${r.progress.percent}%`}
              </>
            ),
          ],
          ['Rows', (r) => (r.status === 'completed' ? r.row_count : '')],
          ['Created', (r) => formatDate(r.createdAt)],
          [
            'Actions',
            (r) => (
              <button type="button" onClick={() => void remove(r)}>
                Delete {r.name}
              </button>
            ),
          ],
        ]}
      />
      {dialog}
    </>
  );
}
