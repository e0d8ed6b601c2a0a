import type { SecretBox } from '../../auth/secret-box.js';
import type { XksStoreAccess, XksStoreResolver } from '../../xks/proxy.js';
import type { CustomKeyStoreRepository } from './custom-key-store.repository.js';
import { hostedParams } from './custom-key-store.service.js';
import { acceptedCredentials } from './credential-rotation.js';

/**
 * Tells opencckm's XKS proxy about the stores it hosts, from their records: the signing
 * region, the accepted credentials (opened from their sealed form only here), whether the store
 * is blocked, and the account whose source keys it may use. Stores opencckm does not host are
 * unknown to the proxy (it answers InvalidUriPathException).
 */
export class CustomKeyStoreXksResolver implements XksStoreResolver {
  constructor(
    private readonly repo: CustomKeyStoreRepository,
    private readonly box: SecretBox,
  ) {}

  async resolveXksStore(storeId: string): Promise<XksStoreAccess | undefined> {
    const store = await this.repo.findById(storeId);
    if (!store) return undefined;
    const hosted = hostedParams(store);
    if (!hosted) return undefined;
    // Two during a credential rotation: the current one and the next one.
    const credentials = acceptedCredentials(this.box, store).map(({ accessKeyId, secretAccessKey }) => ({
      accessKeyId,
      secretAccessKey,
    }));
    return {
      region: store.region,
      credentials,
      blocked: hosted.blocked,
      ownerAccount: store.account,
      requireClientCertificate: hosted.mtls_enabled === true,
      ...(hosted.health_check_key_id ? { healthCheckKeyId: hosted.health_check_key_id } : {}),
    };
  }
}
