import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, type Page } from '../api';
import { ErrorBox, Section, useConfirm, useLoad } from '../components/ui';
import type { AwsKey, Kms, Template } from '../types';
import { keyName } from './inventory';

interface Props {
  k: AwsKey;
  templateName: string | undefined;
  onChange: () => void;
}

function formValue(e: Event, name: string): string {
  return String(new FormData(e.currentTarget as HTMLFormElement).get(name) ?? '').trim();
}

/** Every action of the key detail page; destructive ones ask first, naming the key. */
export function KeyActions({ k, templateName, onChange }: Props) {
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [dialog, confirm] = useConfirm();
  const templates = useLoad(
    () => api<Page<Template>>('GET', '/cckm/aws/templates', undefined, new URLSearchParams({ limit: '-1' })),
    [],
  );
  const kms = useLoad(() => api<Kms>('GET', `/cckm/aws/kms/${k.kms_id}`), [k.kms_id]);
  const p = k.aws_param;
  const name = keyName(k);
  const replicaRegions = (kms.data?.regions ?? []).filter((r) => r !== k.region);
  const who = (
    <>
      <strong>{name}</strong> ({p.KeyID}, {k.region})
    </>
  );

  const run = async (done: string, action: () => Promise<unknown>, ask?: [ComponentChildren, string]) => {
    if (ask && !(await confirm(ask[0], ask[1]))) return;
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      await action();
      setNotice(done);
      onChange();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const post =
    (action: string, body: unknown = {}) =>
    () =>
      api('POST', `/cckm/aws/keys/${k.id}/${action}`, body);

  const downloadPublicKey = () =>
    run('Public key downloaded', async () => {
      const body = await api<unknown>('GET', `/cckm/aws/keys/${k.id}/download-public-key`);
      const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
      const url = URL.createObjectURL(new Blob([text], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `${p.KeyID ?? k.id}.public-key${typeof body === 'string' ? '.pem' : '.json'}`;
      a.click();
      URL.revokeObjectURL(url);
    });
  // AWS rotates only symmetric encryption keys whose material it made (no imports, no external stores).
  const rotatable =
    p.KeySpec === 'SYMMETRIC_DEFAULT' && (p.Origin ?? 'AWS_KMS') !== 'EXTERNAL' && p.Origin !== 'EXTERNAL_KEY_STORE';
  const asymmetric = !!p.KeySpec && !p.KeySpec.startsWith('SYMMETRIC') && !p.KeySpec.startsWith('HMAC');
  const kmsTemplates = (templates.data?.resources ?? []).filter((t) => t.kms_id === k.kms_id);

  return (
    <Section title="Actions">
      <div class="actions" aria-busy={busy}>
        <button type="button" onClick={() => void run('Key re-read from AWS', post('refresh'))}>
          Refresh from AWS
        </button>
        {p.KeyState === 'Enabled' && (
          <button
            type="button"
            onClick={() =>
              void run('Key disabled', post('disable'), [
                <>Disable key {who}? Applications using it will fail.</>,
                'Disable key',
              ])
            }
          >
            Disable
          </button>
        )}
        {p.KeyState === 'Disabled' && (
          <button type="button" onClick={() => void run('Key enabled', post('enable'))}>
            Enable
          </button>
        )}
        {rotatable && (
          <button
            type="button"
            onClick={() =>
              void run('New key material made', post('rotate-material'), [
                <>Rotate the material of {who} now?</>,
                'Rotate now',
              ])
            }
          >
            Rotate now
          </button>
        )}
        {!rotatable ? null : p.KeyRotationEnabled ? (
          <button type="button" onClick={() => void run('Automatic rotation off', post('disable-auto-rotation'))}>
            Disable automatic rotation
          </button>
        ) : (
          <button type="button" onClick={() => void run('Automatic rotation on', post('enable-auto-rotation'))}>
            Enable automatic rotation
          </button>
        )}
        {p.KeyState === 'PendingDeletion' ? (
          <button type="button" onClick={() => void run('Deletion cancelled', post('cancel-deletion'))}>
            Cancel deletion
          </button>
        ) : null}
        {asymmetric && (
          <button type="button" onClick={() => void downloadPublicKey()}>
            Download public key
          </button>
        )}
      </div>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorBox error={error} />
      <div class="action-forms">
        {p.KeyState !== 'PendingDeletion' && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              const days = Number(formValue(e, 'days'));
              void run('Deletion scheduled', post('schedule-deletion', { days }), [
                <>
                  Schedule deletion of key {who} in {days} days? After that the key and everything encrypted under it
                  are lost.
                </>,
                'Schedule deletion',
              ]);
            }}
          >
            <label>
              Delete after (days)
              <input name="days" type="number" min={7} max={30} defaultValue="30" required />
            </label>
            <button type="submit" class="danger">
              Schedule deletion
            </button>
          </form>
        )}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run('Description saved', post('update-description', { description: formValue(e, 'description') }));
          }}
        >
          <label>
            Description
            <input name="description" defaultValue={p.Description ?? ''} maxLength={8192} />
          </label>
          <button type="submit">Save description</button>
        </form>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const template = formValue(e, 'template');
            void run('Template applied', post('policy', { policytemplate: template }), [
              <>Replace the policy of {who} with the template's?</>,
              'Apply template',
            ]);
          }}
        >
          <div class="field">
            <label for="f-policy-template">Policy template</label>
            <select id="f-policy-template" name="template" required>
              {kmsTemplates.map((t) => (
                <option key={t.id} value={t.id} selected={t.name === templateName}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={!kmsTemplates.length}>
            {k.policy_drift ? 'Push template (fix drift)' : 'Apply template'}
          </button>
        </form>
        {p.MultiRegion && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              const region = formValue(e, 'replica_region');
              void run(`Replica made in ${region}`, post('replicate-key', { replica_region: region }));
            }}
          >
            <div class="field">
              <label for="f-replica-region">Replicate to region</label>
              <select id="f-replica-region" name="replica_region" required>
                {replicaRegions.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            </div>
            <button type="submit" disabled={!replicaRegions.length}>
              Replicate
            </button>
          </form>
        )}
      </div>
      <h3>Aliases</h3>
      <ul class="chips">
        {(p.Alias ?? []).map((a) => (
          <li key={a}>
            {a}{' '}
            <button
              type="button"
              aria-label={`Delete alias ${a}`}
              onClick={() =>
                void run('Alias deleted', post('delete-alias', { alias: a }), [
                  <>
                    Delete alias {a} of key {who}?
                  </>,
                  'Delete alias',
                ])
              }
            >
              ✕
            </button>
          </li>
        ))}
      </ul>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void run('Alias added', post('add-alias', { alias: formValue(e, 'alias') }));
        }}
      >
        <label>
          New alias <input name="alias" required maxLength={256} pattern="^(alias/)?[A-Za-z0-9:/_\-]{1,250}$" />
        </label>
        <button type="submit">Add alias</button>
      </form>
      <h3>Tags</h3>
      <ul class="chips">
        {(p.Tags ?? []).map((t) => (
          <li key={t.TagKey}>
            <span class="tag-key">{t.TagKey}</span>=<span class="tag-value">{t.TagValue}</span>{' '}
            <button
              type="button"
              aria-label={`Remove tag ${t.TagKey}`}
              onClick={() =>
                void run('Tag removed', post('remove-tags', { tags: [t.TagKey] }), [
                  <>
                    Remove tag {t.TagKey} from key {who}?
                  </>,
                  'Remove tag',
                ])
              }
            >
              ✕
            </button>
          </li>
        ))}
      </ul>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void run(
            'Tag added',
            post('add-tags', { tags: [{ TagKey: formValue(e, 'key'), TagValue: formValue(e, 'value') }] }),
          );
        }}
      >
        <label>
          Tag key <input name="key" required maxLength={128} />
        </label>
        <label>
          Tag value <input name="value" maxLength={256} />
        </label>
        <button type="submit">Add tag</button>
      </form>
      {dialog}
    </Section>
  );
}
