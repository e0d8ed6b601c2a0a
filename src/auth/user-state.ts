/** What a bearer token of ours is checked against on every request: the user as it is now. */
export interface UserState {
  account: string;
  username: string;
  groups: readonly string[];
  disabled: boolean;
  tokenVersion: number;
}

/** Reads one user's state by id (one primary-key read); null when the user does not exist. */
export type UserStateLoader = (userId: string) => Promise<UserState | null>;

/**
 * A short per-instance cache of user state, so verifying a token costs at most one
 * primary-key read per user per `ttlMs`. Changes made through this instance call
 * `invalidate` and are seen at once; changes made through another instance are seen
 * once the entry expires. Absent users are cached too (a deleted user's token is refused
 * without a read per request). Concurrent misses for one user share one read, and a read
 * that was under way when the user was invalidated is not kept (it may predate the change).
 */
export class UserStateCache {
  private readonly entries = new Map<string, { state: UserState | null; expires: number }>();
  private readonly loading = new Map<string, Promise<UserState | null>>();
  /** Bumped by `invalidate`; a read started under an older generation is not cached. */
  private generation = 0;

  constructor(
    private readonly load: UserStateLoader,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(userId: string): Promise<UserState | null> {
    const hit = this.entries.get(userId);
    if (hit && hit.expires > this.now()) return hit.state;
    const pending = this.loading.get(userId);
    if (pending) return pending;
    const generation = this.generation;
    const read = this.load(userId).finally(() => {
      if (this.loading.get(userId) === read) this.loading.delete(userId);
    });
    this.loading.set(userId, read);
    const state = await read;
    if (generation === this.generation && this.ttlMs > 0) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(userId, { state, expires: this.now() + this.ttlMs });
    }
    return state;
  }

  /** Forgets one user at once (after a change made through this instance). */
  invalidate(userId: string): void {
    this.generation++;
    this.entries.delete(userId);
    this.loading.delete(userId);
  }
}
