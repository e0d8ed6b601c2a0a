import { createHmac } from 'node:crypto';

/**
 * Access keys by which service instances that share the master key reach the emulator of
 * the instance holding it (see db/emulator-writer-lock.ts): one key per emulator account,
 * `OCKMPEER<12-digit account>`, its secret an HMAC of the key id under a key derived from
 * the master key. The holder recomputes it, so nothing is stored or configured; an instance
 * without the master key cannot make one.
 */
const PREFIX = 'OCKMPEER';

export interface PeerCredential {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The credential that reaches `accountId` on the emulator of a peer sharing `key`. */
export function peerCredential(key: Uint8Array, accountId: string): PeerCredential {
  const accessKeyId = `${PREFIX}${accountId}`;
  return { accessKeyId, secretAccessKey: createHmac('sha256', key).update(accessKeyId).digest('base64url') };
}

/** The wire endpoint's lookup of peer access keys: the account and secret of `OCKMPEER<account>`, else undefined. */
export function peerCredentialLookup(
  key: Uint8Array,
): (accessKeyId: string) => { secretAccessKey: string; accountId: string } | undefined {
  return (accessKeyId) => {
    const account = accessKeyId.startsWith(PREFIX) ? accessKeyId.slice(PREFIX.length) : '';
    if (!/^\d{12}$/.test(account)) return undefined;
    return { secretAccessKey: peerCredential(key, account).secretAccessKey, accountId: account };
  };
}
