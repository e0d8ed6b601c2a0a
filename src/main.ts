import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { bootstrap, compose, type BootstrapResult } from './compose.js';
import { loadConfig, type Config } from './config/config.js';
import { openDatabase } from './db/database.js';
import { migrate, readMigrations } from './db/migrator.js';
import { createEmulatorWireHandler } from './emulator/wire/handler.js';

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prisma/migrations');
const MIGRATIONS_DIR_SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../prisma/migrations');

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/** The start-up banner: how to get a token and create a first key with curl. */
function banner(config: Config, port: number, emulatorPort: number | undefined, boot: BootstrapResult): string {
  const base = `http://localhost:${port}`;
  const password = boot.generatedPassword ?? (config.adminPassword ? '\'"$CCKM_ADMIN_PASSWORD"\'' : '<the admin password printed on first start>');
  const lines = [
    '',
    `opencckm is listening on ${base}  (API docs: ${base}/api/docs)`,
    emulatorPort ? `KMS emulator (AWS JSON 1.1 + STS) on http://localhost:${emulatorPort}` : 'KMS emulator endpoint disabled',
  ];
  if (boot.generatedPassword) {
    lines.push('', `First start: created user "admin" with password ${boot.generatedPassword}`, 'It is shown only this once: keep it, or set CCKM_ADMIN_PASSWORD.');
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
  const logger = pino({ level: config.logLevel, redact: ['*.password', '*.secret_access_key', '*.key_store_password', 'req.headers.authorization'] });
  const db = await openDatabase({ ...(config.databaseUrl ? { url: config.databaseUrl } : {}), dataDir: config.dataDir });
  const migrations = await readMigrations(MIGRATIONS_DIR).catch(() => readMigrations(MIGRATIONS_DIR_SRC));
  const applied = await migrate(db.sql, migrations);
  logger.info({ database: db.kind, applied: applied.applied }, 'database ready');
  const composed = await compose({ config, db, logger });
  const boot = await bootstrap(composed.services, config);

  const api = createServer(composed.app.express);
  api.keepAliveTimeout = 65_000;
  api.requestTimeout = 120_000;
  const port = await listen(api, config.port, config.host);
  let wire: Server | undefined;
  let wirePort: number | undefined;
  if (composed.emulator && config.emulatorPort > 0) {
    wire = createServer(
      createEmulatorWireHandler(composed.emulator, {
        credentials: config.emulatorCredentials,
        defaultAccountId: config.emulatorAccountId,
        defaultRegion: config.emulatorRegions[0] ?? 'us-east-1',
        enableCloudHsmAdmin: config.emulatorCloudHsmAdmin,
      }),
    );
    wirePort = await listen(wire, config.emulatorPort, config.host);
  }
  console.log(banner(config, port, wirePort, boot));

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
  if (err instanceof Error && err.cause) console.error('cause:', err.cause instanceof Error ? err.cause.message : err.cause);
  process.exit(1);
});
