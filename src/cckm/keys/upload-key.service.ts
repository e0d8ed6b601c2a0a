import type { Principal } from '../../auth/principal.js';
import { AppError, ValidationError } from '../../errors/index.js';
import { checkKeyParams, type AwsKeyParams } from './create-key-request.js';
import type { ImportMaterialInput } from './key-action-bodies.js';
import type { ActionTarget, KeyActionService } from './key-actions.service.js';
import { checkImportRequest, importKeyMaterial } from './key-material.js';
import type { KeyRepository } from './key.repository.js';
import type { KeyService } from './key.service.js';
import type { CreateKeyInput, KeyView } from './key-view.js';

/** `POST /cckm/aws/upload-key` (BYOK upload, reference/cckm-api.md §2.1), as validated by the OpenAPI contract. */
export interface UploadKeyInput extends Omit<CreateKeyInput, 'aws_param'> {
  /** CreateKey's parameters plus `ValidTo` (when the material expires). `Origin`, if given, must be EXTERNAL. */
  aws_param?: AwsKeyParams & { ValidTo?: string };
  source_key_tier?: 'local';
  source_key_identifier?: string;
  /** Caller-supplied material, base64 (never logged or stored); opencckm generates it when absent. */
  key_material?: string;
  key_expiration?: boolean;
  key_material_description?: string;
}

/** AWS's shortest deletion window: a half-made key goes as soon as AWS allows. */
const DISCARD_WINDOW_DAYS = 7;

/**
 * BYOK upload in one request: CreateKey with Origin EXTERNAL (through KeyService.create, so
 * with its reservation record and no-orphan tagging), then the import of material generated
 * here or supplied by the caller (the import-material action's code).
 *
 * Everything that can be checked is checked before the key is created. When the import is
 * refused anyway (wrong material, AWS failing), no usable half-made key remains: the key's
 * aliases are removed, its deletion is scheduled (7 days, cancellable), and its record is
 * kept with `status: failed` and `last_error` saying so; the error answered says so too.
 */
export class UploadKeyService {
  constructor(
    private readonly keys: KeyService,
    private readonly actions: KeyActionService,
    private readonly records: KeyRepository,
  ) {}

  /**
   * Creates the key and imports its material; answers the record of the usable key.
   * @throws ValidationError naming the field; UnsupportedOperationError; ConflictError; provider
   *   errors with AWS's names (after an import failure, with what was done to the key in the message)
   */
  async upload(p: Principal, input: UploadKeyInput): Promise<KeyView> {
    // The keyupload permission is checked by create (Origin EXTERNAL), before AWS is called.
    const {
      aws_param: awsParam = {},
      source_key_tier,
      source_key_identifier,
      key_material,
      key_expiration,
      key_material_description,
      ...create
    } = input;
    const { ValidTo, ...params } = awsParam;
    if (params.Origin !== undefined && params.Origin !== 'EXTERNAL') {
      throw ValidationError.field(
        'aws_param.Origin',
        'must be EXTERNAL (or omitted): upload-key imports the key material',
      );
    }
    const material: ImportMaterialInput = {
      ...(source_key_tier !== undefined ? { source_key_tier } : {}),
      ...(source_key_identifier !== undefined ? { source_key_identifier } : {}),
      ...(key_material !== undefined ? { key_material } : {}),
      ...(key_expiration !== undefined ? { key_expiration } : {}),
      ...(ValidTo !== undefined ? { valid_to: ValidTo } : {}),
      ...(key_material_description !== undefined ? { key_material_description } : {}),
    };
    const checked = checkKeyParams({ ...params, Origin: 'EXTERNAL' }, create.region);
    checkImportRequest(checked.spec, material, 'aws_param.ValidTo');

    const created = await this.keys.create(p, { ...create, aws_param: { ...params, Origin: 'EXTERNAL' } });
    const t = await this.actions.target(p, created.key.id, 'keyupload');
    try {
      await importKeyMaterial(t.provider, t.keyId, checked.spec, 'EXTERNAL', material, 'aws_param.ValidTo');
    } catch (err) {
      throw await this.discard(t, err);
    }
    return this.actions.reread(t);
  }

  /**
   * After a failed import: removes the key's aliases (so a retry may use them), schedules the
   * key's deletion and marks its record failed. Returns the error to answer: the import's
   * own error, of the same kind, with what happened to the key appended.
   */
  private async discard(t: ActionTarget, err: unknown): Promise<unknown> {
    const reason = err instanceof AppError ? `${err.awsName ? `${err.awsName}: ` : ''}${err.message}` : 'unknown error';
    const done: string[] = [];
    const left: string[] = [];
    for (const alias of t.key.aliases) {
      try {
        await t.provider.kms('DeleteAlias', { AliasName: alias });
        done.push(`alias ${alias} was deleted`);
      } catch {
        left.push(`alias ${alias} could not be deleted`);
      }
    }
    try {
      const r = await t.provider.kms('ScheduleKeyDeletion', {
        KeyId: t.keyId,
        PendingWindowInDays: DISCARD_WINDOW_DAYS,
      });
      done.push(
        `AWS key ${t.keyId} was scheduled for deletion${r.DeletionDate ? ` on ${r.DeletionDate.toISOString()}` : ''}`,
      );
    } catch {
      left.push(
        `AWS key ${t.keyId} could not be scheduled for deletion (it has no usable material; schedule its deletion or retry import-material)`,
      );
    }
    const outcome = [...done, ...left].join('; ');
    const lastError = `Key material import failed (${reason}); ${outcome}`;
    try {
      await this.actions.reread(t, { status: 'failed', lastError });
    } catch {
      // AWS cannot be read either: the record still says what happened.
      await this.records.update(t.key.id, { status: 'failed', lastError });
    }
    const message = `${err instanceof AppError ? err.message : 'Key material import failed'}. The upload did not complete: ${outcome}; key record ${t.key.id} is kept with status failed`;
    if (!(err instanceof AppError)) return err;
    const Kind = err.constructor as new (message: string, options: object) => AppError;
    return new Kind(message, {
      cause: err,
      ...(err.details ? { details: err.details } : {}),
      ...(err.awsName ? { awsName: err.awsName } : {}),
      ...(err.awsRequestId ? { awsRequestId: err.awsRequestId } : {}),
    });
  }
}
