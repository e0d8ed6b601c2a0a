import { useState } from 'preact/hooks';
import { api, type Page } from '../api';
import { ResourceForm, type FieldSpec } from '../components/resource-form';
import { Badge, ErrorBox, formatDate, prettyJson, useLoad } from '../components/ui';
import { ListTable } from './list-table';

const PATH = '/connectionmgmt/services/aws/connections';
type Row = Record<string, unknown>;

/** The fields of AwsConnectionCreate/Update (openapi/cckm.yaml); the secret is write-only. */
const FIELDS: FieldSpec[] = [
  {
    name: 'name',
    label: 'Name',
    required: true,
    createOnly: true,
    maxLength: 64,
    pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}',
  },
  { name: 'description', label: 'Description', maxLength: 256 },
  { name: 'provider', label: 'Provider', type: 'select', options: ['aws', 'emulator'], required: true },
  { name: 'cloud_name', label: 'Partition', type: 'select', options: ['aws', 'aws-us-gov', 'aws-cn'], required: true },
  { name: 'access_key_id', label: 'Access key id', maxLength: 128 },
  {
    name: 'secret_access_key',
    label: 'Secret access key',
    type: 'password',
    maxLength: 128,
    hint: '(never shown again; leave empty to keep)',
  },
  { name: 'assume_role_arn', label: 'Role to assume (ARN)', maxLength: 2048 },
  { name: 'assume_role_external_id', label: 'External id for the role', maxLength: 1224 },
  { name: 'aws_region', label: 'STS region', maxLength: 64 },
  {
    name: 'aws_sts_regional_endpoints',
    label: 'STS endpoints',
    type: 'select',
    options: ['legacy', 'regional'],
    required: true,
  },
  { name: 'endpoint_url', label: 'Endpoint URL (emulator or private endpoint)', maxLength: 2048 },
];

const DEFAULTS = { provider: 'aws', cloud_name: 'aws', aws_sts_regional_endpoints: 'legacy' };

/** The answer of POST …/{id}/test, as the user needs it. */
function TestAnswer({ answer }: { answer: unknown }) {
  if (answer === 'testing') return <p role="status">Testing…</p>;
  if (answer instanceof Error) return <ErrorBox error={answer} />;
  const a = answer as { connection_ok?: boolean; connection_error?: string; account_id?: string; arn?: string };
  return (
    <div role="status" class="answer">
      <Badge value={a.connection_ok ? 'connected' : 'failed'} />{' '}
      {a.connection_ok ? `account ${a.account_id ?? '?'} as ${a.arn ?? '?'}` : a.connection_error}
      <details>
        <summary>Answer</summary>
        <pre>{prettyJson(answer)}</pre>
      </details>
    </div>
  );
}

export function ConnectionsPage() {
  const list = useLoad(() => api<Page<Row>>('GET', PATH, undefined, new URLSearchParams({ limit: '-1' })), []);
  const [form, setForm] = useState<Row | 'new'>();
  const [answers, setAnswers] = useState<Record<string, unknown>>({});
  const test = async (id: string) => {
    setAnswers((a) => ({ ...a, [id]: 'testing' }));
    try {
      const answer = await api<unknown>('POST', `${PATH}/${id}/test`, {});
      setAnswers((a) => ({ ...a, [id]: answer }));
      list.reload();
    } catch (err) {
      setAnswers((a) => ({ ...a, [id]: err }));
    }
  };
  return (
    <>
      <h1>Connections</h1>
      <div class="buttons">
        <button type="button" onClick={() => setForm('new')}>
          New connection
        </button>
      </div>
      {form && (
        <ResourceForm
          key={form === 'new' ? 'new' : String(form.id)}
          title={form === 'new' ? 'New connection' : `Edit connection ${String(form.name)}`}
          path={PATH}
          fields={FIELDS}
          {...(form === 'new' ? { defaults: DEFAULTS } : { record: form })}
          onSaved={() => {
            setForm(undefined);
            list.reload();
          }}
          onCancel={() => setForm(undefined)}
        />
      )}
      <ErrorBox error={list.error} />
      <ListTable
        label="Connections"
        busy={list.loading}
        rows={list.data?.resources ?? []}
        columns={[
          ['Name', (c) => String(c.name)],
          ['Provider', (c) => `${String(c.provider)} (${String(c.cloud_name)})`],
          [
            'Last test',
            (c) =>
              c.last_connection_ok === null ? (
                'never'
              ) : (
                <>
                  <Badge value={c.last_connection_ok ? 'connected' : 'failed'} />{' '}
                  {formatDate(String(c.last_connection_at))}
                </>
              ),
          ],
          [
            'Actions',
            (c) => (
              <>
                <button type="button" onClick={() => void test(String(c.id))}>
                  Test {String(c.name)}
                </button>{' '}
                <button type="button" onClick={() => setForm(c)}>
                  Edit {String(c.name)}
                </button>
                {answers[String(c.id)] !== undefined && <TestAnswer answer={answers[String(c.id)]} />}
              </>
            ),
          ],
        ]}
      />
    </>
  );
}
