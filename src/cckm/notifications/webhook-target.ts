import dns from 'node:dns';
import { isIP } from 'node:net';
import { isInternalAddress, OutboundAllowList } from '../../providers/outbound-policy.js';

/** Longest webhook URL accepted. */
const MAX_URL_LENGTH = 2048;

/** Resolves a host name to its addresses (dns.lookup by default; tests give their own). */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

export interface WebhookTargetOptions {
  /** CCKM_WEBHOOK_ALLOW_PRIVATE: any address may be a target (private, loopback, link-local included). */
  allowPrivate: boolean;
  /** CCKM_WEBHOOK_ALLOW: host, host:port, IP or CIDR entries allowed although internal. */
  allow: readonly string[];
  resolver?: Resolver;
}

/** A target a delivery may connect to: the URL and the one address checked for it. */
export interface ResolvedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/**
 * Where webhooks may point. Tenants choose the URL, so without a rule a webhook would make
 * the server POST into its own network (SSRF). Only http(s) URLs without credentials;
 * private, loopback, link-local, CGNAT, multicast and unspecified addresses are refused
 * unless the operator allows them, both when the webhook is saved and at every delivery:
 * a delivery resolves the name, checks every address, and connects to the address it
 * checked (so a name that re-resolves elsewhere meanwhile, DNS rebinding, changes nothing).
 */
export class WebhookTargetPolicy {
  private readonly allow: OutboundAllowList;
  private readonly resolver: Resolver;

  constructor(private readonly options: WebhookTargetOptions) {
    this.allow = new OutboundAllowList(options.allow);
    this.resolver = options.resolver ?? systemResolver;
  }

  /** The URL's form alone (no DNS). @returns why it is refused, or undefined */
  checkForm(text: string): string | undefined {
    if (text.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return 'must be an absolute http(s) URL';
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http:// or https:// URL';
    if (url.username || url.password) return 'must not carry credentials';
    if (url.hash) return 'must not have a fragment';
    return undefined;
  }

  /**
   * Resolves the URL's host and checks every address it has now.
   * @returns the target to connect to, or why it is refused
   */
  async resolve(text: string): Promise<ResolvedTarget | { refused: string }> {
    const form = this.checkForm(text);
    if (form) return { refused: form };
    const url = new URL(text);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    let addresses: { address: string; family: number }[];
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        addresses = await this.resolver(host);
      } catch {
        return { refused: `the host ${host} could not be resolved` };
      }
    }
    if (!addresses.length) return { refused: `the host ${host} has no address` };
    const trusted = this.options.allowPrivate || this.allow.allowsHost(host, port);
    if (!trusted && addresses.some((a) => isInternalAddress(a.address) && !this.allow.allowsAddress(a.address)))
      return {
        refused:
          'resolves to a private, loopback or link-local address; the server refuses such targets unless CCKM_WEBHOOK_ALLOW_PRIVATE or CCKM_WEBHOOK_ALLOW allows them',
      };
    const first = addresses[0]!;
    return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
  }
}
