import type { KeyRecord } from '../../../../src/cckm/common/records.js';
import { derivedEventId, keyChangeEvents } from '../../../../src/cckm/notifications/webhook-events.js';
import { backoffDelay, MAX_BACKOFF_MS } from '../../../../src/cckm/notifications/delivery-workers.js';
import { excerptOf, signatureHeader } from '../../../../src/cckm/notifications/webhook-sender.js';
import { createHmac } from 'node:crypto';

const KNOWN_ANSWER = '35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91';

const aKey = (over: Partial<KeyRecord> = {}): KeyRecord =>
  ({
    id: 'rec-1',
    account: 'kylo',
    kmsId: 'kms-1',
    region: 'us-east-1',
    kmsKeyId: 'key-1',
    arn: 'arn:aws:kms:us-east-1:123456789012:key/key-1',
    keyState: 'Enabled',
    origin: 'AWS_KMS',
    aliases: [],
    gone: false,
    policyDrift: false,
    policyTemplateId: null,
    awsParam: {},
    ...over,
  }) as KeyRecord;

describe('keyChangeEvents', () => {
  it('publishes nothing when nothing an event is about changed', () => {
    expect(keyChangeEvents(aKey(), aKey({ aliases: ['alias/x'] }))).toEqual([]);
  });

  it('publishes a state change with the previous state', () => {
    expect(keyChangeEvents(aKey(), aKey({ keyState: 'Disabled' }))).toEqual([
      { type: 'key.state_changed', data: expect.objectContaining({ previous_key_state: 'Enabled' }) },
    ]);
  });

  it('publishes pending deletion with the deletion date, besides the state change', () => {
    const after = aKey({ keyState: 'PendingDeletion', awsParam: { DeletionDate: '2026-12-09T00:00:00Z' } });
    expect(keyChangeEvents(aKey(), after).map((e) => e.type)).toEqual(['key.state_changed', 'key.pending_deletion']);
    expect(keyChangeEvents(aKey(), after)[1]!.data).toMatchObject({ deletion_date: '2026-12-09T00:00:00Z' });
  });

  it('publishes drift when it appears, not while it stays', () => {
    const drifted = aKey({ policyDrift: true, policyTemplateId: 'tpl-1' });
    expect(keyChangeEvents(aKey(), drifted)).toEqual([
      { type: 'key.policy_drift_detected', data: expect.objectContaining({ policy_template_id: 'tpl-1' }) },
    ]);
    expect(keyChangeEvents(drifted, drifted)).toEqual([]);
  });

  it('publishes key.deleted when the key is found gone, once', () => {
    expect(keyChangeEvents(aKey(), aKey({ gone: true })).map((e) => e.type)).toEqual(['key.deleted']);
    expect(keyChangeEvents(aKey({ gone: true }), aKey({ gone: true }))).toEqual([]);
  });

  it('never carries the key policy', () => {
    const [e] = keyChangeEvents(aKey(), aKey({ keyState: 'Disabled', awsParam: { Policy: { secret: 'policy' } } }));
    expect(JSON.stringify(e)).not.toContain('policy"');
  });
});

describe('delivery helpers', () => {
  it('signs t.body with HMAC-SHA256, as a receiver recomputes it', () => {
    const body = '{"id":"e1","type":"key.created"}';
    const expected = createHmac('sha256', 'whsec_test').update(`1700000000.${body}`).digest('hex');
    expect(signatureHeader('whsec_test', 1700000000, body)).toBe(`t=1700000000,v1=${expected}`);
    // A known-answer vector (computed with `openssl dgst -sha256 -hmac whsec_test` over "1700000000.{}").
    expect(signatureHeader('whsec_test', 1700000000, '{}')).toBe(`t=1700000000,v1=${KNOWN_ANSWER}`);
  });

  it('derives one UUID per fact', () => {
    const a = derivedEventId('job.completed:j1');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedEventId('job.completed:j1')).toBe(a);
    expect(derivedEventId('job.failed:j1')).not.toBe(a);
  });

  it('backs off exponentially from the base, capped at an hour, with at most 10 % jitter', () => {
    const none = () => 0;
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 1000, none))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelay(40, 1000, none)).toBe(MAX_BACKOFF_MS);
    expect(backoffDelay(1, 1000, () => 0.999)).toBeLessThanOrEqual(1100);
  });

  it('keeps a bounded excerpt without control characters', () => {
    expect(excerptOf('a\u0000b\u001bc\nd')).toBe('a?b?c\nd');
    expect(excerptOf('z'.repeat(1000))).toHaveLength(256);
  });
});
