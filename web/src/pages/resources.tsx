import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, type Page } from '../api';
import { Badge, ErrorBox, formatDate, prettyJson, Section, useConfirm, useLoad } from '../components/ui';
import { href } from '../router';
import type { Kms, Template } from '../types';

type Row = Record<string, unknown>;

/** A table of any list of the API: one column per [label, cell] pair. */
function ListTable<T>({
  label,
  rows,
  columns,
}: {
  label: string;
  rows: T[];
  columns: [string, (r: T) => ComponentChildren][];
}) {
  if (!rows.length) return <p>None yet.</p>;
  return (
    <div class="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map(([name]) => (
              <th scope="col" key={name}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {columns.map(([name, cell]) => (
                <td key={name}>{cell(r)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function useList<T>(path: string) {
  return useLoad(() => api<Page<T>>('GET', path, undefined, new URLSearchParams({ limit: '-1' })), [path]);
}

export function KmsPage() {
  const list = useList<Kms>('/cckm/aws/kms');
  return (
    <>
      <h1>KMS accounts</h1>
      <ErrorBox error={list.error} />
      <ListTable
        label="KMS accounts"
        rows={list.data?.resources ?? []}
        columns={[
          ['Name', (k) => <a href={href('/keys', new URLSearchParams({ kms: k.name }))}>{k.name}</a>],
          ['AWS account', (k) => k.account_id],
          ['Connection', (k) => k.connection],
          ['Regions', (k) => k.regions.join(', ')],
          ['Status', (k) => <Badge value={k.status} />],
        ]}
      />
    </>
  );
}

export function ConnectionsPage() {
  const list = useList<Row>('/connectionmgmt/services/aws/connections');
  const [answers, setAnswers] = useState<Record<string, unknown>>({});
  const test = async (id: string) => {
    try {
      setAnswers((a) => ({ ...a, [id]: 'testing…' }));
      const answer = await api<unknown>('POST', `/connectionmgmt/services/aws/connections/${id}/test`, {});
      setAnswers((a) => ({ ...a, [id]: answer }));
    } catch (err) {
      setAnswers((a) => ({ ...a, [id]: err }));
    }
  };
  return (
    <>
      <h1>Connections</h1>
      <ErrorBox error={list.error} />
      <ListTable
        label="Connections"
        rows={list.data?.resources ?? []}
        columns={[
          ['Name', (c) => String(c.name)],
          ['Kind', (c) => String(c.cloud_name ?? c.service ?? '')],
          ['Created', (c) => formatDate(String(c.createdAt))],
          [
            'Test',
            (c) => {
              const a = answers[String(c.id)];
              return (
                <>
                  <button type="button" onClick={() => void test(String(c.id))}>
                    Test {String(c.name)}
                  </button>
                  {a instanceof Error ? (
                    <ErrorBox error={a} />
                  ) : (
                    a !== undefined && <pre class="answer">{prettyJson(a)}</pre>
                  )}
                </>
              );
            },
          ],
        ]}
      />
    </>
  );
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

export function UsersPage() {
  const users = useList<Row>('/usermgmt/users');
  const groups = useList<Row>('/usermgmt/groups');
  return (
    <>
      <h1>Users and groups</h1>
      <Section title="Users">
        <ErrorBox error={users.error} />
        <ListTable
          label="Users"
          rows={users.data?.resources ?? []}
          columns={[
            ['Username', (u) => String(u.username ?? u.name)],
            ['Groups', (u) => (Array.isArray(u.groups) ? u.groups.join(', ') : '')],
            ['Enabled', (u) => (u.enabled === false ? 'no' : 'yes')],
          ]}
        />
      </Section>
      <Section title="Groups">
        <ErrorBox error={groups.error} />
        <ListTable label="Groups" rows={groups.data?.resources ?? []} columns={[['Name', (g) => String(g.name)]]} />
      </Section>
    </>
  );
}
