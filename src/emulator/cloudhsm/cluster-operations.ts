import type * as Hsm from '@aws-sdk/client-cloudhsm-v2';
import { awsError } from '../../errors/index.js';
import { createClusterCertificates, verifyClusterCertificate } from './certificates.js';
import {
  defaultVpcId,
  liveHsms,
  newResourceId,
  randomHex,
  stateAt,
  subnetPrefix,
  toCluster,
  toHsm,
  type ClusterDoc,
  type HsmDoc,
} from './cluster-record.js';
import type { HsmClusterState } from './directory.js';
import {
  HSM_TYPES,
  invalid,
  optionalInt,
  optionalString,
  PATTERNS,
  pageToken,
  readPageToken,
  requiredString,
  requireObject,
  stringList,
  tagList,
} from './validate.js';

/** What a CloudHSM operation sees: the caller's scope, the time, and a way to persist a cluster. */
export interface HsmOperationContext {
  readonly accountId: string;
  readonly region: string;
  readonly now: Date;
  /** How long asynchronous transitions take, in ms. */
  readonly transitionMs: number;
  /** The clusters of the caller's account and Region. */
  clusters(): ClusterDoc[];
  /** Writes a cluster through the store, then shows it in memory. `purge` also drops its users and keys. */
  save(doc: ClusterDoc, options?: { purge?: boolean }): Promise<void>;
}

/** The CloudHSM v2 operations the emulator implements, typed with the SDK's shapes. */
export interface HsmOperations {
  CreateCluster: { input: Hsm.CreateClusterRequest; output: Hsm.CreateClusterResponse };
  CreateHsm: { input: Hsm.CreateHsmRequest; output: Hsm.CreateHsmResponse };
  DeleteCluster: { input: Hsm.DeleteClusterRequest; output: Hsm.DeleteClusterResponse };
  DeleteHsm: { input: Hsm.DeleteHsmRequest; output: Hsm.DeleteHsmResponse };
  DescribeClusters: { input: Hsm.DescribeClustersRequest; output: Hsm.DescribeClustersResponse };
  InitializeCluster: { input: Hsm.InitializeClusterRequest; output: Hsm.InitializeClusterResponse };
  ListTags: { input: Hsm.ListTagsRequest; output: Hsm.ListTagsResponse };
  TagResource: { input: Hsm.TagResourceRequest; output: Hsm.TagResourceResponse };
  UntagResource: { input: Hsm.UntagResourceRequest; output: Hsm.UntagResourceResponse };
}

export type HsmOperationName = keyof HsmOperations;

/** AWS quotas the emulator enforces: HSMs per cluster, clusters per account and Region. */
const MAX_HSMS_PER_CLUSTER = 28;
const MAX_CLUSTERS = 50;

const IN_PROGRESS = new Set<HsmClusterState>([
  'CREATE_IN_PROGRESS',
  'INITIALIZE_IN_PROGRESS',
  'UPDATE_IN_PROGRESS',
  'MODIFY_IN_PROGRESS',
  'ROLLBACK_IN_PROGRESS',
  'DELETE_IN_PROGRESS',
]);

/** Finds a cluster of the caller. @throws CloudHsmInvalidRequestException (bad id) | CloudHsmResourceNotFoundException */
export function findCluster(ctx: HsmOperationContext, clusterId: string): ClusterDoc {
  const doc = ctx.clusters().find((c) => c.clusterId === clusterId);
  if (!doc || stateAt(doc, ctx.now) === 'DELETED')
    throw awsError('CloudHsmResourceNotFoundException', `The cluster ${clusterId} does not exist.`);
  return doc;
}

const settling = <S extends string>(ctx: HsmOperationContext, pending: S, state: S) =>
  ctx.transitionMs > 0
    ? { state, pending, settlesAt: ctx.now.getTime() + ctx.transitionMs }
    : { state, pending: undefined, settlesAt: undefined };

