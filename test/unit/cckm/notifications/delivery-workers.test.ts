import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../../../src/auth/secret-box.js';
import { DeliveryWorkers } from '../../../../src/cckm/notifications/delivery-workers.js';
import { webhookSecretPurpose } from '../../../../src/cckm/notifications/webhook-secret.js';
import type { WebhookRequest } from '../../../../src/cckm/notifications/webhook-sender.js';
import { WebhookTargetPolicy } from '../../../../src/cckm/notifications/webhook-target.js';
import type {
  AttemptOutcome,
  ClaimedDelivery,
  WebhookRepository,
} from '../../../../src/cckm/notifications/webhook.repository.js';

const box = new SecretBox(randomBytes(32));
const OPTIONS = { concurrency: 1, maxAttempts: 3, backoffMs: 1000, pollMs: 10, timeoutMs: 1000 };

/** One claimable delivery; records what the worker settles it with. */
function queueOf(over: Partial<ClaimedDelivery>) {
  const d: ClaimedDelivery = {
    id: 'd1',
    webhookId: 'w1',
    account: 'acme',
    eventId: 'e1',
    eventType: 'key.created',
    payload: { id: 'e1', type: 'key.created', data: {} },
    status: 'running',
    attempts: 1,
    nextAttemptAt: new Date(),
    responseCode: null,
    responseExcerpt: null,
    lastError: null,
    createdAt: new Date(),
    updatedAt: new Date(),
    finishedAt: null,
    url: 'https://hooks.example.com/in',
    sealedSecret: box.seal('whsec_for_acme', webhookSecretPurpose('acme', 'w1')),
    webhookDisabled: false,
    ...over,
  };
  let claimed = false;
  const settled: AttemptOutcome[] = [];
  const repo = {
    claim: async () => (claimed ? null : ((claimed = true), d)),
    settle: async (_id: string, _owner: string, o: AttemptOutcome) => void settled.push(o),
  } as unknown as WebhookRepository;
  return { repo, settled };
}

async function runOnce(
  over: Partial<ClaimedDelivery>,
  answer: (r: WebhookRequest) => { status?: number; excerpt?: string; error?: string },
  resolveTo = '203.0.113.10',
) {
  const { repo, settled } = queueOf(over);
  const sent: WebhookRequest[] = [];
  const policy = new WebhookTargetPolicy({
    allowPrivate: false,
    allow: [],
    resolver: async () => [{ address: resolveTo, family: 4 }],
  });
  const workers = new DeliveryWorkers(
    repo,
    box,
    policy,
    async (r) => {
      sent.push(r);
      return answer(r);
    },
    OPTIONS,
    { warn: () => {}, error: () => {} },
  );
  workers.start();
  for (let i = 0; i < 200 && !settled.length; i++) await new Promise((r) => setTimeout(r, 5));
  await workers.stop();
  return { settled, sent };
}

describe('DeliveryWorkers', () => {
  it('delivers on a 2xx, signing with the webhook’s own secret, to the address it checked', async () => {
    const { settled, sent } = await runOnce({}, () => ({ status: 204, excerpt: '' }));
    expect(settled).toEqual([{ status: 'delivered', responseCode: 204, responseExcerpt: '', lastError: null }]);
    expect(sent[0]).toMatchObject({
      secret: 'whsec_for_acme',
      eventId: 'e1',
      attempt: 1,
      body: JSON.stringify({ id: 'e1', type: 'key.created', data: {} }),
      target: { address: '203.0.113.10' },
    });
  });

  it('retries a 500 after the backoff, then fails once the attempts are used up', async () => {
    const first = await runOnce({ attempts: 1 }, () => ({ status: 500, excerpt: 'boom' }));
    expect(first.settled).toEqual([
      {
        status: 'pending',
        responseCode: 500,
        responseExcerpt: 'boom',
        lastError: 'answered 500',
        retryInMs: expect.any(Number),
      },
    ]);
    expect(first.settled[0]!.retryInMs).toBeGreaterThanOrEqual(1000);
    const second = await runOnce({ attempts: 2 }, () => ({ status: 500 }));
    expect(second.settled[0]!.retryInMs).toBeGreaterThanOrEqual(2000);
    const last = await runOnce({ attempts: 3 }, () => ({ status: 500 }));
    expect(last.settled).toEqual([
      { status: 'failed', responseCode: 500, responseExcerpt: null, lastError: 'answered 500' },
    ]);
  });

  it('treats redirects and transport errors as failed attempts', async () => {
    const moved = await runOnce({}, () => ({ status: 301 }));
    expect(moved.settled[0]).toMatchObject({
      status: 'pending',
      lastError: 'answered 301; redirects are not followed',
    });
    const timeout = await runOnce({}, () => ({ error: 'no answer within 1000 ms' }));
    expect(timeout.settled[0]).toMatchObject({
      status: 'pending',
      responseCode: null,
      lastError: 'no answer within 1000 ms',
    });
  });

  it('sends nothing when the name now resolves to an internal address', async () => {
    const { settled, sent } = await runOnce({}, () => ({ status: 200 }), '169.254.169.254');
    expect(sent).toEqual([]);
    expect(settled[0]).toMatchObject({ status: 'pending', lastError: expect.stringMatching(/^target refused: /) });
  });

  it('cancels the deliveries of a disabled webhook without sending', async () => {
    const { settled, sent } = await runOnce({ webhookDisabled: true }, () => ({ status: 200 }));
    expect(sent).toEqual([]);
    expect(settled).toEqual([
      { status: 'cancelled', responseCode: null, responseExcerpt: null, lastError: 'the webhook is disabled' },
    ]);
  });

  it('fails a delivery claimed more often than allowed (its instances kept dying mid-attempt)', async () => {
    const { settled, sent } = await runOnce({ attempts: 4, lastError: 'answered 502' }, () => ({ status: 200 }));
    expect(sent).toEqual([]);
    expect(settled[0]).toMatchObject({ status: 'failed', lastError: 'answered 502' });
  });
});
