import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Page } from '../api';
import { Badge, ErrorBox, FormActions, formatDate, Section, useConfirm, useLoad } from '../components/ui';
import { href } from '../router';
import { WEBHOOK_EVENTS, type Webhook, type WebhookCreated } from '../types';
import { ListTable } from './list-table';

export const WEBHOOKS = '/cckm/notifications/webhooks';

interface Draft {
  url: string;
  description: string;
  events: string[];
  disabled: boolean;
  secret: string;
}

function draftOf(w: Webhook | undefined): Draft {
  return {
    url: w?.url ?? '',
    description: w?.description ?? '',
    events: w?.events ?? [],
    disabled: w?.disabled ?? false,
    secret: '',
  };
}

/**
 * The WebhookCreate body, or for an edit the WebhookUpdate body of the fields the user
 * changed (an empty description clears it; an empty secret keeps the current one).
 */
function webhookBody(d: Draft, old: Webhook | undefined): Record<string, unknown> {
  const url = d.url.trim();
  const description = d.description.trim();
  if (!old)
    return {
      url,
      events: d.events,
      disabled: d.disabled,
      ...(description ? { description } : {}),
      ...(d.secret ? { secret: d.secret } : {}),
    };
  const sameEvents = d.events.length === old.events.length && d.events.every((e) => old.events.includes(e));
  return {
    ...(url !== old.url ? { url } : {}),
    ...(!sameEvents ? { events: d.events } : {}),
    ...(d.disabled !== old.disabled ? { disabled: d.disabled } : {}),
    ...(description !== (old.description ?? '') ? { description } : {}),
    ...(d.secret ? { secret: d.secret } : {}),
  };
}

