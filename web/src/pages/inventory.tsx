import { useState } from 'preact/hooks';
import { api, type Page } from '../api';
import { Badge, BarChart, ErrorBox, formatDate, useConfirm, useLoad } from '../components/ui';
import { href, navigate } from '../router';
import { KEY_SPECS, KEY_STATES, KEY_USAGES, ORIGINS, type AwsKey, type Kms, type Template } from '../types';

/** The list filters of GET /cckm/aws/keys the inventory offers; the URL carries them under the API's own names. */
const FILTERS = [
  'kms',
  'region',
  'keystate',
  'CustomerMasterKeySpec',
  'keyusage',
  'origin',
  'custom_key_store_id',
  'multi_region',
  'policy_drift',
  'gone',
  'cckm_policy_template_id',
  'tags',
  'alias',
  'keyid',
  'arn',
  'search',
] as const;
const PAGING = ['skip', 'limit', 'sort'] as const;
const SORTS: [string, string][] = [
  ['region', 'Region'],
  ['keystate', 'State'],
  ['createdAt', 'Created'],
];

function apiQuery(params: URLSearchParams): URLSearchParams {
  const q = new URLSearchParams();
  for (const name of [...FILTERS, ...PAGING]) for (const v of params.getAll(name)) if (v) q.append(name, v);
  if (!q.has('limit')) q.set('limit', '25');
  if (!q.has('sort')) q.set('sort', '-createdAt');
  return q;
}

function Select({ name, label, options, value }: { name: string; label: string; options: string[]; value: string }) {
  return (
    <div class="field">
      <label for={`f-${name}`}>{label}</label>
      <select id={`f-${name}`} name={name}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o} selected={o === value}>
            {o}
          </option>
        ))}
      </select>
    </div>
  );
}

export function keyName(k: AwsKey): string {
  return k.aws_param.Alias?.[0] ?? k.aws_param.KeyID ?? k.id;
}

function rowClass(k: AwsKey): string {
  const soon = Date.now() + 30 * 86_400_000;
  const classes = [];
  if (k.policy_drift) classes.push('drift');
  if (k.aws_param.KeyState === 'PendingDeletion') classes.push('pending-deletion');
  if (k.aws_param.ValidTo && Date.parse(k.aws_param.ValidTo) < soon) classes.push('expiring');
  if (k.gone) classes.push('gone');
  return classes.join(' ');
}

interface KeyStats {
  total: number;
  counts: { value: string | null; count: number }[];
}

/** Counts by state and by region of the keys the current filters match: one stats request each. */
function Charts({ query }: { query: URLSearchParams }) {
  const filters = new URLSearchParams(query);
  for (const name of PAGING) filters.delete(name);
  const key = filters.toString();
  const counts = useLoad(
    async (signal) => {
      const by = async (group: string) => {
        const q = new URLSearchParams(filters);
        q.set('group_by', group);
        const stats = await api<KeyStats>('GET', '/cckm/aws/keys/stats', undefined, q, signal);
        return stats.counts.map((c) => [c.value ?? 'unknown', c.count] as [string, number]);
      };
      const [states, regions] = await Promise.all([by('state'), by('region')]);
      return { states, regions };
    },
    [key],
  );
  if (!counts.data) return counts.error ? <ErrorBox error={counts.error} /> : <p class="sub">Counting keys…</p>;
  return (
    <div class="charts">
      <BarChart
        title="Keys by state"
        data={counts.data.states}
        link={(s) => href('/keys', s === 'unknown' ? undefined : new URLSearchParams({ keystate: s }))}
      />
      <BarChart
        title="Keys by region"
        data={counts.data.regions}
        link={(r) => href('/keys', new URLSearchParams({ region: r }))}
      />
    </div>
  );
}

