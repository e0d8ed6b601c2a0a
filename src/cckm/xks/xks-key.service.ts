import { randomBytes, randomUUID } from 'node:crypto';
import { assertCanRead, assertCanWrite, type Principal } from '../../auth/principal.js';
import type { SecretBox } from '../../auth/secret-box.js';
import { InternalError, NotFoundError, ValidationError } from '../../errors/index.js';
import type { XksKeyVault, XksVaultKey } from '../../xks/proxy.js';
import type { XksKeyUsage } from '../../xks/xks-types.js';
import type { ListQuery, Page } from '../common/list.js';
import type { XksKeyFilter, XksKeyRecord, XksKeyRepository, XksKeyRow } from './xks-key.repository.js';

/** The SecretBox purpose of one key's material: a sealed value cannot move to another row. */
const xksMaterialPurpose = (account: string, id: string) => `xks-key:${account}:${id}:material`;

/** Names: XKS key ids are `[a-zA-Z0-9-_.]{1,128}`, and a name may be used as one. */
const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const USAGES: readonly XksKeyUsage[] = ['ENCRYPT', 'DECRYPT'];

/** What `POST /xks-keys` accepts. */
export interface XksKeyInput {
  name?: string;
  /** ENCRYPT and/or DECRYPT, or empty (default both). */
  key_usage?: string[];
}

/** Validates `key_usage`: distinct members of ENCRYPT, DECRYPT. @throws ValidationError naming `key_usage` */
function keyUsageOf(value: unknown): XksKeyUsage[] {
  if (value === undefined) return [...USAGES];
  if (!Array.isArray(value) || value.length > USAGES.length)
    throw ValidationError.field('key_usage', 'must be an array of at most 2 of ENCRYPT, DECRYPT');
  const out: XksKeyUsage[] = [];
  for (const u of value) {
    if (typeof u !== 'string' || !USAGES.includes(u as XksKeyUsage))
      throw ValidationError.field('key_usage', 'members must be ENCRYPT or DECRYPT');
    if (out.includes(u as XksKeyUsage)) throw ValidationError.field('key_usage', `lists ${u} twice`);
    out.push(u as XksKeyUsage);
  }
  // A stable order, as GetKeyMetadata answers it.
  return USAGES.filter((u) => out.includes(u));
}

/** Strips the sealed material: nothing above the service ever sees it. */
function record(row: XksKeyRow): XksKeyRecord {
  const { sealedMaterial: _sealed, ...rest } = row;
  return rest;
}

/**
 * The source keys opencckm's own XKS proxy holds (AES-256, generated here with
 * node:crypto, sealed at rest with SecretBox). Principals manage them within their account;
 * the proxy reads them through {@link XksKeyVault}, scoped to the store owner's account.
 * An XKS key id on the proxy API is the key's id or its name.
 */
export class XksKeyService implements XksKeyVault {
  constructor(
    private readonly repo: XksKeyRepository,
    private readonly box: SecretBox,
  ) {}

  /**
   * Creates a key with fresh random material, allowed `key_usage` (default ENCRYPT and
   * DECRYPT; a restricted key answers InvalidKeyUsageException on the proxy).
   * @throws ForbiddenError without write rights; ValidationError naming the field; ConflictError for a taken name
   */
  async create(p: Principal, input: XksKeyInput): Promise<XksKeyRecord> {
    assertCanWrite(p);
    const body = (input ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(body))
      if (k !== 'name' && k !== 'key_usage') throw ValidationError.field(k, 'is not a field of an XKS key');
    if (input.name !== undefined) {
      if (typeof input.name !== 'string' || !NAME.test(input.name))
        throw ValidationError.field('name', 'must be 1 to 128 characters of [A-Za-z0-9_.-]');
      if (UUID.test(input.name)) throw ValidationError.field('name', 'must not look like a key id (UUID)');
    }
    const keyUsage = keyUsageOf(input.key_usage);
    return record(await this.insert(p.account, input.name, p.username, keyUsage));
  }

