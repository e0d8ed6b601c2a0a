/**
 * End to end, as a user would run it: the built server (`node dist/src/main.js`) on a fresh
 * database, a token fetched over HTTP, the seed 004 curl body sent verbatim, then the key
 * looked up through the emulator's AWS endpoint with the real AWS SDK, and a clean SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { DescribeKeyCommand, KMSClient, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { buildOnce, MAIN, ROOT } from '../support/build-once.js';
import { freePort } from '../support/free-port.js';
import { provisionTestDatabase, type TestDatabaseTarget } from '../support/test-db.js';
import { expectSeed004Record } from '../fixtures/seed-004.js';

const PASSWORD = 'e2e-admin-password';
const GRACE_MS = 5000;

/** A JSON response body; its shape is checked by assertions, not by types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = Record<string, any>;

/** The request body of seed 004's example, byte for byte (the `$'...'` of the curl command). */
const SEED_004_BODY =
  '{\n  "kms": "kms",\n  "region": "ap-south-1",\n  "aws_param": {\n "Alias": "aws-test-key",\n    "MultiRegion": true,\n    "Tags": [\n  {\n "TagKey": "key",\n        "TagValue": "value"\n }\n    ]\n  }\n}';

async function waitReady(base: string, child: ChildProcess, output: () => string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server not ready after ${timeoutMs} ms:\n${output()}`);
}

describe('e2e: seed 004 against the built server', () => {
  let target: TestDatabaseTarget;
  let child: ChildProcess | undefined;
  let log = '';
  let base: string;
  let emulatorPort: number;

  beforeAll(async () => {
    await buildOnce();
    target = await provisionTestDatabase('e2e');
    const [port, ePort] = [await freePort(), await freePort()];
    emulatorPort = ePort;
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        ...target.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        EMULATOR_PORT: String(emulatorPort),
        // The emulator endpoint requires signatures: the key the test's SDK client signs with.
        EMULATOR_CREDENTIALS: 'AKIAE2ETESTEXAMPLE00:any-secret-for-the-emulator',
        CCKM_ADMIN_PASSWORD: PASSWORD,
        CCKM_SHUTDOWN_GRACE_MS: String(GRACE_MS),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitReady(base, child, () => log);
  }, 360_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
    }
    child?.stdout?.destroy();
    child?.stderr?.destroy();
    await target?.drop();
  }, 60_000);

  it('creates the documented key, which the AWS SDK then finds through the emulator endpoint, and stops cleanly', async () => {
    // The start-up banner explains how to get going.
    expect(log).toContain(`opencckm is listening on`);
    expect(log).toContain(`KMS emulator (AWS JSON 1.1 + STS) on http://localhost:${emulatorPort}`);

    const tokenRes = await fetch(`${base}/api/v1/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: 'admin', password: PASSWORD }),
    });
    expect(tokenRes.status).toBe(200);
    const { jwt } = (await tokenRes.json()) as { jwt: string };
    expect(jwt.split('.')).toHaveLength(3);

    // A wrong password is refused with the error body.
    const badLogin = await fetch(`${base}/api/v1/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: 'admin', password: 'wrong-password' }),
    });
    expect(badLogin.status).toBe(401);
    expect(((await badLogin.json()) as { codeDesc: string }).codeDesc).toMatch(/^NCERR/);

    // curl -k '<base>/api/v1/cckm/aws/keys' -H 'Authorization: Bearer …' -H 'Content-Type: application/json' --data-binary $'…' --compressed
    const created = await fetch(`${base}/api/v1/cckm/aws/keys`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${jwt}`,
        'Content-Type': 'application/json',
        'Accept-Encoding': 'deflate, gzip, br',
      },
      body: SEED_004_BODY,
    });
    const r = (await created.json()) as Body;
    expect({ status: created.status, body: created.status === 201 ? 'ok' : r }).toEqual({ status: 201, body: 'ok' });
    expectSeed004Record(r as { id: string; aws_param: Record<string, unknown> });

    const got = await fetch(`${base}/api/v1/cckm/aws/keys/${r.id}`, { headers: { Authorization: `Bearer ${jwt}` } });
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(r);

    // The same curl again: the alias is taken → 409 with the error body, and no second record.
    const again = await fetch(`${base}/api/v1/cckm/aws/keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${jwt}`, 'Content-Type': 'application/json' },
      body: SEED_004_BODY,
    });
    expect(again.status).toBe(409);
    const err = (await again.json()) as Record<string, unknown>;
    expect(err).toMatchObject({
      codeDesc: expect.stringMatching(/^NCERRConflict/),
      message: expect.stringContaining('alias/aws-test-key'),
    });
    expect(typeof err.requestID).toBe('string');
    const list = (await (
      await fetch(`${base}/api/v1/cckm/aws/keys?limit=-1`, { headers: { Authorization: `Bearer ${jwt}` } })
    ).json()) as { total: number };
    expect(list.total).toBe(1);

    // Any AWS SDK client reaches the same key through the emulator's endpoint.
    const kms = new KMSClient({
      region: 'ap-south-1',
      endpoint: `http://127.0.0.1:${emulatorPort}`,
      credentials: { accessKeyId: 'AKIAE2ETESTEXAMPLE00', secretAccessKey: 'any-secret-for-the-emulator' },
      maxAttempts: 1,
    });
    try {
      const described = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws-test-key' }));
      expect(described.KeyMetadata).toMatchObject({
        KeyId: r.aws_param.KeyID,
        Arn: r.aws_param.Arn,
        MultiRegion: true,
        KeyState: 'Enabled',
      });
      const tags = await kms.send(new ListResourceTagsCommand({ KeyId: r.aws_param.KeyID }));
      expect(tags.Tags).toEqual(
        expect.arrayContaining([
          { TagKey: 'key', TagValue: 'value' },
          { TagKey: 'cckm_record_id', TagValue: r.id },
        ]),
      );
      await expect(kms.send(new DescribeKeyCommand({ KeyId: 'alias/no-such-alias' }))).rejects.toMatchObject({
        name: 'NotFoundException',
      });
    } finally {
      kms.destroy();
    }

    // SIGTERM: exit code 0 within the grace period.
    const started = Date.now();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child!.once('exit', (code, signal) => resolve({ code, signal })),
    );
    child!.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), GRACE_MS + 2000))),
    ]);
    clearTimeout(timer);
    expect({ result, log: result === 'timeout' || result.code !== 0 ? log : '' }).toEqual({
      result: { code: 0, signal: null },
      log: '',
    });
    expect(Date.now() - started).toBeLessThan(GRACE_MS);
  }, 120_000);
});
