import dns from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where opencckm may send requests on a tenant's behalf (a connection's `endpoint_url`, an
 * external key store's proxy). Tenants name these URLs, so without a rule they could make
 * the server call its own network (SSRF): metadata services, databases, admin ports.
 *
 * - AWS endpoints: `https://` on port 443 to a host under amazonaws.com, amazonaws.com.cn or
 *   api.aws (VPC endpoint names `vpce-…` included).
 * - Proxies (XKS): `https://` to any host whose addresses are public.
 * - Anything else, and every `http://`, only for an entry of the operator's allow-list
 *   (`CCKM_OUTBOUND_ALLOW`: host, host:port, IP or CIDR).
 * - Private, loopback, link-local, CGNAT, multicast and unspecified addresses are refused
 *   unless allow-listed, for IP literals in the URL and for the addresses a name resolves to,
 *   checked when validating and again when connecting ({@link OutboundPolicy.lookup}), so a
 *   name that re-resolves to an internal address (DNS rebinding) is refused at call time.
 */

/** Why a URL is refused; undefined when it is accepted. */
export type Refusal = string | undefined;

const INTERNAL = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  INTERNAL.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const)
  INTERNAL.addSubnet(net, bits, 'ipv6');

const AWS_SUFFIXES = ['.amazonaws.com', '.amazonaws.com.cn', '.api.aws'];
/**
 * AWS names that legitimately resolve to VPC addresses: interface endpoints (`vpce-…`) and,
 * with private DNS enabled on them, the service names opencckm calls.
 */
const PRIVATE_DNS_SERVICES = /^(vpce-[a-z0-9-]+|kms|kms-fips|sts|sts-fips|cloudhsmv2|cloudhsmv2-fips)$/;

/** `::ffff:a.b.c.d` → `a.b.c.d`, so mapped addresses meet the IPv4 rules. */
function plainAddress(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : ip;
}

function family(ip: string): 'ipv4' | 'ipv6' {
  return isIP(ip) === 6 ? 'ipv6' : 'ipv4';
}

/** A private, loopback, link-local, CGNAT, multicast, reserved or unspecified address. */
export function isInternalAddress(address: string): boolean {
  const ip = plainAddress(address);
  if (!isIP(ip)) return true;
  return INTERNAL.check(ip, family(ip));
}

/** A host name under AWS's domains (amazonaws.com, amazonaws.com.cn, api.aws). */
export function isAwsHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return AWS_SUFFIXES.some((s) => h.endsWith(s) && h.length > s.length);
}

function mayResolvePrivately(host: string): boolean {
  return isAwsHost(host) && PRIVATE_DNS_SERVICES.test(host.toLowerCase().split('.')[0]!);
}

interface HostEntry {
  host: string;
  port?: number;
}

/**
 * The operator's allow-list: `host`, `host:port`, `[v6]:port`, an IP address or a CIDR.
 * @throws TypeError naming the bad entry
 */
export class OutboundAllowList {
  private readonly hosts: HostEntry[] = [];
  private readonly nets = new BlockList();

  constructor(entries: readonly string[]) {
    for (const raw of entries.map((e) => e.trim()).filter(Boolean)) this.add(raw);
  }

  private add(raw: string): void {
    const cidr = /^([0-9a-fA-F.:]+)\/(\d{1,3})$/.exec(raw);
    if (cidr && isIP(cidr[1]!)) {
      const bits = Number(cidr[2]);
      if (bits > (isIP(cidr[1]!) === 6 ? 128 : 32))
        throw new TypeError(`CCKM_OUTBOUND_ALLOW: bad prefix length in "${raw}"`);
      this.nets.addSubnet(cidr[1]!, bits, family(cidr[1]!));
      return;
    }
    if (isIP(raw)) {
      this.hosts.push({ host: raw.toLowerCase() });
      return;
    }
    const m = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+)(?::(\d{1,5}))?$/.exec(raw);
    if (!m || (m[2] && (Number(m[2]) < 1 || Number(m[2]) > 65535))) {
      throw new TypeError(`CCKM_OUTBOUND_ALLOW: entry "${raw}" must be host, host:port, an IP address or a CIDR`);
    }
    this.hosts.push({ host: m[1]!.replace(/^\[|\]$/g, '').toLowerCase(), ...(m[2] ? { port: Number(m[2]) } : {}) });
  }

  /** A host (and port) the operator allowed by name or address. */
  allowsHost(host: string, port?: number): boolean {
    const h = host.toLowerCase().replace(/^\[|\]$/g, '');
    if (this.hosts.some((e) => e.host === h && (e.port === undefined || port === undefined || e.port === port)))
      return true;
    return isIP(plainAddress(h)) !== 0 && this.allowsAddress(h);
  }

  /** An address inside an allowed CIDR (or listed itself). */
  allowsAddress(address: string): boolean {
    const ip = plainAddress(address);
    if (!isIP(ip)) return false;
    return this.nets.check(ip, family(ip)) || this.hosts.some((e) => e.host === ip && e.port === undefined);
  }
}