function WebhookForm({ webhook, done }: { webhook?: Webhook; done: (saved?: Webhook | WebhookCreated) => void }) {
  const [d, setD] = useState(() => draftOf(webhook));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<Draft>) => setD((old) => ({ ...old, ...patch }));
  const text = (e: Event) => (e.currentTarget as HTMLInputElement).value;
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const body = webhookBody(d, webhook);
    if (webhook && !Object.keys(body).length) return done();
    setBusy(true);
    try {
      done(
        webhook
          ? await api<Webhook>('PATCH', `${WEBHOOKS}/${webhook.id}`, body)
          : await api<WebhookCreated>('POST', WEBHOOKS, body),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const title = webhook ? `Edit webhook ${webhook.url}` : 'New webhook';
  return (
    <Section title={webhook ? 'Edit webhook' : 'New webhook'}>
      <form class="stack" onSubmit={submit} aria-label={title}>
        <label>
          URL (http or https; events are POSTed to it)
          <input
            type="url"
            value={d.url}
            onInput={(e) => set({ url: text(e) })}
            required
            maxLength={2048}
            autoComplete="off"
          />
        </label>
        <label>
          Description
          <input value={d.description} onInput={(e) => set({ description: text(e) })} maxLength={256} />
        </label>
        <fieldset>
          <legend>Events (at least one)</legend>
          <div class="columns">
            {WEBHOOK_EVENTS.map((ev) => (
              <label class="check" key={ev}>
                <input
                  type="checkbox"
                  checked={d.events.includes(ev)}
                  onChange={(e) => {
                    const rest = d.events.filter((x) => x !== ev);
                    set({ events: (e.currentTarget as HTMLInputElement).checked ? [...rest, ev] : rest });
                  }}
                />
                {ev}
              </label>
            ))}
          </div>
        </fieldset>
        <label class="check">
          <input
            type="checkbox"
            checked={d.disabled}
            onChange={(e) => set({ disabled: (e.currentTarget as HTMLInputElement).checked })}
          />
          Disabled (no deliveries)
        </label>
        <label>
          {webhook ? 'New signing secret (empty: keep the current one)' : 'Signing secret (empty: one is generated)'}
          <span class="sub"> 16 to 256 printable characters, no spaces</span>
          <input
            type="password"
            autoComplete="new-password"
            value={d.secret}
            onInput={(e) => set({ secret: text(e) })}
            minLength={16}
            maxLength={256}
            pattern="[!-~]+"
          />
        </label>
        <FormActions
          submit={webhook ? 'Save changes' : 'Create webhook'}
          disabled={busy || !d.events.length}
          onCancel={() => done()}
          error={error}
        />
      </form>
    </Section>
  );
}

/**
 * The signing secret of a webhook just created: the API answers it this once, so the
 * console shows it until the user dismisses it or leaves the page, and keeps it nowhere else.
 */
function OneTimeSecret({ webhook, dismiss }: { webhook: WebhookCreated; dismiss: () => void }) {
  const [copied, setCopied] = useState<string>();
  const field = useRef<HTMLInputElement>(null);
  // Focus (and so select) the secret at once: a keyboard user can copy it with one keystroke.
  useEffect(() => field.current?.focus(), []);
  const copy = () =>
    navigator.clipboard
      .writeText(webhook.secret)
      .then(() => setCopied('Copied to the clipboard.'))
      .catch(() => setCopied('The browser refused the clipboard: select the secret and copy it.'));
  return (
    <section class="card secret" aria-labelledby="secret-title">
      <h2 id="secret-title">Signing secret of the new webhook</h2>
      <p>
        <strong>Copy it now: it is shown this once and never again.</strong> The receiver at {webhook.url} needs it to
        check the X-Opencckm-Signature of each delivery. If it is lost, set a new secret by editing the webhook.
      </p>
      <label>
        Secret
        <input ref={field} class="mono" readOnly value={webhook.secret} onFocus={(e) => e.currentTarget.select()} />
      </label>
      <div class="buttons">
        <button type="button" onClick={() => void copy()}>
          Copy secret
        </button>
        <button type="button" onClick={dismiss}>
          I have stored it
        </button>
        <span role="status">{copied}</span>
      </div>
    </section>
  );
}

export function NotificationsPage() {
  const list = useLoad(() => api<Page<Webhook>>('GET', WEBHOOKS, undefined, new URLSearchParams({ limit: '-1' })), []);
  const [form, setForm] = useState<Webhook | 'new'>();
  const [created, setCreated] = useState<WebhookCreated>();
  const [error, setError] = useState<unknown>();
  const [dialog, confirm] = useConfirm();
  const remove = async (w: Webhook) => {
    setError(undefined);
    const ok = await confirm(
      `Delete the webhook to “${w.url}”? Its deliveries are deleted and pending ones are never sent.`,
      'Delete webhook',
    );
    if (!ok) return;
    try {
      await api('DELETE', `${WEBHOOKS}/${w.id}`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <h1>Notifications</h1>
      <p class="sub">Webhooks: the events of your account POSTed, signed, to URLs of your choosing.</p>
      <div class="buttons">
        <button type="button" onClick={() => (setCreated(undefined), setForm('new'))}>
          New webhook
        </button>
      </div>
      {created && <OneTimeSecret webhook={created} dismiss={() => setCreated(undefined)} />}
      {form && (
        <WebhookForm
          key={form === 'new' ? 'new' : form.id}
          {...(form === 'new' ? {} : { webhook: form })}
          done={(saved) => {
            setForm(undefined);
            if (saved && 'secret' in saved) setCreated(saved);
            if (saved) list.reload();
          }}
        />
      )}
      <ErrorBox error={list.error ?? error} />
      <ListTable
        label="Webhooks"
        busy={list.loading}
        rows={list.data?.resources ?? []}
        columns={[
          ['URL', (w) => <span class="mono cell-wide">{w.url}</span>],
          ['Description', (w) => w.description ?? ''],
          ['Events', (w) => <span class="cell-wide">{w.events.join(', ')}</span>],
          ['State', (w) => <Badge value={w.disabled ? 'disabled' : 'enabled'} />],
          ['Created', (w) => formatDate(w.createdAt)],
          [
            'Actions',
            (w) => (
              <div class="buttons">
                {/* Each name ends with the URL, so the buttons of different webhooks tell apart. */}
                <a href={href(`/notifications/${w.id}`)} aria-label={`Deliveries of ${w.url}`}>
                  Deliveries
                </a>
                <button type="button" onClick={() => setForm(w)} aria-label={`Edit ${w.url}`}>
                  Edit
                </button>
                <button type="button" onClick={() => void remove(w)} aria-label={`Delete ${w.url}`}>
                  Delete
                </button>
              </div>
            ),
          ],
        ]}
      />
      {dialog}
    </>
  );
}
