/**
 * The web console in headless Chromium against the built server, as an administrator uses
 * it: keyboard login, the inventory (paging, sorting, filters kept in the URL), creating a
 * key through the form, confirmations naming the key, policy drift and its fix, a
 * synchronization watched to its end, a bulk job, the audit trail, hostile text from AWS,
 * a phone-sized viewport, and an axe-core check of every page. One browser and one page
 * for the whole file; every wait is on a condition.
 */
import { CreateAliasCommand, CreateKeyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import type { Page, Request } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  browserAvailable,
  EMULATOR_CREDENTIALS,
  launchBrowser,
  requireChromium,
  restClient,
  startServer,
  type Body,
  type Running,
} from './console-harness.js';
import { consolePage, costs } from './console-page.js';

const HOSTILE = '<script>window.__xss=1</script>"><img src=x onerror="window.__xss=2">';
const TEMPLATE_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Root',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
};

(browserAvailable() ? describe : describe.skip)('e2e: the web console in Chromium', () => {
  let server: Running;
  let rest: Awaited<ReturnType<typeof restClient>>;
  let close: () => Promise<void>;
  let page: Page;
  let kms: KMSClient;
  const requests: Request[] = [];
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];

  const url = (hash = '') => `${server.base}/${hash}`;
  const rows = () => page.locator('table.keys tbody tr');
  let c: ReturnType<typeof consolePage>;

  beforeAll(async () => {
    requireChromium();
    server = await startServer();
    rest = await restClient(server.base);
    kms = new KMSClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${server.emulatorPort}`,
      credentials: EMULATOR_CREDENTIALS,
      maxAttempts: 1,
    });
    await rest.call('POST', '/cckm/aws/templates', { name: 'e2e-template', kms: 'kms', policy: TEMPLATE_POLICY });
    // 12 keys over two regions; the first four disabled (two in each region).
    const created: Body[] = [];
    for (let batch = 0; batch < 12; batch += 6) {
      const ids = Array.from({ length: 6 }, (_, i) => batch + i);
      created.push(
        ...(await Promise.all(
          ids.map((i) =>
            rest.call('POST', '/cckm/aws/keys', {
              kms: 'kms',
              region: i % 2 ? 'eu-west-1' : 'us-east-1',
              aws_param: { Alias: `e2e-key-${String(i).padStart(2, '0')}`, Description: `seeded key ${i}` },
            }),
          ),
        )),
      );
    }
    await Promise.all(created.slice(0, 4).map((k) => rest.call('POST', `/cckm/aws/keys/${k.id}/disable`, {})));
    // Made in AWS, not through opencckm: the console learns of it from a synchronization.
    const hostile = await kms.send(new CreateKeyCommand({ Description: HOSTILE }));
    await kms.send(
      new CreateAliasCommand({ AliasName: 'alias/e2e-hostile', TargetKeyId: hostile.KeyMetadata!.KeyId! }),
    );

    const browser = await launchBrowser();
    close = browser.close;
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(10_000);
    c = consolePage(page);
    page.on('request', (r) => requests.push(r));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
  }, 360_000); // the first e2e file to run compiles the server (build-once)

  afterAll(async () => {
    await close?.();
    kms?.destroy();
    await server?.stop();
  }, 60_000);

  it('serves the console under a strict CSP and logs in with the keyboard alone', async () => {
    const res = await page.goto(url());
    const csp = res!.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const asset = await fetch(`${server.base}/assets/console.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-security-policy')).toBe(csp);
    // The API docs page is still where it was.
    expect((await fetch(`${server.base}/api/docs`)).status).toBe(200);

    await page.getByLabel('Username').waitFor();
    await c.axeSerious('login');
    await c.shot('login');
    // A wrong password: the API's message, and still the login form.
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    await page.keyboard.type('wrong-password');
    await page.keyboard.press('Enter');
    await c.see('[role=alert]', /Error 401/);
    await page.getByLabel('Password').fill('');
    await page.getByLabel('Password').focus();
    await page.keyboard.type(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Key inventory' }).waitFor();
    await c.see('table.keys caption', '1–12 of 12 keys');
  });

  it('keeps the access token out of URLs and localStorage', async () => {
    const bearer = requests.map((r) => r.headers().authorization).find((h) => h?.startsWith('Bearer '));
    expect(bearer).toBeDefined();
    const jwt = bearer!.slice('Bearer '.length);
    const storage = (await page.evaluate('[localStorage.length, JSON.stringify(sessionStorage)]')) as [number, string];
    expect(storage[0]).toBe(0);
    expect(storage[1]).not.toContain(jwt);
    const refresh = (JSON.parse(JSON.parse(storage[1])['opencckm.refresh_token']) as { token: string }).token;
    for (const r of requests) {
      expect(r.url()).not.toContain(jwt);
      expect(r.url()).not.toContain(refresh);
    }
    expect(page.url()).not.toContain(jwt);
  });

  it('pages, sorts and filters the inventory with the view in the URL, which survives a reload', async () => {
    await c.see('.chart', /^Keys by stateEnabled8Disabled4$/);
    await c.see('.chart', /^Keys by regioneu-west-16us-east-16$/);
    // One counting request per chart, with the table's filters; no list fetched just for its total.
    const api = requests.map((r) => new URL(r.url())).filter((u) => u.pathname.startsWith('/api/v1/cckm/aws/keys'));
    expect(api.filter((u) => u.pathname.endsWith('/stats')).map((u) => u.searchParams.get('group_by'))).toEqual(
      expect.arrayContaining(['state', 'region']),
    );
    expect(api.filter((u) => u.searchParams.get('limit') === '1')).toEqual([]);
    await c.axeSerious('inventory');
    await c.shot('inventory');
    await page.getByLabel('Per page').selectOption('10');
    await page.waitForURL(/limit=10/);
    await c.see('table.keys caption', '1–10 of 12 keys');
    await page.getByRole('button', { name: 'Next page' }).click();
    await c.see('table.keys caption', '11–12 of 12 keys');
    expect(page.url()).toContain('skip=10');

    await page.getByRole('button', { name: /Region/ }).click();
    await page.waitForURL(/sort=region/);
    expect(page.url()).not.toContain('skip=');
    await c.see('table.keys caption', '1–10 of 12 keys');
    await c.see('table.keys tbody tr:first-child td:nth-child(4)', 'eu-west-1');
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toContain('Region');
    await page.getByRole('button', { name: /Region/ }).click();
    await page.waitForURL(/sort=-region/);
    await page.locator('th[aria-sort="descending"]').waitFor();
    await c.see('table.keys tbody tr:first-child td:nth-child(4)', 'us-east-1');

    await page.getByLabel('Region', { exact: true }).selectOption('eu-west-1');
    await page.getByLabel('State', { exact: true }).selectOption('Disabled');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/region=eu-west-1/);
    expect(page.url()).toMatch(/keystate=Disabled/);
    await c.see('table.keys caption', '1–2 of 2 keys');
    expect(await rows().locator('td:nth-child(4)').allTextContents()).toEqual(['eu-west-1', 'eu-west-1']);
    expect(await rows().locator('.badge').allTextContents()).toEqual(['Disabled', 'Disabled']);

    // The URL is the view: a reload (new access token from the tab's refresh token) shows the same rows.
    const shared = page.url();
    await page.reload();
    await c.see('table.keys caption', '1–2 of 2 keys');
    expect(page.url()).toBe(shared);
    await c.until(`document.getElementById('f-region')?.value === 'eu-west-1'`);

    await page.getByRole('link', { name: 'Clear' }).click();
    // A piece of an alias, in another case; the charts count what the table lists.
    await page.getByLabel('Search alias, key id, ARN or description').fill('KEY-07');
    await page.keyboard.press('Enter');
    await page.waitForURL(/search=KEY-07/);
    await c.see('table.keys caption', '1–1 of 1 keys');
    await c.see('.chart', /^Keys by regioneu-west-11$/);
    await expect(rows().locator('td:nth-child(2) a').allTextContents()).resolves.toEqual(['alias/e2e-key-07']);
  });

  it('creates a key through the form, sending exactly the request it shows', async () => {
    await page.getByRole('link', { name: 'Create key' }).click();
    await page.getByRole('heading', { name: 'Create a key' }).waitFor();
    const usages = () => page.getByLabel('Key usage').locator('option').allTextContents();
    await page.getByLabel('Key spec').selectOption('HMAC_256');
    await expect(usages()).resolves.toEqual(['GENERATE_VERIFY_MAC']);
    await page.getByLabel('Key spec').selectOption('RSA_2048');
    await expect(usages()).resolves.toEqual(['ENCRYPT_DECRYPT', 'SIGN_VERIFY']);
    await page.getByLabel('Key usage').selectOption('SIGN_VERIFY');
    await page.getByLabel('Region', { exact: true }).selectOption('eu-west-1');
    await page.getByLabel('Alias').fill('e2e-created');
    await page.getByLabel('Description').fill('made in the console');
    await page.getByLabel('Tag key 1').fill('team');
    await page.getByLabel('Tag value 1').fill('payments');
    await page.getByLabel('Policy template').check();
    await page.getByLabel('Template', { exact: true }).selectOption('e2e-template');
    await c.axeSerious('create');
    await c.shot('create');
    const shown = JSON.parse((await page.getByTestId('request-preview').textContent())!) as Body;
    expect(shown).toEqual({
      kms: 'kms',
      region: 'eu-west-1',
      aws_param: {
        Alias: 'e2e-created',
        Description: 'made in the console',
        KeySpec: 'RSA_2048',
        KeyUsage: 'SIGN_VERIFY',
        Tags: [{ TagKey: 'team', TagValue: 'payments' }],
      },
      policytemplate: 'e2e-template',
    });
    const [sent] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/cckm/aws/keys')),
      page.getByRole('button', { name: 'Create key' }).click(),
    ]);
    expect(sent.postDataJSON()).toEqual(shown);
    await page.getByRole('heading', { name: /alias\/e2e-created/ }).waitFor();
    await c.see('dl.facts', /Templatee2e-template/);

    // Found again through the inventory's template filter, and opened from there.
    await page.getByRole('link', { name: 'Inventory', exact: true }).click();
    await page.locator('#f-template option', { hasText: 'e2e-template' }).waitFor({ state: 'attached' });
    await page.getByLabel('Template', { exact: true }).selectOption({ label: 'e2e-template' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/cckm_policy_template_id=/);
    await c.see('table.keys caption', '1–1 of 1 keys');
    await page.getByRole('link', { name: 'alias/e2e-created' }).click();
    await c.see('dl.facts', /Templatee2e-template/);
  });

  it('asks before a destructive action, naming the key, and works from the keyboard', async () => {
    const keyId = (await page.locator('dt:text-is("Key ID") + dd').textContent())!;
    await page.getByRole('button', { name: 'Disable', exact: true }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await expect(dialog.textContent()).resolves.toContain(`alias/e2e-created (${keyId}, eu-west-1)`);
    await c.checkPage('confirm-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await c.see('h1 .badge', 'Enabled');

    await page.getByRole('button', { name: 'Disable', exact: true }).focus();
    await page.keyboard.press('Enter');
    await dialog.getByRole('button', { name: 'Disable key' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('h1 .badge', { hasText: 'Disabled' }).waitFor();
    await page.getByRole('button', { name: 'Enable', exact: true }).click();
    await page.locator('h1 .badge', { hasText: 'Enabled' }).waitFor();

    // An API error shows the API's message and the request id.
    // An alias is unique per region: e2e-key-01 is taken in eu-west-1.
    await page.getByLabel('New alias').fill('e2e-key-01');
    await page.getByRole('button', { name: 'Add alias' }).click();
    await c.see('[role=alert]', /Error 409.*alias\/e2e-key-01.*Request ID: [0-9a-f-]{36}/);
  });

  it('shows policy drift against the template side by side and pushes the template to fix it', async () => {
    const keyId = (await page.locator('dt:text-is("Key ID") + dd').textContent())!;
    const changed = {
      ...TEMPLATE_POLICY,
      Statement: [...TEMPLATE_POLICY.Statement, { ...TEMPLATE_POLICY.Statement[0], Sid: 'Extra' }],
    };
    const eu = new KMSClient({
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${server.emulatorPort}`,
      credentials: EMULATOR_CREDENTIALS,
      maxAttempts: 1,
    });
    await eu.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: JSON.stringify(changed) }));
    eu.destroy();
    await page.getByRole('button', { name: 'Refresh from AWS' }).click();
    await page.locator('h1 .flag.drift').waitFor();
    const diff = page.getByLabel('Policy drift');
    await expect(diff.locator('.del').allTextContents()).resolves.toEqual(
      expect.arrayContaining([expect.stringContaining('"Sid": "Extra"')]),
    );
    await c.shot('key-drift');
    await page.getByRole('button', { name: 'Push template (fix drift)' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Apply template' }).click();
    await page.locator('h1 .flag.drift').waitFor({ state: 'detached' });
    await expect(page.locator('pre.policy').textContent()).resolves.not.toContain('Extra');
  });

  it('runs a synchronization and follows its progress to completed; hostile text from AWS stays text', async () => {
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('button', { name: 'Start synchronization' }).click();
    await page.getByRole('heading', { name: /Synchronization/ }).waitFor();
    await page.locator('h1 .badge', { hasText: 'completed' }).waitFor({ timeout: 30_000 });
    const bar = page.locator('progress');
    expect(await bar.getAttribute('value')).toBe(await bar.getAttribute('max'));
    const statuses = await page
      .getByRole('table', { name: 'Status per account and region' })
      .locator('tbody td:nth-child(2)')
      .allTextContents();
    expect(statuses.length).toBeGreaterThan(0);
    for (const s of statuses) expect(s).toMatch(/^completed/);
    await c.axeSerious('sync-job');
    await c.shot('sync-job');

    await c.nav('#/keys?alias=e2e-hostile');
    await c.see('table.keys caption', '1–1 of 1 keys');
    await expect(rows().locator('.description').textContent()).resolves.toBe(HOSTILE);
    await rows().getByRole('link').click();
    await expect(page.locator('dt:text-is("Description") + dd').textContent()).resolves.toBe(HOSTILE);
    await expect(page.getByLabel('Description', { exact: true }).inputValue()).resolves.toBe(HOSTILE);
    const probe = (await page.evaluate(
      '({ flag: window.__xss, imgs: document.querySelectorAll("img").length, scripts: document.querySelectorAll("body script").length })',
    )) as Body;
    expect(probe).toEqual({ flag: undefined, imgs: 0, scripts: 0 });
    await c.shot('key-hostile');
  });

  it('disables selected keys through a bulk job with a result per key', async () => {
    await c.nav('#/keys?region=us-east-1&keystate=Enabled&sort=region');
    await c.see('table.keys caption', /^1–\d+ of \d+ keys$/);
    const names = (await rows().locator('td:nth-child(2) a').allTextContents()).slice(0, 2);
    for (const name of names) await page.getByLabel(`Select ${name}`).check();
    await page.getByRole('region', { name: 'Bulk actions' }).getByRole('button', { name: 'Disable' }).click();
    await expect(page.getByRole('dialog').textContent()).resolves.toContain(names.join(', '));
    await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
    await page.locator('h1 .badge', { hasText: 'completed' }).waitFor({ timeout: 20_000 });
    const results = page.getByRole('table', { name: 'Result per key' }).locator('tbody tr');
    await expect(results.locator('td:nth-child(2)').allTextContents()).resolves.toEqual(['succeeded', 'succeeded']);
    await c.checkPage('bulk-job');
    const list = await rest.call('GET', `/cckm/aws/keys?keystate=Disabled&limit=-1`);
    const disabledAliases = (list.resources as Body[]).map((k) => k.aws_param.Alias?.[0]);
    for (const name of names) expect(disabledAliases).toContain(name);
  });

  it('reads the audit trail and the other resource pages', async () => {
    await c.nav('#/audit?action=disableAwsKey');
    await c.see('table caption', /^\d+ records$/);
    const actions = await page.locator('tbody td:nth-child(3)').allTextContents();
    expect(actions.length).toBeGreaterThanOrEqual(5);
    expect(new Set(actions)).toEqual(new Set(['disableAwsKey']));
    await c.axeSerious('audit');
    await c.shot('audit');
    for (const [hash, heading, name] of [
      ['#/templates', 'Policy templates', 'templates'],
      ['#/kms', 'KMS accounts', 'kms'],
      ['#/connections', 'Connections', 'connections'],
      ['#/key-stores', 'Custom key stores', 'key-stores'],
      ['#/users', 'Users and groups', 'users'],
      ['#/jobs', 'Jobs', 'jobs'],
      ['#/scheduler', 'Scheduled jobs', 'scheduler-empty'],
    ] as const) {
      await c.nav(hash);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await c.until('!document.querySelector(\'[aria-busy="true"]\')');
      await c.axeSerious(name);
      await c.shot(name);
    }
    await c.nav('#/templates');
    await c.see('table[aria-label="Policy templates"] td', 'e2e-template');
  });

  it('fits a 390-px phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, name] of [
      ['#/keys', 'inventory-phone'],
      ['#/create', 'create-phone'],
    ] as const) {
      await c.nav(hash);
      await page.locator('h1').waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await c.shot(name);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('ran no script it should not have, and the CSP refused nothing', () => {
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
    console.log(
      `console e2e: ${costs.screenshots} screenshots in ${Math.round(costs.screenshotMs)} ms, ` +
        `${costs.axeRuns} axe runs in ${Math.round(costs.axeMs)} ms`,
    );
  });
});