function BulkBar({ selected, keys, done }: { selected: Set<string>; keys: AwsKey[]; done: () => void }) {
  const [error, setError] = useState<unknown>();
  const [dialog, confirm] = useConfirm();
  const run = async (operation: string, label: string) => {
    const names = keys.filter((k) => selected.has(k.id)).map(keyName);
    const ok = await confirm(`${label} ${names.length} key(s): ${names.join(', ')}?`, label);
    if (!ok) return;
    try {
      const job = await api<{ id: string }>('POST', '/cckm/aws/bulkjob', {
        keys: [...selected],
        operation,
        ...(operation === 'schedulekeydeletion' ? { days: 30 } : {}),
      });
      done();
      navigate(`/jobs/bulk/${job.id}`);
    } catch (err) {
      setError(err);
    }
  };
  if (!selected.size) return null;
  return (
    <div class="bulk" role="region" aria-label="Bulk actions">
      <span>{selected.size} selected</span>
      <button type="button" onClick={() => void run('enablekey', 'Enable')}>
        Enable
      </button>
      <button type="button" onClick={() => void run('disablekey', 'Disable')}>
        Disable
      </button>
      <button type="button" onClick={() => void run('cancelkeydeletion', 'Cancel deletion of')}>
        Cancel deletion
      </button>
      <button
        type="button"
        class="danger"
        onClick={() => void run('schedulekeydeletion', 'Schedule deletion (30 days) of')}
      >
        Schedule deletion
      </button>
      <ErrorBox error={error} />
      {dialog}
    </div>
  );
}

