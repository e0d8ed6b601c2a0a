import { useState } from 'preact/hooks';
import { api, type Page } from '../api';
import { ResourceForm, type FieldSpec } from '../components/resource-form';
import { Badge, ErrorBox, useLoad } from '../components/ui';
import { href } from '../router';
import type { Kms } from '../types';
import { ListTable } from './list-table';

const PATH = '/cckm/aws/kms';

export function KmsPage() {
  const all = new URLSearchParams({ limit: '-1' });
  const list = useLoad(() => api<Page<Kms>>('GET', PATH, undefined, all), []);
  const connections = useLoad(
    () => api<Page<{ name: string }>>('GET', '/connectionmgmt/services/aws/connections', undefined, all),
    [],
  );
  const [form, setForm] = useState<Kms | 'new'>();
  // KmsCreate/KmsUpdate (openapi/cckm.yaml): the name and AWS account are fixed once made.
  const fields: FieldSpec[] = [
    {
      name: 'name',
      label: 'Name',
      required: true,
      createOnly: true,
      maxLength: 64,
      pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}',
    },
    {
      name: 'account_id',
      label: 'AWS account id',
      required: true,
      createOnly: true,
      maxLength: 12,
      pattern: '[0-9]{12}',
    },
    {
      name: 'connection',
      label: 'Connection',
      type: 'select',
      required: true,
      options: (connections.data?.resources ?? []).map((c) => c.name),
    },
    { name: 'regions', label: 'Regions (comma-separated)', type: 'list', required: true, maxLength: 2048 },
    { name: 'assume_role_arn', label: 'Role to assume (ARN)', maxLength: 2048 },
    { name: 'assume_role_external_id', label: 'External id for the role', maxLength: 1224 },
  ];
  return (
    <>
      <h1>KMS accounts</h1>
      <div class="buttons">
        <button type="button" onClick={() => setForm('new')} disabled={!connections.data}>
          New KMS account
        </button>
      </div>
      {form && connections.data && (
        <ResourceForm
          key={form === 'new' ? 'new' : form.id}
          title={form === 'new' ? 'New KMS account' : `Edit KMS account ${form.name}`}
          path={PATH}
          fields={fields}
          {...(form === 'new' ? {} : { record: form as unknown as Record<string, unknown> })}
          onSaved={() => {
            setForm(undefined);
            list.reload();
          }}
          onCancel={() => setForm(undefined)}
        />
      )}
      <ErrorBox error={list.error ?? connections.error} />
      <ListTable
        label="KMS accounts"
        busy={list.loading}
        rows={list.data?.resources ?? []}
        columns={[
          ['Name', (k) => <a href={href('/keys', new URLSearchParams({ kms: k.name }))}>{k.name}</a>],
          ['AWS account', (k) => k.account_id],
          ['Connection', (k) => k.connection],
          ['Regions', (k) => k.regions.join(', ')],
          ['Status', (k) => <Badge value={k.status} />],
          [
            'Edit',
            (k) => (
              <button type="button" onClick={() => setForm(k)} disabled={!connections.data}>
                Edit {k.name}
              </button>
            ),
          ],
        ]}
      />
    </>
  );
}
