import { createServer, type Server } from 'node:http';
import type { Server as NetServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrap, compose, type BootstrapResult } from './compose.js';
import { loadConfig, type Config } from './config/config.js';
import { createLogger } from './config/logging.js';
import { emulatorAuthBanner, resolveEmulatorWireAuth } from './config/key-files.js';
import { openDatabase } from './db/database.js';
import { migrate, readMigrations } from './db/migrator.js';
import { createEmulatorWireHandler } from './emulator/wire/handler.js';
import { createApiServer } from './http/api-server.js';

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prisma/migrations');
const MIGRATIONS_DIR_SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../prisma/migrations');

function listen(server: NetServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/** The start-up banner: how to get a token and create a first key with curl. */
function banner(
  config: Config,
  port: number,
  emulatorPort: number | undefined,
  boot: BootstrapResult,
  emulatorLines: string[] = [],
): string {
  const base = `${config.tls ? 'https' : 'http'}://localhost:${port}`;
  const password =
    boot.generatedPassword ??
    (config.adminPassword ? '\'"$CCKM_ADMIN_PASSWORD"\'' : '<the admin password printed on first start>');
  const lines = [
    '',
    `opencckm is listening on ${base}  (API docs: ${base}/api/docs)${config.host === '127.0.0.1' || config.host === '::1' || config.host === 'localhost' ? '' : `, bound to ${config.host}`}`,
    emulatorPort
      ? `KMS emulator (AWS JSON 1.1 + STS) on http://localhost:${emulatorPort}`
      : 'KMS emulator endpoint disabled',
    ...emulatorLines,
  ];
  if (boot.generatedPassword) {
    lines.push(
      '',
      `First start: created user "admin" with password ${boot.generatedPassword}`,
      'It is shown only this once: keep it, or set CCKM_ADMIN_PASSWORD.',
    );
  }
  lines.push(
    '',
    'Get a token:',
    `  TOKEN=$(curl -s ${base}/api/v1/auth/tokens -H 'Content-Type: application/json' \\`,
    `    -d '{"grant_type":"password","username":"admin","password":"${password}"}' | sed -E 's/.*"jwt":"([^"]+)".*/\\1/')`,
    'Create a first key (the bundled emulator connection "emulator" and KMS account "kms" are ready):',
    `  curl -s ${base}/api/v1/cckm/aws/keys -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\`,
    `    -d '{"kms":"kms","region":"ap-south-1","aws_param":{"Alias":"aws-test-key","MultiRegion":true,"Tags":[{"TagKey":"key","TagValue":"value"}]}}'`,
    '',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = await openDatabase({
    ...(config.databaseUrl ? { url: config.databaseUrl } : {}),
    dataDir: config.dataDir,
  });
  const migrations = await readMigrations(MIGRATIONS_DIR).catch(() => readMigrations(MIGRATIONS_DIR_SRC));
  const applied = await migrate(db.db, migrations);
  logger.info({ database: db.kind, applied: applied.applied }, 'database ready');
  const composed = await compose({ config, db, logger });
  const boot = await bootstrap(composed.services, config);

  const api = createApiServer(composed.app.express, config.tls);
  const port = await listen(api, config.port, config.host);
  if (!config.tls && !['127.0.0.1', '::1', 'localhost'].includes(config.host)) {
    logger.warn(
      { host: config.host, port },
      'serving plain HTTP on a non-loopback address: terminate TLS in a reverse proxy, or set CCKM_TLS_CERT and CCKM_TLS_KEY',
    );
  }
  let wire: Server | undefined;
  let wirePort: number | undefined;
  let emulatorLines: string[] = [];
  if (composed.emulator && config.emulatorPort > 0) {
    // Signatures required unless EMULATOR_AUTH=off; without EMULATOR_CREDENTIALS, by a key generated under the data dir.
    const wireAuth = await resolveEmulatorWireAuth(config);
    wire = createServer(
      createEmulatorWireHandler(composed.emulator, {
        credentials: wireAuth.credentials,
        ...(composed.emulatorPeerCredentials ? { lookupCredential: composed.emulatorPeerCredentials } : {}),
        auth: wireAuth.auth,
        defaultAccountId: config.emulatorAccountId,
        defaultRegion: config.emulatorRegions[0] ?? 'us-east-1',
        enableCloudHsmAdmin: config.emulatorCloudHsmAdmin,
      }),
    );
    wirePort = await listen(wire, config.emulatorPort, config.emulatorHost);
    emulatorLines = emulatorAuthBanner(wireAuth, `http://localhost:${wirePort}`, config.emulatorAccountId);
    if (wireAuth.auth === 'off')
      logger.warn(
        { host: config.emulatorHost, port: wirePort },
        'EMULATOR_AUTH=off: the KMS emulator endpoint accepts unsigned requests',
      );
  }
  console.log(banner(config, port, wirePort, boot, emulatorLines));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), config.shutdownGraceMs + 5000);
    force.unref();
    await Promise.all([
      new Promise((r) => api.close(r)),
      wire ? new Promise((r) => wire.close(r)) : undefined,
      new Promise((r) => setTimeout(r, 0)),
    ]);
    api.closeAllConnections();
    await composed.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('opencckm failed to start:', err instanceof Error ? err.message : err);
  if (err instanceof Error && err.cause)
    console.error('cause:', err.cause instanceof Error ? err.cause.message : err.cause);
  process.exit(1);
});
