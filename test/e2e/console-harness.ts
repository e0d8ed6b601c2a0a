/**
 * What the console's browser tests share: the built server (with the console built into
 * dist/web), a REST client that seeds data the way any API user would, and headless Chromium
 * (the Debian package) driven by playwright-core.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { buildOnce, MAIN, ROOT } from '../support/build-once.js';
import { freePort } from '../support/free-port.js';
import { provisionTestDatabase, type TestDatabaseTarget } from '../support/test-db.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ADMIN_PASSWORD = 'console-e2e-admin-password';
export const EMULATOR_CREDENTIALS = { accessKeyId: 'AKIACONSOLEE2E000000', secretAccessKey: 'console-e2e-secret' };

/**
 * Whether this run can drive a browser. Without Chromium the tests fail under CI=true (CI
 * must install it: .ci/run does) and are skipped elsewhere, with a message saying why.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') return true; // launching then fails the suite, naming the missing binary
  console.warn(
    `console e2e tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
  return false;
}

/** A JSON response body; its shape is checked by assertions, not by types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = Record<string, any>;

export interface Running {
  base: string;
  emulatorPort: number;
  /** The server's PostgreSQL database (undefined on embedded PGlite, which only the server may open). */
  databaseUrl: string | undefined;
  log: () => string;
  stop(): Promise<void>;
}

async function waitReady(base: string, child: ChildProcess, output: () => string): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not ready after 60 s:\n${output()}`);
}

/**
 * Compiles the server and the console (`npm run build`'s two steps), then starts it on a
 * fresh database, with `env` added to its environment (e.g. a short token lifetime).
 */
export async function startServer(env: Record<string, string> = {}): Promise<Running> {
  await buildOnce();
  const web = spawnSync(process.execPath, [path.join(ROOT, 'web/build.mjs'), '--quiet'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (web.status !== 0) throw new Error(`console build failed:\n${web.stdout}${web.stderr}`);
  const target: TestDatabaseTarget = await provisionTestDatabase('console');
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  let log = '';
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      ...target.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      EMULATOR_PORT: String(emulatorPort),
      EMULATOR_CREDENTIALS: `${EMULATOR_CREDENTIALS.accessKeyId}:${EMULATOR_CREDENTIALS.secretAccessKey}`,
      CCKM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  try {
    await waitReady(base, child, () => log);
  } catch (err) {
    child.kill('SIGKILL');
    await target.drop();
    throw err;
  }
  return {
    base,
    emulatorPort,
    databaseUrl: target.url,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
      await target.drop();
    },
  };
}

/**
 * A REST client logged in as the admin, for seeding and for checking what the console did.
 * It logs in again when its access token has expired (the console test runs with 30-second tokens).
 */
export async function restClient(base: string) {
  const login = async () => {
    const res = await fetch(`${base}/api/v1/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: 'admin', password: ADMIN_PASSWORD }),
    });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { jwt: string }).jwt;
  };
  let jwt = await login();
  const call = async (method: string, p: string, body?: unknown): Promise<Body> => {
    const send = () =>
      fetch(`${base}/api/v1${p}`, {
        method,
        headers: { Authorization: `Bearer ${jwt}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    let r = await send();
    if (r.status === 401) {
      jwt = await login();
      r = await send();
    }
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text}`);
    return text ? (JSON.parse(text) as Body) : {};
  };
  return { call };
}

/** @throws Error naming the missing binary (what CI=true reports instead of skipping) */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: CI=true needs it (.ci/run installs it with apt-get)`);
  }
}

/** Headless Chromium with the flags this offline machine needs, on a fresh profile (one context, 1280×800). */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  requireChromium();
  const profile = mkdtempSync(path.join(os.tmpdir(), 'console-e2e-chromium-'));
  // launchPersistentContext passes the fresh profile as --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
