import { useEffect, useState } from 'preact/hooks';
import { api, type Page } from '../api';
import { ErrorBox, useLoad } from '../components/ui';
import { navigate } from '../router';
import { KEY_SPECS, SPEC_USAGES, type AwsKey, type Kms, type Template } from '../types';

type PolicySource = 'default' | 'policy' | 'template' | 'principals';

interface Form {
  kms: string;
  region: string;
  alias: string;
  description: string;
  spec: string;
  usage: string;
  origin: string;
  customKeyStoreId: string;
  multiRegion: boolean;
  tags: { key: string; value: string }[];
  source: PolicySource;
  policy: string;
  template: string;
  principals: Record<'key_admins' | 'key_users' | 'key_admins_roles' | 'key_users_roles' | 'external_accounts', string>;
}

const PRINCIPALS = [
  ['key_admins', 'Key admins (IAM users)'],
  ['key_admins_roles', 'Key admin roles'],
  ['key_users', 'Key users (IAM users)'],
  ['key_users_roles', 'Key user roles'],
  ['external_accounts', 'External AWS accounts'],
] as const;

const list = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** The POST /cckm/aws/keys body the form describes (what the preview shows and the submit sends). */
function requestBody(f: Form): Record<string, unknown> {
  const aws: Record<string, unknown> = {};
  if (f.alias) aws.Alias = f.alias;
  if (f.description) aws.Description = f.description;
  aws.KeySpec = f.spec;
  aws.KeyUsage = f.usage;
  if (f.origin !== 'AWS_KMS') aws.Origin = f.origin;
  if (f.customKeyStoreId && (f.origin === 'AWS_CLOUDHSM' || f.origin === 'EXTERNAL_KEY_STORE'))
    aws.CustomKeyStoreId = f.customKeyStoreId;
  if (f.multiRegion) aws.MultiRegion = true;
  const tags = f.tags.filter((t) => t.key).map((t) => ({ TagKey: t.key, TagValue: t.value }));
  if (tags.length) aws.Tags = tags;
  if (f.source === 'policy') {
    try {
      aws.Policy = JSON.parse(f.policy) as unknown;
    } catch {
      aws.Policy = f.policy;
    }
  }
  const body: Record<string, unknown> = { kms: f.kms, region: f.region, aws_param: aws };
  if (f.source === 'template' && f.template) body.policytemplate = f.template;
  if (f.source === 'principals')
    for (const [field] of PRINCIPALS) if (list(f.principals[field]).length) body[field] = list(f.principals[field]);
  return body;
}