export function InventoryPage({ params }: { params: URLSearchParams }) {
  const query = apiQuery(params);
  const key = query.toString();
  const options = useLoad(async () => {
    const all = new URLSearchParams({ limit: '-1' });
    const [kms, templates, stores] = await Promise.all([
      api<Page<Kms>>('GET', '/cckm/aws/kms', undefined, all),
      api<Page<Template>>('GET', '/cckm/aws/templates', undefined, all),
      api<Page<{ name: string; aws_param?: { custom_key_store_id?: string } }>>(
        'GET',
        '/cckm/aws/custom-key-stores',
        undefined,
        all,
      ),
    ]);
    // Only stores AWS knows (linked) have an id keys can be in.
    const linked = stores.resources.flatMap((s) =>
      s.aws_param?.custom_key_store_id ? [{ id: s.aws_param.custom_key_store_id, name: s.name }] : [],
    );
    return { kms: kms.resources, templates: templates.resources, stores: linked };
  }, []);
  const page = useLoad((signal) => api<Page<AwsKey>>('GET', '/cckm/aws/keys', undefined, query, signal), [key]);
  const [selected, setSelected] = useState(new Set<string>());

  const apply = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const next = new URLSearchParams();
    for (const [name, value] of form) {
      const v = String(value).trim();
      if (!v) continue;
      next.append(name, v);
    }
    for (const name of ['limit', 'sort']) if (params.get(name)) next.set(name, params.get(name)!);
    navigate('/keys', next);
  };
  const go = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes))
      if (v === undefined) next.delete(k);
      else next.set(k, v);
    navigate('/keys', next);
  };
  const sortBy = (field: string) => {
    const current = query.get('sort');
    go({ sort: current === field ? `-${field}` : field, skip: undefined });
  };
  const skip = Number(query.get('skip') ?? 0);
  const limit = Number(query.get('limit'));
  const total = page.data?.total ?? 0;
  const search = params.get('search') ?? '';
  const kms = options.data?.kms ?? [];
  const regions = [...new Set(kms.flatMap((k) => k.regions))].sort();
  const v = (name: string) => params.get(name) ?? '';

  return (
    <>
      <h1>Key inventory</h1>
      <Charts query={query} />
      <form class="filters" onSubmit={apply} aria-label="Filters" key={key}>
        <label class="search">
          Search alias, key id, ARN or description
          <input name="search" type="search" defaultValue={search} maxLength={128} />
        </label>
        <Select name="kms" label="KMS account" options={kms.map((k) => k.name)} value={v('kms')} />
        <Select name="region" label="Region" options={regions} value={v('region')} />
        <Select name="keystate" label="State" options={[...KEY_STATES]} value={v('keystate')} />
        <Select
          name="CustomerMasterKeySpec"
          label="Key spec"
          options={[...KEY_SPECS]}
          value={v('CustomerMasterKeySpec')}
        />
        <Select name="keyusage" label="Usage" options={[...KEY_USAGES]} value={v('keyusage')} />
        <Select name="origin" label="Origin" options={[...ORIGINS]} value={v('origin')} />
        <div class="field">
          <label for="f-store">Custom key store</label>
          <select id="f-store" name="custom_key_store_id">
            <option value="">any</option>
            {(options.data?.stores ?? []).map((s) => (
              <option key={s.id} value={s.id} selected={s.id === v('custom_key_store_id')}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <Select name="multi_region" label="Multi-Region" options={['true', 'false']} value={v('multi_region')} />
        <Select name="policy_drift" label="Policy drift" options={['true', 'false']} value={v('policy_drift')} />
        <Select name="gone" label="Gone from AWS" options={['true', 'false']} value={v('gone')} />
        <div class="field">
          <label for="f-template">Template</label>
          <select id="f-template" name="cckm_policy_template_id">
            <option value="">any</option>
            {(options.data?.templates ?? []).map((t) => (
              <option key={t.id} value={t.id} selected={t.id === v('cckm_policy_template_id')}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <label>
          Tag (key or key=value)
          <input name="tags" defaultValue={v('tags')} maxLength={256} />
        </label>
        <div class="buttons">
          <button type="submit">Apply filters</button>
          <a href={href('/keys')}>Clear</a>
        </div>
      </form>
      <ErrorBox error={page.error ?? options.error} />
      <BulkBar selected={selected} keys={page.data?.resources ?? []} done={() => setSelected(new Set())} />
      <div class="table-wrap">
        <table class="keys" aria-busy={page.loading}>
          <caption>
            {page.data ? `${total === 0 ? 0 : skip + 1}–${Math.min(skip + limit, total)} of ${total} keys` : 'Loading…'}
          </caption>
          <thead>
            <tr>
              <th scope="col">
                <span class="sr-only">Select</span>
              </th>
              <th scope="col">Key</th>
              <th scope="col" class="wide">
                KMS account
              </th>
              {SORTS.map(([field, label]) => {
                const s = query.get('sort');
                const sort = s === field ? 'ascending' : s === `-${field}` ? 'descending' : undefined;
                return (
                  <th scope="col" key={field} aria-sort={sort} class={field === 'createdAt' ? 'wide' : undefined}>
                    <button type="button" class="sort" onClick={() => sortBy(field)}>
                      {label} {sort === 'ascending' ? '▲' : sort === 'descending' ? '▼' : ''}
                    </button>
                  </th>
                );
              })}
              <th scope="col" class="wide">
                Spec / usage
              </th>
              <th scope="col">Notes</th>
            </tr>
          </thead>
          <tbody>
            {(page.data?.resources ?? []).map((k) => (
              <tr key={k.id} class={rowClass(k)}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${keyName(k)}`}
                    checked={selected.has(k.id)}
                    onChange={(e) => {
                      const next = new Set(selected);
                      if ((e.currentTarget as HTMLInputElement).checked) next.add(k.id);
                      else next.delete(k.id);
                      setSelected(next);
                    }}
                  />
                </td>
                <td>
                  <a href={href(`/keys/${k.id}`)}>{keyName(k)}</a>
                  <div class="sub">{k.aws_param.KeyID}</div>
                  {k.aws_param.Description && <div class="sub description">{k.aws_param.Description}</div>}
                </td>
                <td class="wide">{k.kms}</td>
                <td>{k.region}</td>
                <td>
                  <Badge value={k.aws_param.KeyState} />
                </td>
                <td class="wide">{formatDate(k.createdAt)}</td>
                <td class="wide">
                  {k.aws_param.KeySpec}
                  <div class="sub">{k.aws_param.KeyUsage}</div>
                </td>
                <td>
                  {k.policy_drift && <span class="flag drift">policy drift</span>}
                  {k.aws_param.KeyState === 'PendingDeletion' && (
                    <span class="flag danger">deletes {formatDate(k.aws_param.DeletionDate)}</span>
                  )}
                  {k.aws_param.ValidTo && (
                    <span class="flag warn">material expires {formatDate(k.aws_param.ValidTo)}</span>
                  )}
                  {k.gone && <span class="flag muted">gone</span>}
                  {k.aws_param.MultiRegion && <span class="flag">multi-Region</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={skip === 0} onClick={() => go({ skip: String(Math.max(0, skip - limit)) })}>
          Previous page
        </button>
        <button type="button" disabled={skip + limit >= total} onClick={() => go({ skip: String(skip + limit) })}>
          Next page
        </button>
        <div class="field">
          <label for="f-per-page">Per page</label>
          <select
            id="f-per-page"
            value={String(limit)}
            onChange={(e) => go({ limit: (e.currentTarget as HTMLSelectElement).value, skip: undefined })}
          >
            {['10', '25', '50', '100'].map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </div>
      </nav>
    </>
  );
}
