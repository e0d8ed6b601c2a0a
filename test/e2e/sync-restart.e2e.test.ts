/**
 * End to end: a synchronization job whose server process is killed (SIGKILL, no chance to
 * release anything) while it runs completes after the server is started again on the same
 * database: the unit's lease expires and the restarted instance takes it over. Keys are
 * made outside opencckm, through the emulator's AWS endpoint with the real AWS SDK.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import pg from 'pg';
import { buildOnce, MAIN, ROOT } from '../support/build-once.js';
import { freePort } from '../support/free-port.js';
import { provisionTestDatabase, type TestDatabaseTarget } from '../support/test-db.js';

const PASSWORD = 'e2e-sync-admin-password';
const REGION = 'eu-west-1';
/** Eight pages of 50 (CCKM_SYNC_PAGE_SIZE), read two keys at a time: the region is mid-way when the server dies. */
const KEYS = 400;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = Record<string, any>;

describe('e2e: a synchronization job survives the death of its server', () => {
  let target: TestDatabaseTarget;
  let child: ChildProcess | undefined;
  let log = '';
  let base: string;
  let env: Record<string, string>;

  async function start(): Promise<void> {
    child = spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log}`);
      const ok = await fetch(`${base}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`server not ready:\n${log}`);
  }

  async function kill(): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    child.stdout?.destroy();
    child.stderr?.destroy();
  }

  beforeAll(async () => {
    await buildOnce();
    target = await provisionTestDatabase('e2e-sync-restart');
    const [port, emulatorPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      // Includes CCKM_DATA_DIR: the generated master and emulator root keys survive the restart.
      ...target.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      EMULATOR_PORT: String(emulatorPort),
      // The emulator endpoint requires signatures: the key the test's SDK client signs with.
      EMULATOR_CREDENTIALS: 'AKIAE2ESYNC:e2e-sync-secret',
      EMULATOR_REGIONS: `us-east-1,${REGION}`,
      CCKM_ADMIN_PASSWORD: PASSWORD,
      CCKM_JOB_LEASE_MS: '2000',
      CCKM_JOB_POLL_MS: '200',
      CCKM_SYNC_PAGE_SIZE: '50',
      CCKM_SYNC_CONCURRENCY: '2',
      LOG_LEVEL: 'warn',
    };
    await start();
    const kms = new KMSClient({
      endpoint: `http://127.0.0.1:${emulatorPort}`,
      region: REGION,
      credentials: { accessKeyId: 'AKIAE2ESYNC', secretAccessKey: 'e2e-sync-secret' },
    });
    for (let i = 0; i < KEYS; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, KEYS - i) }, (_, j) =>
          kms.send(new CreateKeyCommand({ Description: `outside ${i + j}` })),
        ),
      );
    }
    kms.destroy();
  }, 360_000);

  afterAll(async () => {
    await kill();
    await target?.drop();
  }, 60_000);

  it('completes the job after a restart, with one record per key', async () => {
    const token = (
      (await (
        await fetch(`${base}/api/v1/auth/tokens`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ grant_type: 'password', username: 'admin', password: PASSWORD }),
        })
      ).json()) as { jwt: string }
    ).jwt;
    const api = async (method: string, p: string, body?: unknown): Promise<{ status: number; body: Body }> => {
      const res = await fetch(`${base}/api/v1${p}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as Body };
    };

    const created = await api('POST', '/cckm/aws/synchronization-jobs', { kms: ['kms'], regions: [REGION] });
    expect(created.status).toBe(201);
    const jobPath = `/cckm/aws/synchronization-jobs/${created.body.id}`;
    const label = Object.keys(created.body.detailed_status)[0]!;
    let state = created.body;
    while (state.detailed_status[label] === 'pending') {
      await new Promise((r) => setTimeout(r, 10));
      state = (await api('GET', jobPath)).body;
    }
    // The region is being synchronized: kill the server that runs it.
    expect(state.overall_status).toBe('in_progress');
    await kill();

    await start();
    let done: Body = state;
    const until = Date.now() + 120_000;
    while (done.overall_status === 'in_progress' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      done = (await api('GET', jobPath)).body;
    }
    expect(done.overall_status).toBe('completed');
    expect(done.detailed_status[label]).toMatch(new RegExp(`^completed: ${KEYS} keys`));
    const records = await api('GET', `/cckm/aws/keys?region=${REGION}&limit=-1`);
    expect(records.body.total).toBe(KEYS);
    const keyIds = new Set((records.body.resources as Body[]).map((r) => r.aws_param.KeyId));
    expect(keyIds.size).toBe(KEYS);
    // The unit was taken over, not finished before the kill: it ran twice.
    if (target.url) {
      const client = new pg.Client({ connectionString: target.url });
      await client.connect();
      try {
        const units = await client.query<{ attempts: number }>('SELECT attempts FROM job_units WHERE job_id = $1', [
          created.body.id,
        ]);
        expect(units.rows.map((u) => u.attempts)).toEqual([2]);
      } finally {
        await client.end();
      }
    }
  }, 300_000);
});
