import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, login, logout, onSessionChange, refresh, type Session } from './api';
import { ErrorBox } from './components/ui';
import { href, useRoute } from './router';
import { AuditPage } from './pages/audit';
import { CreateKeyPage } from './pages/create-key';
import { InventoryPage } from './pages/inventory';
import { JobPage, JobsPage } from './pages/jobs';
import { KeyDetailPage } from './pages/key-detail';
import { ConnectionsPage } from './pages/connections';
import { KmsPage } from './pages/kms';
import { KeyStoresPage, TemplatesPage } from './pages/resources';
import { SchedulerPage } from './pages/scheduler';
import { JobConfigPage, JobConfigRunPage } from './pages/scheduler-runs';
import { NotificationsPage } from './pages/notifications';
import { ReportPage } from './pages/report-detail';
import { ReportsPage } from './pages/reports';
import { WebhookDeliveriesPage } from './pages/webhook-deliveries';
import { UsersPage } from './pages/users';

const NAV: [string, string][] = [
  ['/keys', 'Inventory'],
  ['/create', 'Create key'],
  ['/jobs', 'Jobs'],
  ['/scheduler', 'Scheduler'],
  ['/reports', 'Reports'],
  ['/notifications', 'Notifications'],
  ['/templates', 'Templates'],
  ['/kms', 'KMS accounts'],
  ['/connections', 'Connections'],
  ['/key-stores', 'Key stores'],
  ['/users', 'Users'],
  ['/audit', 'Audit trail'],
];

function LoginForm() {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    try {
      await login(String(form.get('username')), String(form.get('password')), String(form.get('domain') ?? ''));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <h1>opencckm</h1>
      <form onSubmit={submit} aria-label="Log in">
        <label>
          Username <input name="username" autoComplete="username" required maxLength={256} autoFocus />
        </label>
        <label>
          Password <input name="password" type="password" autoComplete="current-password" required maxLength={1024} />
        </label>
        <label>
          Account (domain, optional) <input name="domain" maxLength={256} />
        </label>
        <button type="submit" disabled={busy}>
          Log in
        </button>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}

function View({ path }: { path: string }) {
  const route = useRoute();
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'keys' && parts[1]) return <KeyDetailPage id={parts[1]} />;
  if (parts[0] === 'jobs' && parts[1] && parts[2]) return <JobPage kind={parts[1]} id={parts[2]} />;
  if (parts[0] === 'scheduler' && parts[1] && parts[2] === 'runs' && parts[3])
    return <JobConfigRunPage id={parts[1]} runId={parts[3]} />;
  if (parts[0] === 'scheduler' && parts[1]) return <JobConfigPage id={parts[1]} />;
  if (parts[0] === 'reports' && parts[1]) return <ReportPage id={parts[1]} />;
  if (parts[0] === 'notifications' && parts[1]) return <WebhookDeliveriesPage id={parts[1]} />;
  switch (`/${parts[0] ?? 'keys'}`) {
    case '/keys':
      return <InventoryPage params={route.params} />;
    case '/create':
      return <CreateKeyPage />;
    case '/jobs':
      return <JobsPage />;
    case '/scheduler':
      return <SchedulerPage />;
    case '/reports':
      return <ReportsPage />;
    case '/notifications':
      return <NotificationsPage />;
    case '/templates':
      return <TemplatesPage />;
    case '/kms':
      return <KmsPage />;
    case '/connections':
      return <ConnectionsPage />;
    case '/key-stores':
      return <KeyStoresPage />;
    case '/users':
      return <UsersPage />;
    case '/audit':
      return <AuditPage params={route.params} />;
    default:
      return <p>No such page. Go to the {<a href="#/keys">inventory</a>}.</p>;
  }
}

function App() {
  const [session, setSession] = useState<Session | undefined>(currentSession());
  const [restoring, setRestoring] = useState(true);
  const route = useRoute();
  useEffect(() => {
    const off = onSessionChange(setSession);
    void refresh().finally(() => setRestoring(false));
    return off;
  }, []);
  if (restoring && !session) return <p class="boot">Loading the opencckm console…</p>;
  if (!session) return <LoginForm />;
  const top = `/${route.path.split('/').filter(Boolean)[0] ?? 'keys'}`;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">opencckm</span>
        <nav aria-label="Main">
          {NAV.map(([path, label]) => (
            <a key={path} href={href(path)} aria-current={top === path ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          {session.username}{' '}
          <button type="button" onClick={() => void logout()}>
            Log out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <View path={route.path} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
