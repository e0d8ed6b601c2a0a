import { useState } from 'preact/hooks';
import { api, type Page } from '../api';
import { Badge, ErrorBox, formatDate, prettyJson, Section, useConfirm, useLoad } from '../components/ui';
import { href } from '../router';
import type { Template } from '../types';
import { ListTable } from './list-table';

type Row = Record<string, unknown>;

function useList<T>(path: string) {
  return useLoad(() => api<Page<T>>('GET', path, undefined, new URLSearchParams({ limit: '-1' })), [path]);
}

export function TemplatesPage() {
  const list = useList<Template>('/cckm/aws/templates');
  const [editing, setEditing] = useState<Template>();
  return (
    <>
      <h1>Policy templates</h1>
      <ErrorBox error={list.error} />
      <ListTable
        label="Policy templates"
        rows={list.data?.resources ?? []}
        columns={[
          ['Name', (t) => t.name],
          ['KMS account', (t) => t.kms],
          [
            'Keys',
            (t) => (
              <a href={href('/keys', new URLSearchParams({ cckm_policy_template_id: t.id }))}>{t.keys_count} keys</a>
            ),
          ],
          ['Updated', (t) => formatDate(t.updatedAt)],
          [
            'Edit',
            (t) => (
              <button type="button" onClick={() => setEditing(t)}>
                Edit {t.name}
              </button>
            ),
          ],
        ]}
      />
      {editing && <TemplateEditor key={editing.id} t={editing} onSaved={list.reload} />}
    </>
  );
}

/** The template's policy as JSON, checked as the user types; saving may push it to the keys that use it. */
function TemplateEditor({ t, onSaved }: { t: Template; onSaved: () => void }) {
  const [text, setText] = useState(prettyJson(t.policy));
  // A template keys were made with (verified) changes only together with a push to those keys.
  const [push, setPush] = useState(t.is_verified);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  let parsed: unknown;
  let parseError: string | undefined;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    parseError = (err as Error).message;
  }
  const save = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setSaved(false);
    try {
      await api('PATCH', `/cckm/aws/templates/${t.id}`, { policy: parsed, ...(push ? { auto_push: true } : {}) });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Section title={`Edit template ${t.name}`}>
      <form onSubmit={save} class="template-editor">
        <label>
          Policy JSON
          <textarea rows={16} value={text} onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} />
        </label>
        <div>
          <h3>Preview</h3>
          {parseError ? <p class="error">Not JSON: {parseError}</p> : <pre class="policy">{prettyJson(parsed)}</pre>}
        </div>
        <label class="check">
          <input
            type="checkbox"
            checked={push}
            disabled={t.is_verified}
            onChange={(e) => setPush((e.currentTarget as HTMLInputElement).checked)}
          />
          Push to the {t.keys_count} keys that use it{t.is_verified ? ' (required: keys were made with it)' : ''}
        </label>
        <button type="submit" disabled={!!parseError}>
          Save template
        </button>
        {saved && <p role="status">Template saved.</p>}
        <ErrorBox error={error} />
      </form>
    </Section>
  );
}

export function KeyStoresPage() {
  const list = useList<Row & { aws_param: Row }>('/cckm/aws/custom-key-stores');
  const [error, setError] = useState<unknown>();
  const [dialog, confirm] = useConfirm();
  const act = async (s: Row, action: 'connect' | 'disconnect') => {
    if (
      action === 'disconnect' &&
      !(await confirm(`Disconnect key store ${String(s.name)}? Its keys become unusable.`, 'Disconnect'))
    )
      return;
    try {
      setError(undefined);
      await api('POST', `/cckm/aws/custom-key-stores/${String(s.id)}/${action}`, {});
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <h1>Custom key stores</h1>
      <ErrorBox error={list.error ?? error} />
      <ListTable
        label="Custom key stores"
        rows={list.data?.resources ?? []}
        columns={[
          ['Name', (s) => String(s.name)],
          ['Type', (s) => String(s.aws_param.custom_key_store_type)],
          ['Region', (s) => String(s.region)],
          ['State', (s) => <Badge value={s.aws_param.connection_state as string | null} />],
          [
            'Actions',
            (s) =>
              s.aws_param.connection_state === 'CONNECTED' ? (
                <button type="button" onClick={() => void act(s, 'disconnect')}>
                  Disconnect
                </button>
              ) : (
                <button type="button" onClick={() => void act(s, 'connect')}>
                  Connect
                </button>
              ),
          ],
        ]}
      />
      {dialog}
    </>
  );
}
