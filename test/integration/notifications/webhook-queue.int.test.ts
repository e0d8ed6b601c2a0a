/**
 * The delivery queue in SQL: publishing reaches only the enabled, subscribed webhooks of the
 * event's account, once per event id; two workers never hold the same delivery; a delivery
 * whose worker died is claimed again once its lease expires; settling needs the lease.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../../../src/db/database.js';
import { PostgresWebhookRepository } from '../../../src/db/repositories/postgres-webhook.repository.js';
import type { PublishedEvent } from '../../../src/cckm/notifications/webhook.repository.js';
import { provisionTestDatabase, type TestDatabaseTarget } from '../../support/test-db.js';

let target: TestDatabaseTarget;
let database: Database;
let repo: PostgresWebhookRepository;

const webhook = (account: string, events: string[], disabled = false) =>
  repo.create({
    id: randomUUID(),
    account,
    url: `https://hooks.example.com/${account}`,
    description: null,
    events,
    disabled,
    sealedSecret: new Uint8Array([1, 2, 3]),
    createdBy: 'test',
  });
const event = (account: string, type: PublishedEvent['type'] = 'key.created', id = randomUUID()): PublishedEvent => ({
  id,
  account,
  type,
  payload: { id, type, data: {} },
});

beforeAll(async () => {
  target = await provisionTestDatabase('webhook_queue');
  database = await openDatabase({ ...(target.url ? { url: target.url } : {}), dataDir: target.dataDir });
  repo = new PostgresWebhookRepository(database.db);
});
afterAll(async () => {
  await database?.close();
  await target?.drop();
});
beforeEach(async () => {
  await sql`DELETE FROM webhooks`.execute(database.db);
});

it('queues an event for the enabled webhooks of its account subscribed to its type, once per event id', async () => {
  const a = await webhook('acc-a', ['key.created', 'job.failed']);
  await webhook('acc-a', ['job.failed']);
  await webhook('acc-a', ['key.created'], true);
  await webhook('acc-b', ['key.created']);
  const e = event('acc-a');
  expect(await repo.enqueue([e])).toBe(1);
  expect(await repo.enqueue([e])).toBe(0);
  const listed = await repo.deliveries('acc-a', a.id, {}, { skip: 0, limit: 10 });
  expect(listed.rows.map((d) => [d.eventId, d.status, d.attempts])).toEqual([[e.id, 'pending', 0]]);
  expect((await repo.deliveries('acc-b', a.id, {}, { skip: 0, limit: 10 })).total).toBe(0);
});

it('queues a batch of events of several accounts and types in one call, each to its own subscribers only', async () => {
  const a1 = await webhook('acc-a', ['key.created']);
  const a2 = await webhook('acc-a', ['key.created', 'key.state_changed']);
  const b1 = await webhook('acc-b', ['key.state_changed']);
  await webhook('acc-b', ['key.state_changed'], true);
  const batch = [
    event('acc-a', 'key.created'),
    event('acc-a', 'key.state_changed'),
    event('acc-b', 'key.created'),
    event('acc-b', 'key.state_changed'),
    event('acc-c', 'key.created'),
  ];
  // a1: event 0; a2: events 0 and 1; b1: event 3; the disabled webhook and acc-c get nothing.
  expect(await repo.enqueue(batch)).toBe(4);
  expect(await repo.enqueue(batch)).toBe(0);
  const of = async (account: string, id: string) =>
    (await repo.deliveries(account, id, {}, { skip: 0, limit: 10 })).rows.map((d) => d.eventId).sort();
  expect(await of('acc-a', a1.id)).toEqual([batch[0]!.id]);
  expect(await of('acc-a', a2.id)).toEqual([batch[0]!.id, batch[1]!.id].sort());
  expect(await of('acc-b', b1.id)).toEqual([batch[3]!.id]);
  const stored = await sql<{
    payload: unknown;
    eventType: string;
  }>`SELECT payload, event_type FROM webhook_deliveries WHERE event_id = ${batch[3]!.id}::uuid`.execute(database.db);
  expect(stored.rows).toEqual([{ payload: batch[3]!.payload, eventType: 'key.state_changed' }]);
  expect(await repo.enqueue([])).toBe(0);
});

it('gives each delivery to one worker, and again to another once the lease expired', async () => {
  await webhook('acc-a', ['key.created']);
  await repo.enqueue([event('acc-a')]);
  const [one, two] = await Promise.all([repo.claim('w1', 60_000), repo.claim('w2', 60_000)]);
  expect([one, two].filter(Boolean)).toHaveLength(1);
  const held = (one ?? two)!;
  expect(held).toMatchObject({ status: 'running', attempts: 1, url: 'https://hooks.example.com/acc-a' });
  expect(await repo.claim('w3', 60_000)).toBeNull();

  await sql`UPDATE webhook_deliveries SET lease_until = now() - interval '1 second'`.execute(database.db);
  const again = await repo.claim('w3', 60_000);
  expect(again).toMatchObject({ id: held.id, attempts: 2 });
  // The first worker lost its lease: its late outcome is not stored.
  await repo.settle(held.id, one ? 'w1' : 'w2', {
    status: 'delivered',
    responseCode: 200,
    responseExcerpt: null,
    lastError: null,
  });
  await repo.settle(held.id, 'w3', {
    status: 'pending',
    responseCode: 500,
    responseExcerpt: 'no',
    lastError: 'answered 500',
    retryInMs: 60_000,
  });
  const [d] = (await repo.deliveries('acc-a', held.webhookId, {}, { skip: 0, limit: 1 })).rows;
  expect(d).toMatchObject({ status: 'pending', attempts: 2, responseCode: 500, lastError: 'answered 500' });
  expect(d!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
  // Not due yet: nothing to claim.
  expect(await repo.claim('w4', 60_000)).toBeNull();
});
