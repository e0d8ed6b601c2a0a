import { awsError } from '../../errors/index.js';
import { assertKeyUsable } from '../model/key-state.js';
import type { OperationHandler } from './context.js';
import { saveKeyDoc } from './save-key.js';

/**
 * UntagResource: removes tags by key; keys that are not present are ignored, as in AWS.
 *
 * @throws TagException | NotFoundException | KMSInvalidStateException
 */
export const untagResource: OperationHandler<'UntagResource'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!);
  assertKeyUsable(entry.doc, ctx.op);
  const remove = new Set(input.TagKeys!);
  if ([...remove].some((k) => k.toLowerCase().startsWith('aws:'))) {
    throw awsError('TagException', 'Tag keys beginning with aws: are reserved for AWS use.');
  }
  await saveKeyDoc(ctx, entry, { ...entry.doc, tags: entry.doc.tags.filter((t) => !remove.has(t.TagKey!)) });
  return {};
};
