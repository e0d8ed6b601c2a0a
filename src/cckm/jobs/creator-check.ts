import { canWrite, type Principal } from '../../auth/principal.js';

/** A job creator as they are now (groups included), or undefined once deleted, disabled or moved to another account. */
export type CreatorNow = (p: Principal) => Promise<Principal | undefined>;

/** Every creator as stored: for runners built without a user directory (unit tests of the runner alone). */
export const creatorAsStored: CreatorNow = async (p) => p;

/** Re-read a job creator at most this often while a unit runs. */
const RECHECK_MS = 1000;

/**
 * The creator of a running job unit, re-read at most once a second: undefined once they
 * may no longer change keys (deleted, disabled, moved, or `mayAct` refuses them: by default
 * without write rights; runners pass the KMS account permission the job needs), so revoking
 * a user or their ACL entry stops the jobs they started at the next checkpoint.
 */
export function creatorCheck(
  creatorNow: CreatorNow,
  stored: Principal,
  mayAct: (p: Principal) => boolean | Promise<boolean> = canWrite,
): () => Promise<Principal | undefined> {
  let current: Promise<Principal | undefined> | undefined;
  let readAt = 0;
  return () => {
    if (!current || Date.now() - readAt >= RECHECK_MS) {
      readAt = Date.now();
      current = creatorNow(stored).then(async (p) => (p && (await mayAct(p)) ? p : undefined));
    }
    return current;
  };
}
