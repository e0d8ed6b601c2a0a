import { randomUUID } from 'node:crypto';
import type { ConnectionErrorCodeType } from '@aws-sdk/client-kms';
import { awsError, type AppError } from '../../errors/index.js';
import {
  XksCallError,
  type XksFailure,
  type XksHealthRequestMetadata,
  type XksProxyTarget,
  type XksRequestMetadata,
} from '../../xks/xks-types.js';
import type { CustomKeyStoreDoc, XksProxyDoc } from '../model/custom-key-store.js';
import type { KeyStoreServices } from './context.js';

/**
 * How the emulator's KMS talks to an external key store proxy: where (the endpoint
 * resolver), as whom (the store's credential) and how proxy failures become the AWS
 * exceptions and ConnectionErrorCodes AWS documents for each situation.
 */

/** Why a proxy cannot even be called: no client, or a VPC endpoint service that does not exist. */
type Unroutable = 'no-client' | 'vpc-service-not-found';

/** The proxy target of a store, or why there is none. */
export function proxyTarget(
  services: KeyStoreServices,
  doc: Pick<CustomKeyStoreDoc, 'region'>,
  xks: XksProxyDoc,
  secret: string,
): XksProxyTarget | Unroutable {
  if (!services.xksClient) return 'no-client';
  const resolved = services.resolveXksEndpoint?.(xks.uriEndpoint, xks.connectivity, xks.vpcEndpointServiceName);
  if (xks.connectivity === 'VPC_ENDPOINT_SERVICE' && (!services.resolveXksEndpoint || resolved === undefined))
    return 'vpc-service-not-found';
  return {
    uriEndpoint: resolved ?? xks.uriEndpoint,
    uriPath: xks.uriPath,
    credential: { accessKeyId: xks.accessKeyId, secretAccessKey: secret },
    region: doc.region,
  };
}

/**
 * The requestMetadata KMS sends with GetHealthStatus: only a request id and the operation
 * (CreateCustomKeyStore, UpdateCustomKeyStore, ConnectCustomKeyStore or KmsHealthCheck), no principal.
 */
export function healthMetadata(kmsOperation: string): XksHealthRequestMetadata {
  return { kmsRequestId: randomUUID(), kmsOperation };
}

/**
 * The requestMetadata KMS sends with a key operation: the principal, the operation, a
 * request id and, for Encrypt and Decrypt (not for CreateKey's GetKeyMetadata), the key ARN.
 */
export function requestMetadata(principalArn: string, kmsOperation: string, kmsKeyArn?: string): XksRequestMetadata {
  return {
    awsPrincipalArn: principalArn,
    kmsOperation,
    kmsRequestId: randomUUID(),
    ...(kmsKeyArn ? { kmsKeyArn } : {}),
  };
}

/** The failure of a proxy call (anything that is not an {@link XksCallError} is an invalid response). */
export function failureOf(err: unknown): XksFailure {
  if (err instanceof XksCallError) return err.failure;
  return { kind: 'invalid-response', message: 'the proxy call failed' };
}

/** ConnectionErrorCode for a failed health check during ConnectCustomKeyStore. */
export function connectionErrorOf(failure: XksFailure | Unroutable): ConnectionErrorCodeType {
  if (failure === 'no-client') return 'XKS_PROXY_NOT_REACHABLE';
  if (failure === 'vpc-service-not-found') return 'XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND';
  switch (failure.kind) {
    case 'unreachable':
      return 'XKS_PROXY_NOT_REACHABLE';
    case 'timeout':
      return 'XKS_PROXY_TIMED_OUT';
    case 'invalid-response':
      return 'XKS_PROXY_INVALID_RESPONSE';
    case 'proxy-error':
      // A store the proxy refuses (bad credential, authorization rules, or blocked/disabled: InvalidStateException).
      if (
        ['AuthenticationFailedException', 'AccessDeniedException', 'InvalidStateException'].includes(failure.errorName)
      )
        return 'XKS_PROXY_ACCESS_DENIED';
      if (failure.errorName === 'InvalidUriPathException') return 'XKS_PROXY_INVALID_CONFIGURATION';
      return 'XKS_PROXY_INVALID_RESPONSE';
  }
}

/**
 * The exception of CreateCustomKeyStore/UpdateCustomKeyStore when the proxy's health
 * check fails (AWS contacts the proxy before it accepts the configuration).
 */
export function configurationError(failure: XksFailure | Unroutable): AppError {
  if (failure === 'vpc-service-not-found') {
    return awsError(
      'XksProxyVpcEndpointServiceNotFoundException',
      'KMS could not find the specified VPC endpoint service (XksProxyVpcEndpointServiceName).',
    );
  }
  if (failure === 'no-client')
    return awsError(
      'XksProxyUriUnreachableException',
      'KMS could not reach the external key store proxy at XksProxyUriEndpoint.',
    );
  switch (failure.kind) {
    case 'unreachable':
    case 'timeout':
      return awsError(
        'XksProxyUriUnreachableException',
        `KMS could not reach the external key store proxy at XksProxyUriEndpoint and XksProxyUriPath (${failure.kind}).`,
      );
    case 'invalid-response':
      return awsError(
        'XksProxyInvalidResponseException',
        'The external key store proxy did not answer the health check with a valid XKS API response.',
      );
    case 'proxy-error':
      if (failure.errorName === 'AuthenticationFailedException' || failure.errorName === 'AccessDeniedException') {
        return awsError(
          'XksProxyIncorrectAuthenticationCredentialException',
          'The external key store proxy rejected XksProxyAuthenticationCredential.',
        );
      }
      if (failure.errorName === 'InvalidUriPathException') {
        return awsError(
          'XksProxyInvalidConfigurationException',
          'The external key store proxy does not serve the XKS API at XksProxyUriPath.',
        );
      }
      return awsError(
        'XksProxyInvalidResponseException',
        `The external key store proxy answered the health check with ${failure.errorName}.`,
      );
  }
}

/**
 * The exception of a cryptographic operation (or CreateKey's key check) when the proxy
 * call fails: a timeout is DependencyTimeoutException, a key the proxy cannot use is
 * KMSInvalidStateException, a ciphertext it cannot authenticate InvalidCiphertextException,
 * and a proxy KMS cannot use (unreachable, refusing, garbled) makes the key unavailable:
 * `unavailable` (KMSInvalidStateException for crypto, CustomKeyStoreInvalidStateException for CreateKey).
 */
export function cryptoError(
  failure: XksFailure | Unroutable,
  unavailable: 'KMSInvalidStateException' | 'CustomKeyStoreInvalidStateException',
): AppError {
  if (typeof failure !== 'string') {
    if (failure.kind === 'timeout')
      return awsError('DependencyTimeoutException', 'The external key store proxy did not answer in time.');
    if (failure.kind === 'proxy-error') {
      if (failure.errorName === 'InvalidCiphertextException') {
        return awsError('InvalidCiphertextException', 'The external key store proxy could not decrypt the ciphertext.');
      }
      if (failure.errorName === 'DependencyTimeoutException')
        return awsError('DependencyTimeoutException', 'The external key manager did not answer in time.');
      return awsError(unavailable, `The external key store proxy refused the request (${failure.errorName}).`);
    }
  }
  const why = typeof failure === 'string' ? failure : failure.kind;
  return awsError(unavailable, `The external key store proxy cannot be used (${why}).`);
}
