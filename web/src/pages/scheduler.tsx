import { useState } from 'preact/hooks';
import { api, type Page } from '../api';
import { Badge, ErrorBox, FormActions, formatDate, Section, useLoad } from '../components/ui';
import { href, navigate } from '../router';
import type { JobConfig, JobConfigRun, Kms } from '../types';
import { ListTable } from './list-table';

export const CONFIGS = '/scheduler/job-configs';
const OPERATIONS = ['cckm_key_rotation', 'cckm_synchronization', 'cckm_xks_credential_rotation'] as const;
const DURATION = '[1-9][0-9]{0,4}[dh]';

interface Draft {
  name: string;
  description: string;
  operation: string;
  run_at: string;
  time_zone: string;
  disabled: boolean;
  cloud_name: string;
  expiration: string;
  expire_in: string;
  rotation_after: string;
  synchronize_all: boolean;
  kms: string[];
  regions: string;
}

function draftOf(c: JobConfig | undefined): Draft {
  const r = c?.cckm_key_rotation_params;
  const s = c?.cckm_synchronization_params;
  return {
    name: c?.name ?? '',
    description: c?.description ?? '',
    operation: c?.operation ?? 'cckm_key_rotation',
    run_at: c?.run_at ?? '0 3 * * *',
    time_zone: c?.time_zone ?? 'UTC',
    disabled: c?.disabled ?? false,
    cloud_name: r?.cloud_name ?? 'aws',
    expiration: r?.expiration ?? '',
    expire_in: r?.expire_in ?? '',
    rotation_after: r?.rotation_after ?? '',
    synchronize_all: s ? s.synchronize_all === true : true,
    kms: s?.kms ?? [],
    regions: (s?.regions ?? []).join(', '),
  };
}

/** The JobConfigCreate/Update body (openapi/cckm.yaml): the operation's own params only. */
function jobConfigBody(d: Draft): Record<string, unknown> {
  const opt = (name: string, v: string) => (v.trim() ? { [name]: v.trim() } : {});
  const params =
    d.operation === 'cckm_key_rotation'
      ? {
          cckm_key_rotation_params: {
            cloud_name: d.cloud_name,
            ...opt('expiration', d.expiration),
            ...opt('expire_in', d.expire_in),
            ...opt('rotation_after', d.rotation_after),
          },
        }
      : d.operation === 'cckm_synchronization'
        ? {
            cckm_synchronization_params: d.synchronize_all
              ? { synchronize_all: true }
              : {
                  kms: d.kms,
                  ...(d.regions.trim()
                    ? {
                        regions: d.regions
                          .split(',')
                          .map((r) => r.trim())
                          .filter(Boolean),
                      }
                    : {}),
                },
          }
        : {};
  return {
    name: d.name.trim(),
    ...opt('description', d.description),
    operation: d.operation,
    run_at: d.run_at.trim(),
    ...opt('time_zone', d.time_zone),
    disabled: d.disabled,
    ...params,
  };
}