async function createCluster(ctx: HsmOperationContext, raw: unknown): Promise<Hsm.CreateClusterResponse> {
  const input = requireObject(raw);
  const hsmType = requiredString(input, 'HsmType', PATTERNS.HsmType, 32);
  if (!HSM_TYPES.has(hsmType))
    throw invalid(`HsmType ${hsmType} is not offered; use one of ${[...HSM_TYPES].join(', ')}.`);
  if (input.SourceBackupId !== undefined)
    throw invalid('SourceBackupId: restoring a cluster from a backup is not emulated.');
  if (input.SubnetIds === undefined) throw invalid('SubnetIds is required.');
  const subnets = stringList(input.SubnetIds, 'SubnetIds', 1, 10, PATTERNS.SubnetId);
  if (new Set(subnets).size !== subnets.length) throw invalid('SubnetIds must not name a subnet twice.');
  const tags = input.TagList === undefined ? [] : tagList(input.TagList);
  if (ctx.clusters().filter((c) => stateAt(c, ctx.now) !== 'DELETED').length >= MAX_CLUSTERS) {
    throw awsError(
      'CloudHsmServiceException',
      `The account has reached the limit of ${MAX_CLUSTERS} clusters in ${ctx.region}.`,
    );
  }
  // The emulator has no EC2: each subnet is taken to be in its own zone, in the order given.
  const subnetMapping: Record<string, string> = {};
  subnets.forEach((s, i) => (subnetMapping[`${ctx.region}${String.fromCharCode(97 + i)}`] = s));
  const doc: ClusterDoc = {
    clusterId: newResourceId('cluster'),
    accountId: ctx.accountId,
    region: ctx.region,
    hsmType,
    createdAt: ctx.now.toISOString(),
    vpcId: defaultVpcId(ctx.accountId, ctx.region),
    securityGroup: `sg-${randomHex(17)}`,
    subnetMapping,
    hsms: [],
    tags,
    ...settling<HsmClusterState>(ctx, 'CREATE_IN_PROGRESS', 'UNINITIALIZED'),
  };
  await ctx.save(doc);
  return { Cluster: toCluster(doc, ctx.now) };
}

const FILTERS = new Set(['clusterIds', 'vpcIds', 'states']);

function describeClusters(ctx: HsmOperationContext, raw: unknown): Promise<Hsm.DescribeClustersResponse> {
  const input = requireObject(raw);
  const max = optionalInt(input, 'MaxResults', 1, 25) ?? 25;
  const start = readPageToken(optionalString(input, 'NextToken', undefined, 256), 'clusters');
  const filters = requireObject(input.Filters);
  if (Object.keys(filters).length > 30) throw invalid('Filters must have at most 30 entries.');
  const wanted = new Map<string, Set<string>>();
  for (const [name, values] of Object.entries(filters)) {
    if (!FILTERS.has(name)) throw invalid(`Filters: ${name} is not a filter; use clusterIds, vpcIds or states.`);
    wanted.set(name, new Set(stringList(values, `Filters.${name}`, 0, 100)));
  }
  const all = ctx
    .clusters()
    .map((c) => toCluster(c, ctx.now))
    .filter(
      (c) =>
        (wanted.get('clusterIds')?.has(c.ClusterId!) ?? true) &&
        (wanted.get('vpcIds')?.has(c.VpcId!) ?? true) &&
        (wanted.get('states')?.has(c.State!) ?? true),
    )
    .sort(
      (a, b) => a.CreateTimestamp!.getTime() - b.CreateTimestamp!.getTime() || a.ClusterId!.localeCompare(b.ClusterId!),
    );
  if (start > all.length) throw invalid('NextToken is not valid.');
  const page = all.slice(start, start + max);
  return Promise.resolve({
    Clusters: page,
    ...(start + max < all.length ? { NextToken: pageToken('clusters', start + max) } : {}),
  });
}

