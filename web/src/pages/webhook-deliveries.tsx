import { useEffect, useState } from 'preact/hooks';
import { api, type Page } from '../api';
import { Badge, ErrorBox, Facts, formatDate, POLL_MS, Section, useLoad } from '../components/ui';
import { href } from '../router';
import type { Webhook, WebhookDelivery } from '../types';
import { ListTable } from './list-table';
import { WEBHOOKS } from './notifications';

const PER_PAGE = 25;
const unfinished = (d: WebhookDelivery) => d.status === 'pending' || d.status === 'running';

/** One webhook and its deliveries, newest first, followed while some are still being attempted. */
export function WebhookDeliveriesPage({ id }: { id: string }) {
  const webhook = useLoad(() => api<Webhook>('GET', `${WEBHOOKS}/${id}`), [id]);
  const [skip, setSkip] = useState(0);
  const q = new URLSearchParams({ skip: String(skip), limit: String(PER_PAGE) });
  const list = useLoad(
    () => api<Page<WebhookDelivery>>('GET', `${WEBHOOKS}/${id}/deliveries`, undefined, q),
    [id, skip],
  );
  const rows = list.data?.resources ?? [];
  const waiting = rows.some(unfinished);
  useEffect(() => {
    if (!waiting || list.loading) return;
    const timer = setTimeout(list.reload, POLL_MS * 2);
    return () => clearTimeout(timer);
  }, [waiting, list.loading, list.data]);
  const w = webhook.data;
  const total = list.data?.total ?? 0;
  return (
    <>
      <p>
        <a href={href('/notifications')}>← Notifications</a>
      </p>
      <h1>Webhook deliveries</h1>
      <ErrorBox error={webhook.error ?? list.error} />
      {w && (
        <Facts
          rows={[
            ['URL', w.url],
            ['Events', w.events.join(', ')],
            ['State', w.disabled ? 'disabled' : 'enabled'],
            ['Description', w.description ?? ''],
          ]}
        />
      )}
      <Section title="Deliveries">
        <div class="buttons">
          <button type="button" onClick={list.reload}>
            Refresh
          </button>
          {total > 0 && (
            <span class="sub">
              {skip + 1}–{skip + rows.length} of {total}
            </span>
          )}
        </div>
        <ListTable
          label="Deliveries"
          busy={list.loading && !list.data}
          rows={rows}
          columns={[
            ['Event', (d) => d.event_type],
            ['Created', (d) => formatDate(d.createdAt)],
            ['Status', (d) => <Badge value={d.status} />],
            ['Attempts', (d) => d.attempts],
            ['Response code', (d) => d.response_code ?? ''],
            ['Last error', (d) => d.last_error ?? ''],
            ['Answer (start)', (d) => d.response_excerpt ?? ''],
            [
              'Next attempt / finished',
              (d) =>
                d.finished_at ? formatDate(d.finished_at) : d.next_attempt_at ? formatDate(d.next_attempt_at) : '',
            ],
          ]}
        />
        {total > PER_PAGE && (
          <div class="pager">
            <button type="button" disabled={skip === 0} onClick={() => setSkip(Math.max(0, skip - PER_PAGE))}>
              Newer
            </button>
            <button type="button" disabled={skip + PER_PAGE >= total} onClick={() => setSkip(skip + PER_PAGE)}>
              Older
            </button>
          </div>
        )}
      </Section>
    </>
  );
}
