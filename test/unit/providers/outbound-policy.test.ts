import dns from 'node:dns';
import {
  hostPortsOf,
  isAwsHost,
  isInternalAddress,
  OutboundAllowList,
  OutboundPolicy,
} from '../../../src/providers/outbound-policy.js';

describe('isInternalAddress', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fd00::1',
    'fc00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '224.0.0.1',
    'not-an-ip',
  ])('%s is internal', (ip) => expect(isInternalAddress(ip)).toBe(true));

  it.each(['8.8.8.8', '52.94.133.131', '172.32.0.1', '100.128.0.1', '2600:1f18::1', '::ffff:8.8.8.8'])(
    '%s is public',
    (ip) => expect(isInternalAddress(ip)).toBe(false),
  );
});

describe('isAwsHost', () => {
  it.each([
    'kms.us-east-1.amazonaws.com',
    'sts.amazonaws.com',
    'kms.cn-north-1.amazonaws.com.cn',
    'kms.us-east-1.api.aws',
    'vpce-0abc-1def.kms.us-east-1.vpce.amazonaws.com',
  ])('%s is AWS', (h) => expect(isAwsHost(h)).toBe(true));
  it.each([
    'amazonaws.com',
    'evilamazonaws.com',
    'amazonaws.com.evil.net',
    'kms.us-east-1.amazonaws.com.attacker.io',
    'api.aws',
  ])('%s is not', (h) => expect(isAwsHost(h)).toBe(false));
});

describe('OutboundAllowList', () => {
  it('parses hosts, host:port, IPs and CIDRs and refuses anything else', () => {
    const a = new OutboundAllowList(['127.0.0.1:4599', 'proxy.corp', '10.1.0.0/16', '[::1]:8080', 'fd00::/8']);
    expect(a.allowsHost('127.0.0.1', 4599)).toBe(true);
    expect(a.allowsHost('127.0.0.1', 22)).toBe(false);
    expect(a.allowsHost('proxy.corp', 1234)).toBe(true);
    expect(a.allowsHost('10.1.2.3', 80)).toBe(true);
    expect(a.allowsHost('10.2.0.1', 80)).toBe(false);
    expect(a.allowsHost('::1', 8080)).toBe(true);
    expect(a.allowsAddress('fd12::1')).toBe(true);
    expect(a.allowsAddress('127.0.0.1')).toBe(false);
    expect(() => new OutboundAllowList(['http://x'])).toThrow(/CCKM_OUTBOUND_ALLOW/);
    expect(() => new OutboundAllowList(['10.0.0.0/33'])).toThrow(/CCKM_OUTBOUND_ALLOW/);
    expect(() => new OutboundAllowList(['host:70000'])).toThrow(/CCKM_OUTBOUND_ALLOW/);
  });
});

