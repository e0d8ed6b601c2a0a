import { createHash, randomBytes } from 'node:crypto';
import type { Cluster, Hsm, Tag } from '@aws-sdk/client-cloudhsm-v2';
import type { HsmClusterState } from './directory.js';
import type { ClusterCertificates } from './certificates.js';

/** StoredObject kinds of the CloudHSM emulator (table `emulator_objects`, no migration). */
export const KIND_HSM_CLUSTER = 'hsm-cluster';
export const KIND_HSM_USER = 'hsm-user';
export const KIND_HSM_KEY = 'hsm-key';

type HsmState = 'CREATE_IN_PROGRESS' | 'ACTIVE' | 'DEGRADED' | 'DELETE_IN_PROGRESS' | 'DELETED';

/**
 * A state that is reached asynchronously: until `settlesAt` (epoch ms) the resource shows
 * `pending`; from then on `state`. Storing both means no write is needed when time passes
 * and a restarted emulator shows the same thing.
 */
export interface Settling<S extends string> {
  state: S;
  pending?: S;
  settlesAt?: number;
}

/** The state a resource shows at `now`. */
export const stateAt = <S extends string>(r: Settling<S>, now: Date): S =>
  r.pending !== undefined && now.getTime() < (r.settlesAt ?? 0) ? r.pending : r.state;

export interface HsmDoc extends Settling<HsmState> {
  hsmId: string;
  availabilityZone: string;
  subnetId: string;
  eniId: string;
  eniIp: string;
}

/** One emulated cluster with its HSMs, as stored (kind `hsm-cluster`, id = cluster id). */
export interface ClusterDoc extends Settling<HsmClusterState> {
  clusterId: string;
  accountId: string;
  region: string;
  hsmType: string;
  createdAt: string;
  vpcId: string;
  securityGroup: string;
  /** Availability zone → subnet id. */
  subnetMapping: Record<string, string>;
  hsms: HsmDoc[];
  tags: Tag[];
  /** Created with the first HSM, as AWS does. */
  certificates?: ClusterCertificates;
  /** After InitializeCluster: the customer's signed cluster certificate and trust anchor. */
  clusterCertificate?: string;
  trustAnchor?: string;
  stateMessage?: string;
  /** Once the crypto officer was activated: scrypt hash of the CO password (never the password). */
  coPasswordHash?: string;
}

/** A crypto user of a cluster (kind `hsm-user`, id = `<clusterId>/<username>`). */
export interface HsmUserDoc {
  clusterId: string;
  username: string;
  /** `scrypt$<N>$<salt b64>$<hash b64>` */
  passwordHash: string;
  failedLogins: number;
  lockedOut: boolean;
}

/** A cluster key's metadata (kind `hsm-key`, id = handle); its material is the sealed secret. */
export interface HsmKeyDoc {
  clusterId: string;
  handle: string;
  label: string;
  createdAt: string;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `<prefix>-` followed by 11 base32 characters, as the model's ClusterId/HsmId patterns allow. */
export function newResourceId(prefix: 'cluster' | 'hsm'): string {
  const bytes = randomBytes(11);
  let id = '';
  for (const b of bytes) id += BASE32[b & 31];
  return `${prefix}-${id}`;
}

export const randomHex = (chars: number): string =>
  randomBytes(Math.ceil(chars / 2))
    .toString('hex')
    .slice(0, chars);

/** The emulated default VPC of an account and Region (stable, so vpcIds filters are predictable). */
export const defaultVpcId = (accountId: string, region: string): string =>
  `vpc-${createHash('sha256').update(`${accountId}/${region}`).digest('hex').slice(0, 17)}`;

/** The IPv4 block of the i-th subnet of a cluster: 10.<cluster byte>.<i>.0/24 (a private range). */
export const subnetPrefix = (doc: Pick<ClusterDoc, 'clusterId' | 'subnetMapping'>, az: string): string => {
  const index = Object.keys(doc.subnetMapping).sort().indexOf(az);
  const clusterByte = createHash('sha256').update(doc.clusterId).digest()[0]!;
  return `10.${clusterByte}.${index}.`;
};

/** HSMs that still exist at `now` (deleted ones vanish once their deletion settles). */
export const liveHsms = (doc: ClusterDoc, now: Date): HsmDoc[] => doc.hsms.filter((h) => stateAt(h, now) !== 'DELETED');

/** The cluster as the CloudHSM API shows it at `now`. */
export function toCluster(doc: ClusterDoc, now: Date): Cluster {
  const state = stateAt(doc, now);
  const certificates = doc.certificates
    ? { ...doc.certificates, ...(doc.clusterCertificate ? { ClusterCertificate: doc.clusterCertificate } : {}) }
    : undefined;
  return {
    BackupPolicy: 'DEFAULT',
    BackupRetentionPolicy: { Type: 'DAYS', Value: '90' },
    ClusterId: doc.clusterId,
    CreateTimestamp: new Date(doc.createdAt),
    Hsms: liveHsms(doc, now).map((h) => toHsm(doc, h, now)),
    HsmType: doc.hsmType,
    SecurityGroup: doc.securityGroup,
    State: state,
    ...(doc.stateMessage ? { StateMessage: doc.stateMessage } : {}),
    SubnetMapping: { ...doc.subnetMapping },
    VpcId: doc.vpcId,
    ...(certificates ? { Certificates: certificates } : {}),
    TagList: doc.tags.map((t) => ({ ...t })),
  };
}

export function toHsm(cluster: ClusterDoc, h: HsmDoc, now: Date): Hsm {
  const state = stateAt(h, now);
  return {
    AvailabilityZone: h.availabilityZone,
    ClusterId: cluster.clusterId,
    SubnetId: h.subnetId,
    EniId: h.eniId,
    EniIp: h.eniIp,
    HsmId: h.hsmId,
    State: state,
    StateMessage:
      state === 'ACTIVE'
        ? 'HSM created.'
        : state === 'CREATE_IN_PROGRESS'
          ? 'HSM is being created.'
          : 'HSM is being deleted.',
  };
}
