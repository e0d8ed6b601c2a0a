import { WebhookTargetPolicy, type Resolver } from '../../../../src/cckm/notifications/webhook-target.js';

const PUBLIC = '203.0.113.10';
const resolveTo =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('WebhookTargetPolicy', () => {
  const strict = (resolver: Resolver = resolveTo(PUBLIC)) =>
    new WebhookTargetPolicy({ allowPrivate: false, allow: [], resolver });

  it('accepts http(s) URLs to public addresses and answers the address it checked', async () => {
    expect(await strict().resolve('https://hooks.example.com/in')).toMatchObject({ address: PUBLIC, family: 4 });
    expect(await strict().resolve('http://198.51.100.7:8080/x')).toMatchObject({ address: '198.51.100.7' });
  });

  it.each([
    ['ftp://hooks.example.com/', 'http:// or https://'],
    ['hooks.example.com/in', 'absolute'],
    ['https://u:p@hooks.example.com/', 'credentials'],
    ['https://hooks.example.com/#frag', 'fragment'],
    [`https://hooks.example.com/${'a'.repeat(2048)}`, 'at most 2048'],
  ])('refuses the form of %s', async (url, why) => {
    const r = await strict().resolve(url);
    expect(r).toEqual({ refused: expect.stringContaining(why) });
  });

  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.16.5.5',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '::1',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '0.0.0.0',
  ])('refuses a name resolving to %s', async (address) => {
    const r = await strict(resolveTo(address)).resolve('https://hooks.example.com/in');
    expect(r).toEqual({ refused: expect.stringContaining('private, loopback or link-local') });
  });

  it('refuses a name when any of its addresses is internal', async () => {
    expect(await strict(resolveTo(PUBLIC, '10.0.0.1')).resolve('https://hooks.example.com/')).toHaveProperty('refused');
  });

  it('checks the addresses every time: a name rebound to loopback is refused at the next resolution', async () => {
    let answer = PUBLIC;
    const policy = strict(async () => [{ address: answer, family: 4 }]);
    expect(await policy.resolve('https://rebind.example.com/')).toMatchObject({ address: PUBLIC });
    answer = '127.0.0.1';
    expect(await policy.resolve('https://rebind.example.com/')).toHaveProperty('refused');
  });

  it('refuses names that do not resolve', async () => {
    const policy = strict(async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    });
    expect(await policy.resolve('https://nowhere.example.com/')).toEqual({
      refused: 'the host nowhere.example.com could not be resolved',
    });
  });

  it('allows internal targets only as the operator configured', async () => {
    const listed = new WebhookTargetPolicy({ allowPrivate: false, allow: ['127.0.0.1:8443', '10.9.0.0/16'] });
    expect(await listed.resolve('https://127.0.0.1:8443/in')).toMatchObject({ address: '127.0.0.1' });
    expect(await listed.resolve('https://127.0.0.1:8444/in')).toHaveProperty('refused');
    expect(await listed.resolve('http://10.9.3.4/in')).toMatchObject({ address: '10.9.3.4' });
    expect(await listed.resolve('http://10.8.3.4/in')).toHaveProperty('refused');
    const open = new WebhookTargetPolicy({ allowPrivate: true, allow: [], resolver: resolveTo('192.168.0.9') });
    expect(await open.resolve('http://nas.local/hook')).toMatchObject({ address: '192.168.0.9' });
  });
});
