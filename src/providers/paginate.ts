import { ProviderFailureError } from '../errors/index.js';
import type { KmsOperations, KmsProvider } from './kms-provider.js';

/**
 * The item list of each paginated KMS operation. They all page the same way: the request
 * takes `Limit` and `Marker`, the response has `Truncated` and, when true, `NextMarker`.
 */
const PAGINATED_ITEMS = {
  ListKeys: 'Keys',
  ListAliases: 'Aliases',
  ListGrants: 'Grants',
  ListKeyPolicies: 'PolicyNames',
  ListKeyRotations: 'Rotations',
  ListResourceTags: 'Tags',
  ListRetirableGrants: 'Grants',
  DescribeCustomKeyStores: 'CustomKeyStores',
} as const satisfies { [Op in keyof KmsOperations]?: keyof KmsOperations[Op]['output'] };

export type PaginatedOperation = keyof typeof PAGINATED_ITEMS;

/** One item of a paginated operation's list (a key, an alias, a grant...). */
export type PaginatedItem<Op extends PaginatedOperation> =
  NonNullable<
    KmsOperations[Op]['output'][(typeof PAGINATED_ITEMS)[Op] & keyof KmsOperations[Op]['output']]
  > extends readonly (infer T)[]
    ? T
    : never;

/** Stops a provider that keeps answering the same marker from looping forever. */
const MAX_PAGES = 100_000;

/**
 * Every page of a paginated KMS operation, requested one after another as the caller
 * consumes them (`for await (const page of paginate(p, 'ListKeys', { Limit: 1000 }))`).
 * Any `Marker` in `input` is where the first page starts.
 *
 * @throws the provider's AppErrors; ProviderFailureError when a page is truncated without
 *   a marker, or the marker does not advance.
 */
export async function* paginate<Op extends PaginatedOperation>(
  provider: KmsProvider,
  op: Op,
  input: KmsOperations[Op]['input'],
): AsyncGenerator<KmsOperations[Op]['output'], void, undefined> {
  let marker = (input as { Marker?: string }).Marker;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await provider.kms(op, { ...input, ...(marker ? { Marker: marker } : {}) });
    yield out;
    const { Truncated, NextMarker } = out as { Truncated?: boolean; NextMarker?: string };
    if (!Truncated) return;
    if (!NextMarker || NextMarker === marker)
      throw new ProviderFailureError(`${op} answered a truncated page without a new NextMarker`);
    marker = NextMarker;
  }
  throw new ProviderFailureError(`${op} did not finish within ${MAX_PAGES} pages`);
}

/** Every item of a paginated KMS operation, page after page. */
export async function* paginateItems<Op extends PaginatedOperation>(
  provider: KmsProvider,
  op: Op,
  input: KmsOperations[Op]['input'],
): AsyncGenerator<PaginatedItem<Op>, void, undefined> {
  const field = PAGINATED_ITEMS[op];
  for await (const page of paginate(provider, op, input)) {
    yield* ((page as Record<string, unknown>)[field] as PaginatedItem<Op>[] | undefined) ?? [];
  }
}
