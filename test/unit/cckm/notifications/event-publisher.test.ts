import { EventPublisher } from '../../../../src/cckm/notifications/event-publisher.js';
import { withJobEvents } from '../../../../src/cckm/notifications/job-events.js';
import type { PublishedEvent } from '../../../../src/cckm/notifications/webhook.repository.js';
import type { JobRepository } from '../../../../src/cckm/jobs/job.repository.js';

const quiet = { warn: () => {}, error: () => {} };

describe('EventPublisher', () => {
  it('returns before the database answers, then queues the event and wakes the workers', async () => {
    let release!: () => void;
    const queued: PublishedEvent[] = [];
    const repo = {
      enqueue: async (events: readonly PublishedEvent[]) => {
        await new Promise<void>((r) => (release = r));
        queued.push(...events);
        return 2;
      },
    };
    let woken = 0;
    const p = new EventPublisher(repo, quiet, () => woken++);
    p.publish('kylo', 'key.created', { key: { id: 'k1' } });
    expect(queued).toEqual([]);
    release();
    await p.flush();
    expect(queued).toEqual([
      {
        id: expect.any(String),
        account: 'kylo',
        type: 'key.created',
        payload: {
          id: queued[0]!.id,
          type: 'key.created',
          created_at: expect.any(String),
          data: { key: { id: 'k1' } },
        },
      },
    ]);
    expect(woken).toBe(1);
  });

  it('writes a lone event at once, and the events published meanwhile together in the next statement', async () => {
    const batches: string[][] = [];
    const releases: (() => void)[] = [];
    const repo = {
      enqueue: async (events: readonly PublishedEvent[]) => {
        batches.push(events.map((e) => e.id));
        await new Promise<void>((r) => releases.push(r));
        return events.length;
      },
    };
    let woken = 0;
    const p = new EventPublisher(repo, quiet, () => woken++);
    p.publish('kylo', 'key.created', {}, 'e-1');
    expect(batches).toEqual([['e-1']]);
    for (const id of ['e-2', 'e-3', 'e-4']) p.publish('acme', 'key.state_changed', {}, id);
    expect(batches).toHaveLength(1);
    releases.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([['e-1'], ['e-2', 'e-3', 'e-4']]);
    releases.shift()!();
    await p.flush();
    expect(woken).toBe(2);
    p.publish('kylo', 'key.rotated', {}, 'e-5');
    expect(batches).toHaveLength(3);
    releases.shift()!();
    await p.flush();
  });

  it('does not wake the workers when no webhook is subscribed', async () => {
    let woken = 0;
    const p = new EventPublisher({ enqueue: async () => 0 }, quiet, () => woken++);
    p.publish('kylo', 'key.created', {});
    await p.flush();
    expect(woken).toBe(0);
  });

  it('retries a refused write, and logs (never throws) an event it could not queue', async () => {
    let calls = 0;
    const flaky = {
      enqueue: async () => {
        if (++calls < 3) throw new Error('database down');
        return 1;
      },
    };
    const p = new EventPublisher(flaky, quiet, () => {}, 1);
    p.publish('kylo', 'job.failed', {});
    await p.flush();
    expect(calls).toBe(3);

    const errors: object[] = [];
    const down = new EventPublisher(
      {
        enqueue: async () => {
          throw new Error('down');
        },
      },
      { warn: () => {}, error: (o) => errors.push(o) },
      () => {},
      1,
    );
    expect(() => down.publish('kylo', 'job.failed', {}, 'e-1')).not.toThrow();
    down.publish('kylo', 'key.created', {}, 'e-2');
    await down.flush();
    // Each event of a batch the database never took is named in the log.
    expect(errors).toEqual([
      expect.objectContaining({ eventId: 'e-1', eventType: 'job.failed' }),
      expect.objectContaining({ eventId: 'e-2', eventType: 'key.created' }),
    ]);
  });
});

describe('withJobEvents', () => {
  const unit = { jobId: 'j1' } as Parameters<JobRepository['finish']>[0];
  const repoFinishing = (stored: boolean) =>
    ({ finish: async () => stored, find: async () => null }) as unknown as JobRepository;

  it.each([
    ['completed', 'job.completed'],
    ['failed', 'job.failed'],
  ])('publishes a job that ended %s, with an id derived from the job', async (status, type) => {
    const published: unknown[][] = [];
    const jobs = withJobEvents(
      repoFinishing(true),
      { jobOutcome: async () => ({ account: 'acme', kind: 'sync', status, jobConfigId: null }) },
      { publish: (...a: unknown[]) => void published.push(a) },
      quiet,
    );
    expect(await jobs.finish(unit, 'me', { status: 'completed', message: '', progress: {} })).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(published).toEqual([
      ['acme', type, { job: { id: 'j1', kind: 'sync', status, job_config_id: null } }, expect.any(String)],
    ]);
    expect(await jobs.find('acme', 'sync', 'j1')).toBeNull();
  });

  it('publishes nothing while the job is in progress, cancelled, or the outcome was not stored', async () => {
    const published: unknown[] = [];
    const sink = { publish: (...a: unknown[]) => void published.push(a) };
    for (const [stored, status] of [
      [true, 'in_progress'],
      [true, 'cancelled'],
      [false, 'completed'],
    ] as const) {
      const jobs = withJobEvents(
        repoFinishing(stored),
        { jobOutcome: async () => ({ account: 'acme', kind: 'bulk', status, jobConfigId: null }) },
        sink,
        quiet,
      );
      await jobs.finish(unit, 'me', { status: 'completed', message: '', progress: {} });
    }
    await new Promise((r) => setImmediate(r));
    expect(published).toEqual([]);
  });
});
