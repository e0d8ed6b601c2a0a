import { Router, type Request, type Response } from 'express';
import { ownership } from '../../auth/principal.js';
import type {
  ImportMaterialInput,
  PolicyActionInput,
  ReplicateKeyInput,
  TagInput,
} from '../../cckm/keys/key-action-bodies.js';
import type { KeyActionService, RotationView } from '../../cckm/keys/key-actions.service.js';
import type { SimulateAccessInput } from '../../cckm/keys/key-access.js';
import type { KeyReplicationService } from '../../cckm/keys/key-replication.service.js';
import type { KeyView } from '../../cckm/keys/key-view.js';
import { awsTime } from '../../cckm/keys/key-metadata.js';
import type { ApprovalAction } from '../../cckm/approvals/approval.repository.js';
import type { ApprovalService } from '../../cckm/approvals/approval.service.js';
import { approval } from '../presenters/approval.presenter.js';
import * as present from '../presenters/presenters.js';
import { listQuery, one } from './query.js';

const ROTATION_SORT = { RotationDate: 'RotationDate' };
const GATED: ReadonlySet<string> = new Set<ApprovalAction>(['schedule-deletion', 'delete-material', 'policy']);

/**
 * One rotation (ListKeyRotations entry) in the shape of the original's rotation list item
 * (reference/cckm-api.md §2.2). `id` is the AWS KeyMaterialId; opencckm has no key source
 * of its own, so the source fields are null.
 */
function rotation(v: RotationView): Record<string, unknown> {
  const e = v.entry;
  const at = e.RotationDate ?? v.key.awsCreatedAt ?? v.key.createdAt;
  const awsParam = Object.fromEntries(
    Object.entries({
      KeyId: e.KeyId,
      KeyMaterialId: e.KeyMaterialId,
      KeyMaterialState: e.KeyMaterialState,
      ImportState: e.ImportState,
      RotationDate: awsTime(e.RotationDate),
      RotationType: e.RotationType,
      ExpirationModel: e.ExpirationModel,
      KeyMaterialDescription: e.KeyMaterialDescription,
      ValidTo: awsTime(e.ValidTo),
    }).filter(([, x]) => x !== undefined),
  );
  return {
    id: e.KeyMaterialId ?? '',
    uri: `kylo:kylo:cckm:aws-key-rotation:${v.key.id}:${e.KeyMaterialId ?? ''}`,
    ...ownership(v.key.account),
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
    key_id: v.key.id,
    kms_id: v.kms.id,
    key_material_origin: v.key.keyMaterialOrigin ?? 'unknown',
    key_source: null,
    key_source_container_id: null,
    key_source_container_name: null,
    source_key_identifier: null,
    source_key_name: null,
    local_key_id: null,
    aws_param: awsParam,
  };
}

/** The key lifecycle actions: `POST /cckm/aws/keys/{id}/<action>` and two reads. Handlers are thin. */
export function keyActionRoutes(
  actions: KeyActionService,
  replication: KeyReplicationService,
  approvals: ApprovalService,
): Router {
  const r = Router();
  const post = (action: string, run: (req: Request) => Promise<KeyView>, status = 200) => {
    r.post(`/cckm/aws/keys/:id/${action}`, async (req: Request, res: Response) => {
      res.locals.resourceId = req.params.id;
      // Destructive actions on a KMS account with approvals_required wait for approvals: 202.
      if (GATED.has(action)) {
        const pending = await approvals.request(req.principal!, action as ApprovalAction, id(req), body(req));
        if (pending) {
          res.locals.auditDetails = { approval_id: pending.id, status: 'pending' };
          res.status(202).json(approval(pending));
          return;
        }
      }
      const v = await run(req);
      res.status(status).json(present.key(v));
    });
  };
  const id = (req: Request) => String(req.params.id);
  // The OpenAPI validator has checked every body against its schema before the handler runs.
  const body = <T>(req: Request): T => (req.body ?? {}) as T;

  post('enable', (req) => actions.enable(req.principal!, id(req)));
  post('disable', (req) => actions.disable(req.principal!, id(req)));
  post('schedule-deletion', (req) =>
    actions.scheduleDeletion(req.principal!, id(req), body<{ days?: number }>(req).days),
  );
  post('cancel-deletion', (req) => actions.cancelDeletion(req.principal!, id(req)));
  post('enable-auto-rotation', (req) =>
    actions.enableAutoRotation(
      req.principal!,
      id(req),
      body<{ rotation_period_in_days?: number }>(req).rotation_period_in_days,
    ),
  );
  post('disable-auto-rotation', (req) => actions.disableAutoRotation(req.principal!, id(req)));
  post('rotate-material', (req) => actions.rotateMaterial(req.principal!, id(req)));
  post('policy', (req) => actions.putPolicy(req.principal!, id(req), body<PolicyActionInput>(req)));
  post('add-tags', (req) => actions.addTags(req.principal!, id(req), body<{ tags: TagInput[] }>(req).tags));
  post('remove-tags', (req) => actions.removeTags(req.principal!, id(req), body<{ tags: string[] }>(req).tags));
  post('add-alias', (req) => actions.addAlias(req.principal!, id(req), body<{ alias: string }>(req).alias));
  post('delete-alias', (req) => actions.deleteAlias(req.principal!, id(req), body<{ alias: string }>(req).alias));
  post('update-description', (req) =>
    actions.updateDescription(req.principal!, id(req), body<{ description: string }>(req).description),
  );
  post('import-material', (req) => actions.importMaterial(req.principal!, id(req), body<ImportMaterialInput>(req)));
  post('delete-material', (req) =>
    actions.deleteMaterial(req.principal!, id(req), body<{ key_material_id?: string }>(req).key_material_id),
  );
  post('replicate-key', (req) => replication.replicate(req.principal!, id(req), body<ReplicateKeyInput>(req)), 201);
  post('update-primary-region', (req) =>
    replication.updatePrimaryRegion(req.principal!, id(req), body<{ PrimaryRegion: string }>(req).PrimaryRegion),
  );

  // A read (no change anywhere) over POST, for its body; audited like every POST.
  r.post('/cckm/aws/keys/:id/simulate-access', async (req, res) => {
    res.locals.resourceId = req.params.id;
    const answer = await actions.simulateAccess(req.principal!, id(req), body<SimulateAccessInput>(req));
    res.locals.auditDetails = { principal: answer.principal, action: answer.action, allowed: answer.allowed };
    res.json(answer);
  });
  r.get('/cckm/aws/keys/:id/rotations', async (req, res) => {
    const { q, requestedLimit } = listQuery(req, ROTATION_SORT);
    const all = one(req, 'include_key_material') === 'ALL_KEY_MATERIAL';
    res.json(present.page(await actions.rotations(req.principal!, id(req), q, all), rotation, requestedLimit));
  });
  r.get('/cckm/aws/keys/:id/download-public-key', async (req, res) => {
    const k = await actions.publicKey(req.principal!, id(req));
    res.json({
      public_key: k.pem,
      KeyId: k.keyId,
      ...(k.keySpec ? { KeySpec: k.keySpec } : {}),
      ...(k.keyUsage ? { KeyUsage: k.keyUsage } : {}),
      ...(k.encryptionAlgorithms ? { EncryptionAlgorithms: k.encryptionAlgorithms } : {}),
      ...(k.signingAlgorithms ? { SigningAlgorithms: k.signingAlgorithms } : {}),
      ...(k.keyAgreementAlgorithms ? { KeyAgreementAlgorithms: k.keyAgreementAlgorithms } : {}),
    });
  });
  return r;
}
