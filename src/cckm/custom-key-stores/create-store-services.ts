import type { SecretBox } from '../../auth/secret-box.js';
import type { KeyService } from '../keys/key.service.js';
import type { KmsService } from '../kms/kms.service.js';
import type { CustomKeyStoreRepository } from './custom-key-store.repository.js';
import { CustomKeyStoreService, type CustomKeyStoreOptions } from './custom-key-store.service.js';
import { XksCredentialRotation } from './credential-rotation.js';
import { CustomKeyStoreActions, type HyokSourceKeys } from './store-actions.service.js';
import { CustomKeyStoreXksResolver } from './xks-store-resolver.js';

/** The custom key store services the composition root adds to {@link Services}. */
export interface StoreServices {
  customKeyStores: CustomKeyStoreService;
  customKeyStoreActions: CustomKeyStoreActions;
  /** The XKS proxy's view of the stores opencckm hosts (pass to the proxy routes). */
  xksStores: CustomKeyStoreXksResolver;
  /** Hosted stores' proxy credentials: shown to admins, rotated (`rotateCredential`, also the scheduler's). */
  xksCredentials: XksCredentialRotation;
}

export interface StoreServiceOptions extends CustomKeyStoreOptions {
  /** The XKS proxy's source keys (create-hyok-key creates one when none is given). */
  sourceKeys?: HyokSourceKeys;
}

/** Wires the custom key store services over their repository and the key and KMS services. */
export function createStoreServices(
  repos: { customKeyStores: CustomKeyStoreRepository },
  deps: { kms: KmsService; keys: KeyService; box: SecretBox },
  options: StoreServiceOptions = {},
): StoreServices {
  const { sourceKeys, ...storeOptions } = options;
  const customKeyStores = new CustomKeyStoreService(repos.customKeyStores, deps.kms, deps.box, storeOptions);
  return {
    customKeyStores,
    customKeyStoreActions: new CustomKeyStoreActions(customKeyStores, repos.customKeyStores, deps.keys, sourceKeys),
    xksStores: new CustomKeyStoreXksResolver(repos.customKeyStores, deps.box),
    xksCredentials: new XksCredentialRotation(customKeyStores, repos.customKeyStores, deps.box),
  };
}
