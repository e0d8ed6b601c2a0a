import './reflect-metadata-shim.js';
import { webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';

export type X509Lib = typeof X509;

let loading: Promise<X509Lib> | undefined;

/**
 * Loads @peculiar/x509 with node's WebCrypto as its provider. Loaded on first use, not
 * imported statically: its dependency tsyringe checks for Reflect metadata while it is
 * being loaded, and with a static import an ES module loader may evaluate that CommonJS
 * package before the shim that provides it.
 */
export function loadX509(): Promise<X509Lib> {
  loading ??= import('@peculiar/x509').then((mod) => {
    const lib = ('X509Certificate' in mod ? mod : (mod as unknown as { default: X509Lib }).default) as X509Lib;
    lib.cryptoProvider.set(webcrypto as unknown as ReturnType<X509Lib['cryptoProvider']['get']>);
    return lib;
  });
  return loading;
}
