import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Field names whose values never reach a log line: credentials, tokens, key material and
 * the headers that carry them. Matched at the top level and up to four levels down, so a
 * request body, an SDK input or an error's cause nested in a log object is covered too.
 */
export const SECRET_FIELDS = [
  'password',
  'new_password',
  'secret_access_key',
  'raw_secret_access_key',
  'key_store_password',
  'refresh_token',
  'jwt',
  'key_material',
  'authorization',
  'cookie',
  'set-cookie',
  'x-amz-security-token',
  'SecretAccessKey',
  'RawSecretAccessKey',
  'KeyStorePassword',
  'SessionToken',
  'Plaintext',
  'EncryptedKeyMaterial',
] as const;

const DEPTH = 4;

/** fast-redact paths for {@link SECRET_FIELDS} at every depth up to {@link DEPTH}. */
const LOG_REDACTIONS: readonly string[] = SECRET_FIELDS.flatMap((field) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
  return Array.from({ length: DEPTH + 1 }, (_, depth) => {
    const prefix = '*.'.repeat(depth);
    return key.startsWith('[') ? (depth === 0 ? key : `${prefix.slice(0, -1)}${key}`) : `${prefix}${key}`;
  });
});

/**
 * The process's one logger. Every logger derived from it (pino-http's request logger,
 * job loggers) inherits this redaction: there is no second list to forget a field in.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: [...LOG_REDACTIONS], censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