describe('OutboundPolicy.checkAwsEndpoint (no DNS)', () => {
  const none = new OutboundPolicy([]);
  it.each([
    'https://kms.us-east-1.amazonaws.com',
    'https://kms-fips.us-gov-west-1.amazonaws.com/',
    'https://vpce-0123456789abcdef-abcdefgh.kms.eu-west-1.vpce.amazonaws.com',
    'https://kms.cn-north-1.amazonaws.com.cn',
    'https://kms.us-east-1.api.aws',
  ])('accepts %s', (url) => expect(none.checkAwsEndpoint(url)).toBeUndefined());

  it.each([
    ['http://127.0.0.1:4599', /http:\/\//],
    ['https://127.0.0.1', /IP address/],
    ['https://169.254.169.254/latest/meta-data', /IP address/],
    ['https://[::1]', /IP address/],
    ['https://10.0.0.5:8443', /IP address/],
    ['https://localhost', /localhost/],
    ['https://internal.corp.example', /AWS endpoint/],
    ['https://kms.us-east-1.amazonaws.com:8443', /port 443/],
    ['http://kms.us-east-1.amazonaws.com', /http:\/\//],
    ['https://user:pw@kms.us-east-1.amazonaws.com', /credentials/],
    ['ftp://kms.us-east-1.amazonaws.com', /http\(s\)/],
    ['not a url', /URL/],
  ])('refuses %s', (url, reason) => expect(none.checkAwsEndpoint(url)).toMatch(reason));

  it('accepts allow-listed hosts, http and private addresses included', () => {
    const p = new OutboundPolicy(['127.0.0.1', 'kms-proxy.corp:8080', '10.0.0.0/8']);
    expect(p.checkAwsEndpoint('http://127.0.0.1:4599')).toBeUndefined();
    expect(p.checkAwsEndpoint('http://kms-proxy.corp:8080')).toBeUndefined();
    expect(p.checkAwsEndpoint('http://kms-proxy.corp:8081')).toMatch(/http:\/\//);
    expect(p.checkAwsEndpoint('https://10.20.30.40')).toBeUndefined();
    expect(p.checkAwsEndpoint('https://169.254.169.254')).toMatch(/IP address/);
  });
});

describe('OutboundPolicy.checkProxyEndpoint (XKS)', () => {
  const none = new OutboundPolicy([]);
  it('accepts https to public names and addresses; refuses http, internal addresses and localhost', () => {
    expect(none.checkProxyEndpoint('https://xks.example.com/kms/xks/v1/health')).toBeUndefined();
    expect(none.checkProxyEndpoint('https://8.8.8.8')).toBeUndefined();
    expect(none.checkProxyEndpoint('http://xks.example.com')).toMatch(/http:\/\//);
    expect(none.checkProxyEndpoint('https://10.0.0.1')).toMatch(/IP address/);
    expect(none.checkProxyEndpoint('https://localhost')).toMatch(/localhost/);
    expect(
      new OutboundPolicy(hostPortsOf(['http://127.0.0.1:9000'])).checkProxyEndpoint('http://127.0.0.1:9000/kms/xks/v1'),
    ).toBeUndefined();
  });
});

describe('resolving checks (DNS rebinding)', () => {
  const answers: Record<string, string[]> = {
    'kms.us-east-1.amazonaws.com': ['10.0.1.5'], // private DNS of an interface endpoint: fine
    'internal-lb.us-east-1.elb.amazonaws.com': ['10.0.1.6'],
    'rebind.example.com': ['8.8.8.8', '127.0.0.1'],
    'xks.example.com': ['93.184.216.34'],
  };
  let lookup: ReturnType<typeof jest.spyOn>;
  beforeEach(() => {
    const fake = (host: string, _o: unknown, cb: (e: Error | null, a?: dns.LookupAddress[]) => void) => {
      const a = answers[host];
      if (!a) return cb(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }));
      cb(
        null,
        a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      );
    };
    lookup = jest.spyOn(dns, 'lookup').mockImplementation(fake as never);
    jest.spyOn(dns.promises, 'lookup').mockImplementation((async (host: string) => {
      const a = answers[host];
      if (!a) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
      return a.map((address) => ({ address, family: 4 }));
    }) as never);
  });
  afterEach(() => jest.restoreAllMocks());

  it('verify: AWS service names may resolve privately, other names may not', async () => {
    const p = new OutboundPolicy([]);
    expect(await p.verify('https://kms.us-east-1.amazonaws.com', 'aws')).toBeUndefined();
    expect(await p.verify('https://internal-lb.us-east-1.elb.amazonaws.com', 'aws')).toMatch(/private/);
    expect(await p.verify('https://rebind.example.com', 'proxy')).toMatch(/private/);
    expect(await p.verify('https://xks.example.com', 'proxy')).toBeUndefined();
    expect(await p.verify('https://unknown.example.com', 'proxy')).toBeUndefined();
    expect(await new OutboundPolicy(['127.0.0.0/8']).verify('https://rebind.example.com', 'proxy')).toBeUndefined();
  });

  it('lookup refuses at connect time with EOUTBOUNDPOLICY, passes public answers through', async () => {
    const p = new OutboundPolicy([]);
    const run = (host: string, all: boolean) =>
      new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
        p.lookup(
          host,
          { all } as never,
          ((err: NodeJS.ErrnoException | null, address: unknown) => resolve({ err, address })) as never,
        ),
      );
    expect((await run('rebind.example.com', true)).err?.code).toBe('EOUTBOUNDPOLICY');
    expect((await run('internal-lb.us-east-1.elb.amazonaws.com', false)).err?.code).toBe('EOUTBOUNDPOLICY');
    expect(await run('xks.example.com', false)).toEqual({ err: null, address: '93.184.216.34' });
    expect((await run('xks.example.com', true)).address).toEqual([{ address: '93.184.216.34', family: 4 }]);
    expect((await run('kms.us-east-1.amazonaws.com', true)).err).toBeNull();
    expect(lookup).toHaveBeenCalled();
  });
});
