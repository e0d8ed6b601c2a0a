import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { pooledRandomBytes } from '../../../../src/emulator/crypto/random-pool.js';
import { CTX } from '../helpers.js';
import { startWire, type WireHarness } from './wire-harness.js';

/** The wire endpoint's transport paths: body assembly, large bodies, blob decoding edge cases. */

let w: WireHarness;
beforeAll(async () => {
  // Open mode: raw chunked requests, unsigned (signing is wire-auth.test.ts's subject).
  w = await startWire({ auth: 'off' });
});
afterAll(() => w.close());

interface RawAnswer {
  status: number;
  contentLength: number;
  bytes: Buffer;
  json: Record<string, unknown>;
}

/** POSTs `parts` as separate writes (a pause between them), so the body arrives in several chunks. */
function post(op: string, parts: string[]): Promise<RawAnswer> {
  const port = Number(new URL(w.endpoint).port);
  const length = parts.reduce((n, p) => n + Buffer.byteLength(p), 0);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `TrentService.${op}`,
          'content-length': length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            contentLength: Number(res.headers['content-length']),
            bytes,
            json: JSON.parse(bytes.toString('utf8')) as Record<string, unknown>,
          });
        });
      },
    );
    req.on('error', reject);
    const writeFrom = (i: number) => {
      if (i === parts.length - 1) return void req.end(parts[i]);
      req.write(parts[i]);
      setTimeout(() => writeFrom(i + 1), 20);
    };
    writeFrom(0);
  });
}

const createKey = async () => (await w.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!.KeyId!;

test('a body that arrives in several chunks is assembled before it is decoded', async () => {
  const keyId = await createKey();
  const plaintext = randomBytes(3000).toString('base64');
  const body = JSON.stringify({ KeyId: keyId, Plaintext: plaintext });
  const enc = await post('Encrypt', [body.slice(0, 10), body.slice(10, 2000), body.slice(2000)]);
  expect(enc.status).toBe(200);
  const dec = await post('Decrypt', [JSON.stringify({ CiphertextBlob: enc.json.CiphertextBlob })]);
  expect(dec.status).toBe(200);
  expect(dec.json.Plaintext).toBe(plaintext);
});

test('a large response (a ListKeys page over 16 KiB) is complete, with the right Content-Length, and never stale', async () => {
  for (let i = 0; i < 140; i++) await createKey();
  const first = await post('ListKeys', ['{"Limit":1000}']);
  expect(first.status).toBe(200);
  expect(first.bytes.length).toBeGreaterThan(16 * 1024);
  expect(first.contentLength).toBe(first.bytes.length);
  const keys = first.json.Keys as { KeyId: string; KeyArn: string }[];
  expect(keys.length).toBeGreaterThanOrEqual(140);
  // The shared page is served again byte for byte until the key set changes...
  const again = await post('ListKeys', ['{"Limit":1000}']);
  expect(again.bytes.equals(first.bytes)).toBe(true);
  // ...and a new key shows up at once.
  const added = await createKey();
  const after = await post('ListKeys', ['{"Limit":1000}']);
  expect((after.json.Keys as { KeyId: string }[]).map((k) => k.KeyId)).toContain(added);
  expect(after.contentLength).toBe(after.bytes.length);
});

test.each([
  ['a length that is not a multiple of 4', 'QUJD' + 'QQ'],
  ['padding in the middle', 'QQ==QUJD'],
  ['base64url characters', 'ab-_'],
  ['whitespace', 'QU JDQ=='],
  ['three padding characters', 'Q==='],
])('a blob with %s is a SerializationException naming the member', async (_what, blob) => {
  const res = await post('Decrypt', [JSON.stringify({ CiphertextBlob: blob })]);
  expect(res.status).toBe(400);
  expect(res.json).toEqual({
    __type: 'SerializationException',
    message: "Could not deserialize 'CiphertextBlob': expected base64 data.",
  });
});

test('padded base64 blobs decode to their exact bytes', async () => {
  const keyId = await createKey();
  for (const size of [1, 2, 3, 4, 5]) {
    const plaintext = randomBytes(size).toString('base64');
    const enc = await post('Encrypt', [JSON.stringify({ KeyId: keyId, Plaintext: plaintext })]);
    const dec = await post('Decrypt', [JSON.stringify({ CiphertextBlob: enc.json.CiphertextBlob })]);
    expect(dec.json.Plaintext).toBe(plaintext);
  }
});

test('pooled random bytes: exact lengths, fresh arrays, no repeats across pool refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const length = [16, 32, 64, 1][i % 4]!;
    const bytes = pooledRandomBytes(length);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.length).toBe(length);
    if (length >= 16) {
      const hex = Buffer.from(bytes).toString('hex');
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
    }
  }
  const a = pooledRandomBytes(32);
  const copy = Uint8Array.from(a);
  pooledRandomBytes(32);
  expect(a).toEqual(copy); // a draw is the caller's own: later draws never touch it
  expect(pooledRandomBytes(1024).length).toBe(1024);
});