  /** Generates, seals and stores a new key; the plaintext material buffer is zeroed after sealing. */
  private async insert(
    account: string,
    name: string | undefined,
    createdBy: string | null,
    keyUsage: XksKeyUsage[] = [...USAGES],
  ): Promise<XksKeyRow> {
    const id = randomUUID();
    const material = randomBytes(32);
    let sealedMaterial: Buffer;
    try {
      sealedMaterial = this.box.seal(material.toString('base64'), xksMaterialPurpose(account, id));
    } finally {
      material.fill(0);
    }
    return this.repo.create({ id, account, name: name ?? null, sealedMaterial, enabled: true, keyUsage, createdBy });
  }

  /** @throws NotFoundError when the key is not in the caller's account */
  async get(p: Principal, idOrName: string): Promise<XksKeyRecord> {
    assertCanRead(p);
    return record(await this.row(p.account, idOrName));
  }

  async list(p: Principal, filter: XksKeyFilter, q: ListQuery): Promise<Page<XksKeyRecord>> {
    assertCanRead(p);
    const { total, rows } = await this.repo.list(p.account, filter, q);
    return { skip: q.skip, limit: q.limit, total, resources: rows.map(record) };
  }

  /** Enables or disables a key; a disabled key answers InvalidStateException on the proxy. @throws NotFoundError */
  async setEnabled(p: Principal, idOrName: string, enabled: boolean): Promise<XksKeyRecord> {
    assertCanWrite(p);
    const current = await this.row(p.account, idOrName);
    const updated = await this.repo.setEnabled(p.account, current.id, enabled);
    if (!updated) throw new NotFoundError(`XKS key ${idOrName} not found`);
    return record(updated);
  }

  /**
   * Deletes a key and its sealed material at once. Irreversible: every ciphertext made
   * under it (and every KMS key in an external key store backed by it) becomes undecryptable.
   * @throws NotFoundError
   */
  async delete(p: Principal, idOrName: string): Promise<void> {
    assertCanWrite(p);
    const current = await this.row(p.account, idOrName);
    if (!(await this.repo.delete(p.account, current.id))) throw new NotFoundError(`XKS key ${idOrName} not found`);
  }

  /**
   * The XKS key id a new store key (create-hyok-key) should use: `sourceKeyId` (id or name)
   * when `account` has it enabled, or a freshly created key when it is undefined. Satisfies the
   * custom key store service's `HyokSourceKeys`.
   * @throws ValidationError naming `local_hosted_params.source_key_id` for an unknown or disabled key
   */
  async ensureSourceKey(account: string, sourceKeyId: string | undefined): Promise<string> {
    const field = 'local_hosted_params.source_key_id';
    if (sourceKeyId === undefined) return (await this.insert(account, undefined, null)).id;
    const row = await this.repo.find(account, sourceKeyId);
    if (!row) throw ValidationError.field(field, `no XKS source key ${sourceKeyId} in this account`);
    if (!row.enabled) throw ValidationError.field(field, `XKS source key ${sourceKeyId} is disabled`);
    return row.id;
  }

  /**
   * The proxy's view: material and state of a key in `account`, or undefined.
   * @throws InternalError when the sealed material cannot be opened (wrong master key)
   */
  async getXksKey(account: string, keyId: string): Promise<XksVaultKey | undefined> {
    const row = await this.repo.find(account, keyId);
    if (!row) return undefined;
    const material = Buffer.from(this.box.open(row.sealedMaterial, xksMaterialPurpose(row.account, row.id)), 'base64');
    if (material.length !== 32) throw new InternalError(`XKS key ${row.id} has material of the wrong length`);
    const keyUsage = USAGES.filter((u) => row.keyUsage.includes(u));
    return { material, enabled: row.enabled, keyUsage };
  }

  private async row(account: string, idOrName: string): Promise<XksKeyRow> {
    const row = await this.repo.find(account, idOrName);
    if (!row) throw new NotFoundError(`XKS key ${idOrName} not found`);
    return row;
  }
}