function JobConfigForm({ config, kms, done }: { config?: JobConfig; kms: Kms[]; done: (saved?: JobConfig) => void }) {
  const [d, setD] = useState(() => draftOf(config));
  const [error, setError] = useState<unknown>();
  const set = (patch: Partial<Draft>) => setD((old) => ({ ...old, ...patch }));
  const text = (e: Event) => (e.currentTarget as HTMLInputElement).value;
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const body = jobConfigBody(d);
      done(
        config
          ? await api<JobConfig>('PATCH', `${CONFIGS}/${config.id}`, body)
          : await api<JobConfig>('POST', CONFIGS, body),
      );
    } catch (err) {
      setError(err);
    }
  };
  const title = config ? `Edit job ${config.name}` : 'New scheduled job';
  return (
    <Section title={title}>
      <form class="stack" onSubmit={submit} aria-label={title}>
        <label>
          Name
          <input value={d.name} onInput={(e) => set({ name: text(e) })} required maxLength={128} />
        </label>
        <label>
          Description
          <input value={d.description} onInput={(e) => set({ description: text(e) })} maxLength={256} />
        </label>
        <div class="field">
          <label for="sj-operation">Operation</label>
          <select id="sj-operation" value={d.operation} onChange={(e) => set({ operation: text(e) })}>
            {OPERATIONS.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </div>
        <label>
          Schedule (cron: minute hour day month weekday)
          <input value={d.run_at} onInput={(e) => set({ run_at: text(e) })} required maxLength={200} />
        </label>
        <label>
          Time zone
          <input value={d.time_zone} onInput={(e) => set({ time_zone: text(e) })} maxLength={64} />
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={d.disabled}
            onChange={(e) => set({ disabled: (e.currentTarget as HTMLInputElement).checked })}
          />
          Disabled (no scheduled runs)
        </label>
        {d.operation === 'cckm_key_rotation' && (
          <fieldset>
            <legend>Rotation</legend>
            <div class="field">
              <label for="sj-cloud">Partition</label>
              <select id="sj-cloud" value={d.cloud_name} onChange={(e) => set({ cloud_name: text(e) })}>
                {['aws', 'aws-us-gov', 'aws-cn'].map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            </div>
            {(
              [
                ['rotation_after', 'Rotate keys last rotated at least this long ago (30d, 12h)'],
                ['expire_in', 'Rotate keys whose material expires within (30d)'],
                ['expiration', 'New imported material valid for (BYOK, 365d)'],
              ] as const
            ).map(([name, label]) => (
              <label key={name}>
                {label}
                <input value={d[name]} onInput={(e) => set({ [name]: text(e) })} maxLength={6} pattern={DURATION} />
              </label>
            ))}
          </fieldset>
        )}
        {d.operation === 'cckm_synchronization' && (
          <fieldset>
            <legend>Synchronization</legend>
            <label class="check">
              <input
                type="checkbox"
                checked={d.synchronize_all}
                onChange={(e) => set({ synchronize_all: (e.currentTarget as HTMLInputElement).checked })}
              />
              Every KMS account and region
            </label>
            {!d.synchronize_all &&
              kms.map((k) => (
                <label class="check" key={k.id}>
                  <input
                    type="checkbox"
                    checked={d.kms.includes(k.name)}
                    onChange={(e) => {
                      const rest = d.kms.filter((n) => n !== k.name);
                      set({ kms: (e.currentTarget as HTMLInputElement).checked ? [...rest, k.name] : rest });
                    }}
                  />
                  {k.name}
                </label>
              ))}
            {!d.synchronize_all && (
              <label>
                Regions (comma-separated; empty: all of theirs)
                <input value={d.regions} onInput={(e) => set({ regions: text(e) })} maxLength={2048} />
              </label>
            )}
          </fieldset>
        )}
        <FormActions submit={config ? 'Save changes' : 'Create job'} onCancel={() => done()} error={error} />
      </form>
    </Section>
  );
}

async function runNow(id: string): Promise<void> {
  const run = await api<JobConfigRun>('POST', `${CONFIGS}/${id}/run-now`, {});
  navigate(`/scheduler/${id}/runs/${run.id}`);
}

export function SchedulerPage() {
  const all = new URLSearchParams({ limit: '-1' });
  const list = useLoad(() => api<Page<JobConfig>>('GET', CONFIGS, undefined, all), []);
  const kms = useLoad(() => api<Page<Kms>>('GET', '/cckm/aws/kms', undefined, all), []);
  const [form, setForm] = useState<JobConfig | 'new'>();
  const [error, setError] = useState<unknown>();
  return (
    <>
      <h1>Scheduled jobs</h1>
      <div class="buttons">
        <button type="button" onClick={() => setForm('new')} disabled={!kms.data}>
          New scheduled job
        </button>
      </div>
      {form && kms.data && (
        <JobConfigForm
          key={form === 'new' ? 'new' : form.id}
          {...(form === 'new' ? {} : { config: form })}
          kms={kms.data.resources}
          done={(saved) => {
            setForm(undefined);
            if (saved) list.reload();
          }}
        />
      )}
      <ErrorBox error={list.error ?? kms.error ?? error} />
      <ListTable
        label="Scheduled jobs"
        busy={list.loading}
        rows={list.data?.resources ?? []}
        columns={[
          ['Name', (c) => <a href={href(`/scheduler/${c.id}`)}>{c.name}</a>],
          ['Operation', (c) => c.operation],
          ['Schedule', (c) => `${c.run_at} (${c.time_zone})`],
          ['Next run', (c) => (c.disabled ? <Badge value="disabled" /> : formatDate(c.next_run_at))],
          ['Last run', (c) => formatDate(c.last_run_at)],
          [
            'Actions',
            (c) => (
              <>
                <button type="button" onClick={() => setForm(c)} disabled={!kms.data}>
                  Edit {c.name}
                </button>{' '}
                <button type="button" onClick={() => runNow(c.id).catch(setError)}>
                  Run {c.name} now
                </button>
              </>
            ),
          ],
        ]}
      />
    </>
  );
}
