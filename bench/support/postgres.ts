import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A PostgreSQL server for a benchmark run: `BENCH_DATABASE_URL`, or a throwaway local cluster. */
export interface BenchPostgres {
  url: string;
  description: string;
  stop(): void;
}

function sh(cmd: string, args: string[], osUser?: string): void {
  const [file, argv] = osUser ? ['runuser', ['-u', osUser, '--', cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${file} ${argv.join(' ')} failed:\n${r.stdout}${r.stderr}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function serverBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const v = readdirSync(base)
    .filter((d) => existsSync(path.join(base, d, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return v ? path.join(base, v, 'bin') : undefined;
}

/**
 * Starts a local cluster with durable settings (fsync on: benchmarks measure what a
 * deployment gets), as the `postgres` OS user when running as root.
 */
export async function benchPostgres(): Promise<BenchPostgres | undefined> {
  if (process.env.BENCH_DATABASE_URL) {
    return { url: process.env.BENCH_DATABASE_URL, description: 'BENCH_DATABASE_URL', stop: () => undefined };
  }
  const bin = serverBin();
  if (!bin) return undefined;
  const osUser = process.getuid?.() === 0 ? 'postgres' : undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'opencckm-bench-pg-'));
  const data = path.join(dir, 'data');
  mkdirSync(data, { mode: 0o700 });
  if (osUser) {
    const id = (flag: string) => Number(spawnSync('id', [flag, osUser], { encoding: 'utf8' }).stdout);
    spawnSync('chmod', ['711', dir]);
    chownSync(dir, id('-u'), id('-g'));
    chownSync(data, id('-u'), id('-g'));
  }
  sh(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C'], osUser);
  const port = await freePort();
  writeFileSync(
    path.join(data, 'postgresql.auto.conf'),
    `listen_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\nmax_connections = 200\nshared_buffers = 256MB\n${process.env.BENCH_PG_EXTRA ?? ''}`,
  );
  sh(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'log'), '-w', '-o', `-p ${port}`, 'start'], osUser);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    description: `local PostgreSQL (${path.basename(path.dirname(bin))}), fsync on`,
    stop() {
      spawnSync(
        osUser ? 'runuser' : path.join(bin, 'pg_ctl'),
        osUser
          ? ['-u', osUser, '--', path.join(bin, 'pg_ctl'), '-D', data, '-m', 'fast', 'stop']
          : ['-D', data, '-m', 'fast', 'stop'],
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