async function createHsm(ctx: HsmOperationContext, raw: unknown): Promise<Hsm.CreateHsmResponse> {
  const input = requireObject(raw);
  const clusterId = requiredString(input, 'ClusterId', PATTERNS.ClusterId);
  const az = requiredString(input, 'AvailabilityZone', PATTERNS.ExternalAz);
  const ip = optionalString(input, 'IpAddress', PATTERNS.IpAddress);
  const doc = findCluster(ctx, clusterId);
  const state = stateAt(doc, ctx.now);
  if (IN_PROGRESS.has(state))
    throw invalid(`The cluster ${clusterId} is ${state}; wait until the operation completes.`);
  const subnetId = doc.subnetMapping[az];
  if (!subnetId)
    throw invalid(
      `AvailabilityZone ${az} is not one of the cluster's zones (${Object.keys(doc.subnetMapping).join(', ')}).`,
    );
  const live = liveHsms(doc, ctx.now);
  if (live.length >= MAX_HSMS_PER_CLUSTER)
    throw invalid(`The cluster already has ${MAX_HSMS_PER_CLUSTER} HSMs, the maximum.`);
  const prefix = subnetPrefix(doc, az);
  const used = new Set(live.map((h) => h.eniIp));
  let eniIp: string;
  if (ip !== undefined) {
    const octets = ip.split('.').map(Number);
    const host = octets[3]!;
    if (`${octets.slice(0, 3).join('.')}.` !== prefix || !(host >= 4 && host <= 254)) {
      throw invalid(`IpAddress ${ip} is not a usable address of subnet ${subnetId} (${prefix}0/24).`);
    }
    eniIp = `${prefix}${host}`; // canonical form: "010.…" and "….07" name the same address
    if (used.has(eniIp)) throw invalid(`IpAddress ${ip} is already used by another HSM.`);
  } else {
    const host = [...Array(251).keys()].map((i) => i + 4).find((h) => !used.has(`${prefix}${h}`));
    if (host === undefined) throw invalid(`Subnet ${subnetId} has no free address.`);
    eniIp = `${prefix}${host}`;
  }
  const hsm: HsmDoc = {
    hsmId: newResourceId('hsm'),
    availabilityZone: az,
    subnetId,
    eniId: `eni-${randomHex(17)}`,
    eniIp,
    ...settling<HsmDoc['state']>(ctx, 'CREATE_IN_PROGRESS', 'ACTIVE'),
  };
  const certificates = doc.certificates ?? (await createClusterCertificates(clusterId, hsm.hsmId, ctx.now));
  const next: ClusterDoc = { ...doc, hsms: [...live, hsm], certificates };
  await ctx.save(next);
  return { Hsm: toHsm(next, hsm, ctx.now) };
}

async function deleteHsm(ctx: HsmOperationContext, raw: unknown): Promise<Hsm.DeleteHsmResponse> {
  const input = requireObject(raw);
  const clusterId = requiredString(input, 'ClusterId', PATTERNS.ClusterId);
  const hsmId = optionalString(input, 'HsmId', PATTERNS.HsmId);
  const eniId = optionalString(input, 'EniId', PATTERNS.EniId);
  const eniIp = optionalString(input, 'EniIp', PATTERNS.IpAddress);
  const given = [hsmId, eniId, eniIp].filter((v) => v !== undefined).length;
  if (given !== 1) throw invalid('Specify exactly one of HsmId, EniId and EniIp.');
  const doc = findCluster(ctx, clusterId);
  const live = liveHsms(doc, ctx.now);
  const target = live.find((h) => h.hsmId === hsmId || h.eniId === eniId || h.eniIp === eniIp);
  if (!target || stateAt(target, ctx.now) === 'DELETE_IN_PROGRESS') {
    throw awsError(
      'CloudHsmResourceNotFoundException',
      `The cluster ${clusterId} has no such HSM (${hsmId ?? eniId ?? eniIp}).`,
    );
  }
  if (stateAt(target, ctx.now) === 'CREATE_IN_PROGRESS')
    throw invalid(`The HSM ${target.hsmId} is still being created.`);
  const deleted: HsmDoc = { ...target, ...settling<HsmDoc['state']>(ctx, 'DELETE_IN_PROGRESS', 'DELETED') };
  await ctx.save({ ...doc, hsms: live.map((h) => (h === target ? deleted : h)) });
  return { HsmId: target.hsmId };
}

async function initializeCluster(ctx: HsmOperationContext, raw: unknown): Promise<Hsm.InitializeClusterResponse> {
  const input = requireObject(raw);
  const clusterId = requiredString(input, 'ClusterId', PATTERNS.ClusterId);
  const signedCert = requiredString(input, 'SignedCert', PATTERNS.Cert, 20_000);
  const trustAnchor = requiredString(input, 'TrustAnchor', PATTERNS.Cert, 20_000);
  const doc = findCluster(ctx, clusterId);
  const state = stateAt(doc, ctx.now);
  if (state !== 'UNINITIALIZED')
    throw invalid(`The cluster ${clusterId} is ${state}; only an UNINITIALIZED cluster can be initialized.`);
  if (!doc.certificates || !liveHsms(doc, ctx.now).some((h) => stateAt(h, ctx.now) === 'ACTIVE')) {
    throw invalid(
      `The cluster ${clusterId} has no active HSM yet: create an HSM and wait until it is ACTIVE, then sign its ClusterCsr.`,
    );
  }
  await verifyClusterCertificate(doc.certificates.ClusterCsr, signedCert, trustAnchor, ctx.now);
  const next: ClusterDoc = {
    ...doc,
    clusterCertificate: signedCert.trim(),
    trustAnchor: trustAnchor.trim(),
    stateMessage: 'Cluster is initialized. Activate it by setting the crypto officer password.',
    ...settling<HsmClusterState>(ctx, 'INITIALIZE_IN_PROGRESS', 'INITIALIZED'),
  };
  await ctx.save(next);
  return { State: stateAt(next, ctx.now), StateMessage: next.stateMessage };
}

