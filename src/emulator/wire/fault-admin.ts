import type { ServerResponse } from 'node:http';
import type { KmsEmulator } from '../emulator.js';

/** The admin path of fault injection on the emulator's port. */
export const FAULTS_PATH = '/_opencckm/faults';

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * `GET /_opencckm/faults` → `{"faults": [...]}` (the active rules);
 * `POST /_opencckm/faults` with `{"faults": [rule, ...]}` (or a bare array) → replaces the
 * rules, answers the active rules; an invalid rule is 400 `{"message"}` and changes nothing;
 * `DELETE /_opencckm/faults` → removes every rule (204).
 * Served only when the wire handler was created with `enableFaultInjection: true`.
 */
export function serveFaultAdmin(emulator: KmsEmulator, method: string, body: Uint8Array, res: ServerResponse): void {
  if (method === 'GET') return reply(res, 200, { faults: emulator.faults() });
  if (method === 'DELETE') {
    emulator.setFaults([]);
    res.writeHead(204).end();
    return;
  }
  if (method !== 'POST') return reply(res, 405, { message: 'Use GET, POST or DELETE.' });
  try {
    const parsed: unknown = JSON.parse(Buffer.from(body).toString('utf8') || '[]');
    const rules = Array.isArray(parsed) ? parsed : (parsed as { faults?: unknown } | null)?.faults;
    emulator.setFaults(rules as never);
  } catch (err) {
    return reply(res, 400, { message: err instanceof Error ? err.message : 'invalid fault rules' });
  }
  reply(res, 200, { faults: emulator.faults() });
}
