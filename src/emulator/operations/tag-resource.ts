import { assertKeyUsable } from '../model/key-state.js';
import { mergeTags, validateNewTags } from '../model/tags.js';
import type { OperationHandler } from './context.js';
import { saveKeyDoc } from './save-key.js';

/**
 * TagResource: adds tags, overwriting the value of keys that already exist.
 *
 * @throws TagException | NotFoundException | KMSInvalidStateException
 */
export const tagResource: OperationHandler<'TagResource'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!);
  assertKeyUsable(entry.doc, ctx.op);
  const added = input.Tags!.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue ?? '' }));
  validateNewTags(added);
  await saveKeyDoc(ctx, entry, { ...entry.doc, tags: mergeTags(entry.doc.tags, added) });
  return {};
};
