import { AppError } from '../../errors/index.js';
import type { KmsProvider } from '../../providers/kms-provider.js';
import type { ConnectionRecord } from '../common/records.js';
import type { ConnectionRepository } from './connection.repository.js';

/** What a provider call says about its connection's credentials and reachability. */
export type ConnectionOutcome = { ok: true } | { ok: false; error: string };

/**
 * The verdict of one provider call on its connection: AWS refusing the credentials
 * (UnrecognizedClientException, InvalidSignatureException, InvalidClientTokenId,
 * ExpiredToken…) or an endpoint that cannot be reached means the connection is broken;
 * any answer from AWS that authenticated the caller (a success, or a client fault such as
 * NotFoundException) means it works. Throttling, AWS's 5xx and timeouts say nothing about
 * the connection: undefined.
 */
function outcomeOf(err: unknown): ConnectionOutcome | undefined {
  if (err === undefined) return { ok: true };
  if (!(err instanceof AppError)) return undefined;
  const text = err.awsName ? `${err.awsName}: ${err.message}` : err.message;
  if (err.code === 'Unauthenticated') return { ok: false, error: text };
  if (err.code === 'ProviderUnavailable' && !err.awsName) return { ok: false, error: text };
  if (err.fault === 'client' && err.code !== 'RateLimited') return { ok: true };
  return undefined;
}

/**
 * Keeps a connection's `last_connection_ok`, `last_connection_error` and
 * `last_connection_at` in step with what provider calls through it experience: a failure
 * (see {@link outcomeOf}) marks it not ok, the next success after a failure marks it ok
 * again. Only a change of state is written (one UPDATE when a connection breaks or
 * recovers), so the hot path costs a map lookup.
 */
export class ConnectionHealth {
  /** The state last written per connection by this instance (the record may be cached and older). */
  private readonly known = new Map<string, boolean>();
  private readonly observed = new WeakMap<KmsProvider, KmsProvider>();

  constructor(private readonly repo: ConnectionRepository) {}

  /**
   * The provider, reporting the outcome of each of its calls on `connection`. Wrappers are
   * cached per provider instance (the registry caches those per connection version).
   */
  observe(provider: KmsProvider, connection: ConnectionRecord): KmsProvider {
    let wrapped = this.observed.get(provider);
    if (!wrapped) {
      wrapped = this.wrap(provider, connection);
      this.observed.set(provider, wrapped);
    }
    return wrapped;
  }

  /**
   * Records an outcome when it changes the connection's state (ok or not). `force` writes
   * whatever the state (a connection test: `last_connection_at` tells when it ran).
   */
  async record(
    connection: Pick<ConnectionRecord, 'id' | 'lastConnectionOk'>,
    outcome: ConnectionOutcome,
    force = false,
  ): Promise<void> {
    const known = this.known.get(connection.id) ?? connection.lastConnectionOk;
    if (!force && known === outcome.ok) return;
    this.known.set(connection.id, outcome.ok);
    await this.repo.update(connection.id, {
      lastConnectionOk: outcome.ok,
      lastConnectionError: outcome.ok ? null : outcome.error,
      lastConnectionAt: new Date(),
    });
  }

  /** Forgets what this instance knows of a connection (it changed or went). */
  forget(connectionId: string): void {
    this.known.delete(connectionId);
  }

  private wrap(provider: KmsProvider, connection: ConnectionRecord): KmsProvider {
    const report = async <T>(call: () => Promise<T>): Promise<T> => {
      let result: T;
      try {
        result = await call();
      } catch (err) {
        await this.report(connection, outcomeOf(err));
        throw err;
      }
      await this.report(connection, { ok: true });
      return result;
    };
    return {
      kind: provider.kind,
      region: provider.region,
      kms: (op, input) => report(() => provider.kms(op, input)),
      cloudHsm: (op, input) => report(() => provider.cloudHsm(op, input)),
      getCallerIdentity: () => report(() => provider.getCallerIdentity()),
      ...(provider.simulateAccess ? { simulateAccess: (r) => report(() => provider.simulateAccess!(r)) } : {}),
      ...(provider.close ? { close: () => provider.close!() } : {}),
    };
  }

  private async report(connection: ConnectionRecord, outcome: ConnectionOutcome | undefined): Promise<void> {
    const known = this.known.get(connection.id) ?? connection.lastConnectionOk;
    // A success matters only after a failure: a connection never tested stays "unknown" (null).
    if (!outcome || known === outcome.ok || (outcome.ok && known === null)) return;
    // A failure to record the state must not turn the call's own outcome into another error.
    await this.record(connection, outcome).catch(() => undefined);
  }
}
