import { api, type Page } from '../api';
import { ErrorBox, formatDate, useLoad } from '../components/ui';
import { href, navigate } from '../router';
import type { AuditRecord } from '../types';

const FILTERS = ['actor', 'action', 'resource_type', 'resource_id', 'result', 'request_id'] as const;

/** The audit trail of the caller's account, newest first, filtered through the URL. */
export function AuditPage({ params }: { params: URLSearchParams }) {
  const q = new URLSearchParams({ limit: '25', sort: '-at' });
  for (const name of [...FILTERS, 'skip']) if (params.get(name)) q.set(name, params.get(name)!);
  const key = q.toString();
  const page = useLoad(() => api<Page<AuditRecord>>('GET', '/audit/records', undefined, q), [key]);
  const skip = Number(q.get('skip') ?? 0);
  const total = page.data?.total ?? 0;
  const apply = (e: Event) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of new FormData(e.currentTarget as HTMLFormElement))
      if (String(value).trim()) next.set(name, String(value).trim());
    navigate('/audit', next);
  };
  const to = (s: number) => {
    const next = new URLSearchParams(params);
    next.set('skip', String(s));
    navigate('/audit', next);
  };
  return (
    <>
      <h1>Audit trail</h1>
      <form class="filters" onSubmit={apply} aria-label="Audit filters" key={key}>
        {FILTERS.map((name) => (
          <label key={name}>
            {name.replace('_', ' ')}
            <input name={name} defaultValue={params.get(name) ?? ''} maxLength={256} />
          </label>
        ))}
        <div class="buttons">
          <button type="submit">Apply filters</button>
          <a href={href('/audit')}>Clear</a>
        </div>
      </form>
      <ErrorBox error={page.error} />
      <div class="table-wrap">
        <table aria-busy={page.loading}>
          <caption>{page.data ? `${total} records` : 'Loading…'}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Resource</th>
              <th scope="col">Result</th>
              <th scope="col">Request ID</th>
            </tr>
          </thead>
          <tbody>
            {(page.data?.resources ?? []).map((r) => (
              <tr key={r.id}>
                <td>{formatDate(r.at)}</td>
                <td>{r.actor}</td>
                <td>{r.action}</td>
                <td>
                  {r.resource_type === 'aws-key' && r.resource_id ? (
                    <a href={href(`/keys/${r.resource_id}`)}>aws-key {r.resource_id}</a>
                  ) : (
                    `${r.resource_type} ${r.resource_id ?? ''}`
                  )}
                </td>
                <td>
                  {r.result} ({r.status_code})
                </td>
                <td>
                  <code>{r.request_id}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={skip === 0} onClick={() => to(Math.max(0, skip - 25))}>
          Previous page
        </button>
        <button type="button" disabled={skip + 25 >= total} onClick={() => to(skip + 25)}>
          Next page
        </button>
      </nav>
    </>
  );
}
