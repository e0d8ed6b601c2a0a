import { randomBytes } from 'node:crypto';
import { ValidationError } from '../../errors/index.js';

/** The SecretBox purpose of one webhook's secret: a sealed value cannot move to another row. */
export const webhookSecretPurpose = (account: string, id: string) => `webhook:${account}:${id}:secret`;

/** A fresh signing secret: `whsec_` and 32 random bytes, base64url. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** Printable ASCII without spaces, 16 to 256 characters: enough entropy to sign with, and safe in any header tool. */
const SECRET = /^[\x21-\x7e]{16,256}$/;

/** A secret the caller chose. @throws ValidationError naming `secret` (never echoing it) */
export function checkWebhookSecret(value: unknown): string {
  if (typeof value !== 'string' || !SECRET.test(value))
    throw ValidationError.field('secret', 'must be 16 to 256 printable ASCII characters without spaces');
  return value;
}
