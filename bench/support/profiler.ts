import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * BENCH_PROFILE=<dir>: each measured row's server-side CPU profile (the V8 sampling profiler
 * `node --cpu-prof` uses, on the main thread, where the service runs; the load generator has
 * its own thread) written to `<dir>/<row>.cpuprofile`, covering that row's requests only
 * (not the warm-up or the records created for the list). Read with `node dist/bench/profile-top.js`.
 */
export class RowProfiler {
  private session: Session | undefined;

  constructor(private readonly dir: string | undefined) {}

  async around<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (!this.dir) return fn();
    if (!this.session) {
      this.session = new Session();
      this.session.connect();
      await this.session.post('Profiler.enable');
      await this.session.post('Profiler.setSamplingInterval', { interval: 200 });
    }
    await this.session.post('Profiler.start');
    try {
      return await fn();
    } finally {
      const { profile } = await this.session.post('Profiler.stop');
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(path.join(this.dir, `${name}.cpuprofile`), JSON.stringify(profile));
    }
  }
}