export function CreateKeyPage() {
  const options = useLoad(async () => {
    const q = new URLSearchParams({ limit: '-1' });
    const [kms, templates] = await Promise.all([
      api<Page<Kms>>('GET', '/cckm/aws/kms', undefined, q),
      api<Page<Template>>('GET', '/cckm/aws/templates', undefined, q),
    ]);
    return { kms: kms.resources, templates: templates.resources };
  }, []);
  const [f, setF] = useState<Form>({
    kms: '',
    region: '',
    alias: '',
    description: '',
    spec: 'SYMMETRIC_DEFAULT',
    usage: 'ENCRYPT_DECRYPT',
    origin: 'AWS_KMS',
    customKeyStoreId: '',
    multiRegion: false,
    tags: [{ key: '', value: '' }],
    source: 'default',
    policy: '',
    template: '',
    principals: { key_admins: '', key_users: '', key_admins_roles: '', key_users_roles: '', external_accounts: '' },
  });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<Form>) => setF((old) => ({ ...old, ...patch }));
  const val = (e: Event) => (e.currentTarget as HTMLInputElement).value;

  const kmsList = options.data?.kms ?? [];
  const kms = kmsList.find((k) => k.name === f.kms) ?? kmsList[0];
  useEffect(() => {
    if (kms && !f.kms) set({ kms: kms.name, region: kms.regions[0] ?? '' });
  }, [kms, f.kms]);
  const usages = SPEC_USAGES[f.spec] ?? [];
  const templates = (options.data?.templates ?? []).filter((t) => t.kms_id === kms?.id);
  const body = requestBody(f);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const created = await api<AwsKey>('POST', '/cckm/aws/keys', body);
      navigate(`/keys/${created.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Create a key</h1>
      <ErrorBox error={options.error} />
      <div class="create">
        <form onSubmit={submit} aria-label="Create a key" class="stack">
          <div class="field">
            <label for="f-kms-account">KMS account</label>
            <select
              id="f-kms-account"
              value={f.kms}
              onChange={(e) => set({ kms: val(e), region: kmsList.find((k) => k.name === val(e))?.regions[0] ?? '' })}
            >
              {kmsList.map((k) => (
                <option key={k.id} value={k.name}>
                  {k.name} ({k.account_id})
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-region">Region</label>
            <select id="f-region" value={f.region} onChange={(e) => set({ region: val(e) })}>
              {(kms?.regions ?? []).map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </div>
          <label>
            Alias
            <input
              value={f.alias}
              onInput={(e) => set({ alias: val(e) })}
              maxLength={256}
              pattern="^(alias/)?[A-Za-z0-9:/_\-]{1,250}$"
            />
          </label>
          <label>
            Description
            <input value={f.description} onInput={(e) => set({ description: val(e) })} maxLength={8192} />
          </label>
          <div class="field">
            <label for="f-key-spec">Key spec</label>
            <select
              id="f-key-spec"
              value={f.spec}
              onChange={(e) => set({ spec: val(e), usage: SPEC_USAGES[val(e)]?.[0] ?? '' })}
            >
              {KEY_SPECS.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-key-usage">Key usage</label>
            <select id="f-key-usage" value={f.usage} onChange={(e) => set({ usage: val(e) })}>
              {usages.map((u) => (
                <option key={u}>{u}</option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-origin">Origin</label>
            <select id="f-origin" value={f.origin} onChange={(e) => set({ origin: val(e) })}>
              <option value="AWS_KMS">AWS_KMS (AWS makes the material)</option>
              <option value="EXTERNAL">EXTERNAL (import material later)</option>
              <option value="AWS_CLOUDHSM">AWS_CLOUDHSM (custom key store)</option>
              <option value="EXTERNAL_KEY_STORE">EXTERNAL_KEY_STORE (XKS)</option>
            </select>
          </div>
          {(f.origin === 'AWS_CLOUDHSM' || f.origin === 'EXTERNAL_KEY_STORE') && (
            <label>
              Custom key store id
              <input
                value={f.customKeyStoreId}
                onInput={(e) => set({ customKeyStoreId: val(e) })}
                maxLength={64}
                required
              />
            </label>
          )}
          <label class="check">
            <input
              type="checkbox"
              checked={f.multiRegion}
              onChange={(e) => set({ multiRegion: (e.currentTarget as HTMLInputElement).checked })}
            />
            Multi-Region key
          </label>
          <fieldset>
            <legend>Tags</legend>
            {f.tags.map((t, i) => (
              <div class="row" key={i}>
                <label>
                  Tag key {i + 1}
                  <input
                    value={t.key}
                    maxLength={128}
                    onInput={(e) => set({ tags: f.tags.map((x, j) => (j === i ? { ...x, key: val(e) } : x)) })}
                  />
                </label>
                <label>
                  Tag value {i + 1}
                  <input
                    value={t.value}
                    maxLength={256}
                    onInput={(e) => set({ tags: f.tags.map((x, j) => (j === i ? { ...x, value: val(e) } : x)) })}
                  />
                </label>
              </div>
            ))}
            <button
              type="button"
              onClick={() => set({ tags: [...f.tags, { key: '', value: '' }] })}
              disabled={f.tags.length >= 50}
            >
              Add a tag
            </button>
          </fieldset>
          <fieldset>
            <legend>Key policy (exactly one source)</legend>
            {(
              [
                ['default', 'Default (the account root may use and manage the key)'],
                ['template', 'Policy template'],
                ['policy', 'Policy JSON'],
                ['principals', 'Key admins and users'],
              ] as [PolicySource, string][]
            ).map(([value, label]) => (
              <label class="check" key={value}>
                <input
                  type="radio"
                  name="source"
                  value={value}
                  checked={f.source === value}
                  onChange={() => set({ source: value })}
                />
                {label}
              </label>
            ))}
            {f.source === 'template' && (
              <div class="field">
                <label for="f-template">Template</label>
                <select id="f-template" value={f.template} onChange={(e) => set({ template: val(e) })} required>
                  <option value="">choose…</option>
                  {templates.map((t) => (
                    <option key={t.id} value={t.name}>
                      {t.name}
                    </option>
                  ))}
                </select>
              </div>
            )}
            {f.source === 'policy' && (
              <label>
                Policy JSON
                <textarea
                  rows={8}
                  value={f.policy}
                  onInput={(e) => set({ policy: val(e) })}
                  maxLength={32768}
                  required
                />
              </label>
            )}
            {f.source === 'principals' &&
              PRINCIPALS.map(([field, label]) => (
                <label key={field}>
                  {label} (comma-separated)
                  <input
                    value={f.principals[field]}
                    onInput={(e) => set({ principals: { ...f.principals, [field]: val(e) } })}
                  />
                </label>
              ))}
          </fieldset>
          <button type="submit" disabled={busy || !kms}>
            Create key
          </button>
          <ErrorBox error={error} />
        </form>
        <section class="card preview" aria-label="Request preview">
          <h2>Request</h2>
          <p>
            <code>POST /api/v1/cckm/aws/keys</code>
          </p>
          <pre data-testid="request-preview">{JSON.stringify(body, null, 2)}</pre>
        </section>
      </div>
    </>
  );
}