async function deleteCluster(ctx: HsmOperationContext, raw: unknown): Promise<Hsm.DeleteClusterResponse> {
  const input = requireObject(raw);
  const doc = findCluster(ctx, requiredString(input, 'ClusterId', PATTERNS.ClusterId));
  const state = stateAt(doc, ctx.now);
  if (IN_PROGRESS.has(state))
    throw invalid(`The cluster ${doc.clusterId} is ${state}; wait until the operation completes.`);
  if (liveHsms(doc, ctx.now).length > 0)
    throw invalid(`The cluster ${doc.clusterId} still has HSMs; delete them first.`);
  const next: ClusterDoc = {
    ...doc,
    hsms: [],
    stateMessage: undefined,
    ...settling<HsmClusterState>(ctx, 'DELETE_IN_PROGRESS', 'DELETED'),
  };
  await ctx.save(next, { purge: true });
  return { Cluster: toCluster(next, ctx.now) };
}

/** Only clusters carry tags in the emulator (backups are not emulated). */
function taggedCluster(ctx: HsmOperationContext, input: Record<string, unknown>): ClusterDoc {
  const id = requiredString(input, 'ResourceId', PATTERNS.ResourceId);
  if (id.startsWith('backup-')) throw awsError('CloudHsmResourceNotFoundException', `The backup ${id} does not exist.`);
  return findCluster(ctx, id);
}

async function tagResource(ctx: HsmOperationContext, raw: unknown): Promise<Hsm.TagResourceResponse> {
  const input = requireObject(raw);
  const doc = taggedCluster(ctx, input);
  const merged = new Map(doc.tags.map((t) => [t.Key!, t.Value!]));
  for (const t of tagList(input.TagList)) merged.set(t.Key, t.Value);
  if (merged.size > 50)
    throw awsError('CloudHsmResourceLimitExceededException', 'A resource can have at most 50 tags.');
  await ctx.save({ ...doc, tags: [...merged].map(([Key, Value]) => ({ Key, Value })) });
  return {};
}

async function untagResource(ctx: HsmOperationContext, raw: unknown): Promise<Hsm.UntagResourceResponse> {
  const input = requireObject(raw);
  const doc = taggedCluster(ctx, input);
  const keys = new Set(stringList(input.TagKeyList, 'TagKeyList', 1, 50, PATTERNS.Tag));
  await ctx.save({ ...doc, tags: doc.tags.filter((t) => !keys.has(t.Key!)) });
  return {};
}

function listTags(ctx: HsmOperationContext, raw: unknown): Promise<Hsm.ListTagsResponse> {
  const input = requireObject(raw);
  const doc = taggedCluster(ctx, input);
  const max = optionalInt(input, 'MaxResults', 1, 100) ?? 100;
  const start = readPageToken(optionalString(input, 'NextToken', undefined, 256), 'tags');
  if (start > doc.tags.length) throw invalid('NextToken is not valid.');
  const page = doc.tags.slice(start, start + max).map((t) => ({ ...t }));
  return Promise.resolve({
    TagList: page,
    ...(start + max < doc.tags.length ? { NextToken: pageToken('tags', start + max) } : {}),
  });
}

type Handler = (ctx: HsmOperationContext, input: unknown) => Promise<unknown>;

/** The operation table; `mutates` operations run one at a time (see CloudHsmEmulator.call). */
export const HSM_OPERATIONS: Record<HsmOperationName, { run: Handler; mutates: boolean }> = {
  CreateCluster: { run: createCluster, mutates: true },
  CreateHsm: { run: createHsm, mutates: true },
  DeleteCluster: { run: deleteCluster, mutates: true },
  DeleteHsm: { run: deleteHsm, mutates: true },
  DescribeClusters: { run: describeClusters, mutates: false },
  InitializeCluster: { run: initializeCluster, mutates: true },
  ListTags: { run: listTags, mutates: false },
  TagResource: { run: tagResource, mutates: true },
  UntagResource: { run: untagResource, mutates: true },
};
