import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../errors/index.js';
import type { Config } from './config.js';

/**
 * Returns a 32-byte key: the configured one, or the one kept in `dataDir/<file>`,
 * created (mode 0600) on first start so a zero-setup install keeps working across
 * restarts. Production deployments pass keys through the environment instead.
 */
export async function loadOrCreateKey(configured: string | undefined, dataDir: string, file: string): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'base64');
  const keyPath = path.resolve(dataDir, file);
  try {
    const key = Buffer.from((await readFile(keyPath, 'utf8')).trim(), 'base64');
    if (key.length !== 32) throw ValidationError.field(keyPath, 'must hold 32 bytes, base64-encoded');
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(path.dirname(keyPath), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  await writeFile(keyPath, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

/** An emulator access key kept under the data dir (see {@link loadOrCreateEmulatorCredential}). */
export interface EmulatorCredential {
  accessKeyId: string;
  secretAccessKey: string;
  /** The file holding it. */
  path: string;
  /** True when this call generated it (first start): the only time the secret is shown. */
  created: boolean;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;

/**
 * Returns the emulator's access key kept in `dataDir/<file>` (JSON, mode 0600), generating
 * it on first start: `AKIA` + 16 base32 characters and a 40-character secret, as AWS
 * shapes root keys. It lets a zero-setup install require signatures without anyone
 * choosing a secret. Two instances starting together agree on one (the file is linked into
 * place whole and exclusively; the loser reads the winner's).
 */
export async function loadOrCreateEmulatorCredential(
  dataDir: string,
  file = 'emulator-credentials.json',
): Promise<EmulatorCredential> {
  const credPath = path.resolve(dataDir, file);
  const read = async (): Promise<EmulatorCredential | undefined> => {
    let text: string;
    try {
      text = await readFile(credPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let parsed: { accessKeyId?: unknown; secretAccessKey?: unknown } | undefined;
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      parsed = undefined;
    }
    const { accessKeyId, secretAccessKey } = parsed ?? {};
    if (
      typeof accessKeyId !== 'string' ||
      !ACCESS_KEY_ID.test(accessKeyId) ||
      typeof secretAccessKey !== 'string' ||
      secretAccessKey.length < 16
    ) {
      throw ValidationError.field(
        credPath,
        'must be JSON {"accessKeyId","secretAccessKey"}; delete it to generate a new one',
      );
    }
    return { accessKeyId, secretAccessKey, path: credPath, created: false };
  };
  const existing = await read();
  if (existing) return existing;
  await mkdir(path.dirname(credPath), { recursive: true, mode: 0o700 });
  const accessKeyId = 'AKIA' + Array.from(randomBytes(16), (b) => BASE32[b % 32]).join('');
  const secretAccessKey = randomBytes(30).toString('base64');
  // Written whole to a private temporary file, then linked into place: link() fails if the
  // name exists, so a concurrent starter never reads a half-written file.
  const temp = `${credPath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, JSON.stringify({ accessKeyId, secretAccessKey }, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, credPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const winner = await read();
    if (winner) return winner;
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return { accessKeyId, secretAccessKey, path: credPath, created: true };
}

/** What the emulator's wire endpoint accepts (see {@link resolveEmulatorWireAuth}). */
export interface EmulatorWireAuth {
  auth: 'on' | 'off';
  credentials: Record<string, { secretAccessKey: string; accountId: string; principal?: string }>;
  /** The data-dir credential, when EMULATOR_CREDENTIALS is unset and auth is on. */
  generated?: EmulatorCredential;
}

/**
 * The access keys the emulator's endpoint accepts: EMULATOR_CREDENTIALS when set, else
 * the data-dir credential (generated on first start) for EMULATOR_ACCOUNT_ID; none with
 * EMULATOR_AUTH=off.
 */
export async function resolveEmulatorWireAuth(
  config: Pick<Config, 'emulatorAuth' | 'emulatorCredentials' | 'emulatorAccountId' | 'dataDir'>,
): Promise<EmulatorWireAuth> {
  if (config.emulatorAuth === 'off') return { auth: 'off', credentials: { ...config.emulatorCredentials } };
  if (Object.keys(config.emulatorCredentials).length > 0)
    return { auth: 'on', credentials: { ...config.emulatorCredentials } };
  const generated = await loadOrCreateEmulatorCredential(config.dataDir);
  return {
    auth: 'on',
    credentials: {
      [generated.accessKeyId]: { secretAccessKey: generated.secretAccessKey, accountId: config.emulatorAccountId },
    },
    generated,
  };
}

/**
 * Start-up banner lines on how to reach the emulator endpoint at `endpoint`: the generated
 * secret with `aws configure` and environment lines on first start only, where it is kept
 * afterwards, or a warning when signatures are off.
 */
export function emulatorAuthBanner(wire: EmulatorWireAuth, endpoint: string, accountId: string): string[] {
  if (wire.auth === 'off') {
    return [
      `WARNING: EMULATOR_AUTH=off: the KMS emulator at ${endpoint} accepts unsigned requests from anyone who can`,
      `reach it, as account ${accountId}. Use it only for throwaway setups; unset EMULATOR_AUTH to require signatures.`,
    ];
  }
  const g = wire.generated;
  if (!g) return [`KMS emulator: SigV4 signatures required, by the access keys of EMULATOR_CREDENTIALS.`];
  if (!g.created)
    return [`KMS emulator: SigV4 signatures required; access key ${g.accessKeyId}, its secret is in ${g.path}`];
  return [
    `First start: generated the KMS emulator access key (account ${accountId}), kept in ${g.path}.`,
    'Its secret is shown only this once (or set EMULATOR_CREDENTIALS). Use it with a profile:',
    `  aws configure set aws_access_key_id ${g.accessKeyId} --profile opencckm-emulator`,
    `  aws configure set aws_secret_access_key ${g.secretAccessKey} --profile opencckm-emulator`,
    `  aws --profile opencckm-emulator --region us-east-1 --endpoint-url ${endpoint} kms list-keys`,
    'or in the environment:',
    `  export AWS_ACCESS_KEY_ID=${g.accessKeyId} AWS_SECRET_ACCESS_KEY=${g.secretAccessKey}`,
  ];
}
