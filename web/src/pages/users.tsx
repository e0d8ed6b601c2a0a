import { useState } from 'preact/hooks';
import { api, type Page } from '../api';
import { ResourceForm, type FieldSpec } from '../components/resource-form';
import { Badge, ErrorBox, formatDate, Section, useLoad } from '../components/ui';
import { ListTable } from './list-table';

type Row = Record<string, unknown>;
const USERS = '/usermgmt/users';
const GROUPS = '/usermgmt/groups';

/** GroupCreate (openapi/cckm.yaml). */
const GROUP_FIELDS: FieldSpec[] = [
  { name: 'name', label: 'Group name', required: true, maxLength: 64, pattern: '[A-Za-z0-9_ \\-]{1,64}' },
  { name: 'description', label: 'Description', maxLength: 256 },
];

export function UsersPage() {
  const all = new URLSearchParams({ limit: '-1' });
  const users = useLoad(() => api<Page<Row>>('GET', USERS, undefined, all), []);
  const groups = useLoad(() => api<Page<Row>>('GET', GROUPS, undefined, all), []);
  const [userForm, setUserForm] = useState<Row | 'new'>();
  const [groupForm, setGroupForm] = useState(false);
  // UserCreate/UserUpdate: the username is fixed; groups is the complete new list; a
  // disabled user's tokens stop working at once.
  const userFields: FieldSpec[] = [
    {
      name: 'username',
      label: 'Username',
      required: true,
      createOnly: true,
      maxLength: 64,
      pattern: '[A-Za-z0-9][A-Za-z0-9._@\\-]{0,63}',
    },
    {
      name: 'password',
      label: 'Password',
      type: 'password',
      required: true,
      maxLength: 256,
      hint: '(8 or more characters)',
    },
    { name: 'name', label: 'Full name', maxLength: 128 },
    { name: 'email', label: 'Email', maxLength: 254 },
    {
      name: 'groups',
      label: 'Groups',
      type: 'checkboxes',
      options: (groups.data?.resources ?? []).map((g) => String(g.name)),
    },
    { name: 'disabled', label: 'Disabled (cannot log in; its tokens stop working)', type: 'checkbox', editOnly: true },
  ];
  return (
    <>
      <h1>Users and groups</h1>
      <Section title="Users">
        <div class="buttons">
          <button type="button" onClick={() => setUserForm('new')} disabled={!groups.data}>
            New user
          </button>
        </div>
        {userForm && groups.data && (
          <ResourceForm
            key={userForm === 'new' ? 'new' : String(userForm.id)}
            title={userForm === 'new' ? 'New user' : `Edit user ${String(userForm.username)}`}
            path={USERS}
            fields={userFields}
            {...(userForm === 'new' ? {} : { record: userForm })}
            onSaved={() => {
              setUserForm(undefined);
              users.reload();
            }}
            onCancel={() => setUserForm(undefined)}
          />
        )}
        <ErrorBox error={users.error} />
        <ListTable
          label="Users"
          busy={users.loading}
          rows={users.data?.resources ?? []}
          columns={[
            ['Username', (u) => String(u.username)],
            ['Name', (u) => String(u.name ?? '')],
            ['Groups', (u) => (Array.isArray(u.groups) ? u.groups.join(', ') : '')],
            ['State', (u) => <Badge value={u.disabled ? 'disabled' : 'active'} />],
            ['Last login', (u) => formatDate(u.last_login as string | null)],
            [
              'Edit',
              (u) => (
                <button type="button" onClick={() => setUserForm(u)} disabled={!groups.data}>
                  Edit {String(u.username)}
                </button>
              ),
            ],
          ]}
        />
      </Section>
      <Section title="Groups">
        <div class="buttons">
          <button type="button" onClick={() => setGroupForm(true)}>
            New group
          </button>
        </div>
        {groupForm && (
          <ResourceForm
            title="New group"
            path={GROUPS}
            fields={GROUP_FIELDS}
            onSaved={() => {
              setGroupForm(false);
              groups.reload();
            }}
            onCancel={() => setGroupForm(false)}
          />
        )}
        <ErrorBox error={groups.error} />
        <ListTable
          label="Groups"
          busy={groups.loading}
          rows={groups.data?.resources ?? []}
          columns={[
            ['Name', (g) => String(g.name)],
            ['Description', (g) => String(g.description ?? '')],
          ]}
        />
      </Section>
    </>
  );
}