type Mode = 'aws' | 'proxy';

interface ParsedUrl {
  url: URL;
  host: string;
  port: number;
}

function parse(text: string): ParsedUrl | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not carry credentials';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { url, host, port };
}

/** The allow-list and the rules above; one instance per server (and per set of trusted extras). */
export class OutboundPolicy {
  readonly allow: OutboundAllowList;

  constructor(allow: readonly string[] | OutboundAllowList) {
    this.allow = allow instanceof OutboundAllowList ? allow : new OutboundAllowList(allow);
  }

  /**
   * A connection's `endpoint_url` (KMS, STS and CloudHSM are called there), without DNS.
   * @returns the reason it is refused, or undefined
   */
  checkAwsEndpoint(text: string): Refusal {
    return this.check(text, 'aws');
  }

  /** An XKS proxy URL (https to a public host), without DNS. */
  checkProxyEndpoint(text: string): Refusal {
    return this.check(text, 'proxy');
  }

  /**
   * {@link checkAwsEndpoint} or {@link checkProxyEndpoint}, then the addresses the host
   * resolves to now. A name that does not resolve here is accepted: it is checked again
   * when it is called.
   */
  async verify(text: string, mode: Mode): Promise<Refusal> {
    const refusal = this.check(text, mode);
    if (refusal) return refusal;
    const p = parse(text) as ParsedUrl;
    if (isIP(p.host) || this.allow.allowsHost(p.host, p.port)) return undefined;
    const addresses = await dns.promises.lookup(p.host, { all: true }).catch(() => []);
    return addresses.some((a) => !this.addressAllowed(p.host, a.address))
      ? 'resolves to a private, loopback or link-local address (add it to CCKM_OUTBOUND_ALLOW if it is meant)'
      : undefined;
  }

  /**
   * A `lookup` for node's net.connect (http(s) agents): resolves, then refuses with
   * code EOUTBOUNDPOLICY when an address is internal and neither allow-listed nor an AWS
   * name allowed to resolve privately. Connect-time check against DNS rebinding.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const cb = callback as (
      err: NodeJS.ErrnoException | null,
      address?: string | dns.LookupAddress[],
      family?: number,
    ) => void;
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return cb(err);
      const trusted = this.allow.allowsHost(hostname);
      if (!trusted && addresses.some((a) => !this.addressAllowed(hostname, a.address))) {
        return cb(
          Object.assign(new Error(`${hostname} resolves to an address the outbound policy refuses`), {
            code: 'EOUTBOUNDPOLICY',
          }),
        );
      }
      if (options.all) return cb(null, addresses);
      const first = addresses[0];
      if (!first) return cb(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }));
      return cb(null, first.address, first.family);
    });
  };

  private addressAllowed(host: string, address: string): boolean {
    return !isInternalAddress(address) || this.allow.allowsAddress(address) || mayResolvePrivately(host);
  }

  private check(text: string, mode: Mode): Refusal {
    const p = parse(text);
    if (typeof p === 'string') return p;
    if (this.allow.allowsHost(p.host, p.port)) return undefined;
    if (p.url.protocol === 'http:')
      return "http:// is accepted only for hosts in the server's outbound allow-list (CCKM_OUTBOUND_ALLOW); use https://";
    if (isIP(p.host)) {
      if (mode === 'aws' || isInternalAddress(p.host))
        return 'must name a host, not an IP address outside the outbound allow-list (CCKM_OUTBOUND_ALLOW)';
      return undefined;
    }
    if (p.host === 'localhost' || p.host.endsWith('.localhost')) return 'must not name this server (localhost)';
    if (mode === 'proxy') return undefined;
    if (!isAwsHost(p.host)) {
      return 'must be https:// to an AWS endpoint (a host under amazonaws.com, amazonaws.com.cn or api.aws) or a host in the outbound allow-list (CCKM_OUTBOUND_ALLOW)';
    }
    if (p.port !== 443) return 'an AWS endpoint is reached on port 443 only';
    return undefined;
  }
}

/** `host:port` entries for URLs the operator configured (trusted like allow-list entries). */
export function hostPortsOf(urls: readonly string[]): string[] {
  return urls.flatMap((u) => {
    const p = parse(u);
    if (typeof p === 'string') return [];
    return [isIP(p.host) === 6 ? `[${p.host}]:${p.port}` : `${p.host}:${p.port}`];
  });
}
