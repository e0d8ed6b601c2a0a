import { api, type Page } from '../api';
import { Badge, ErrorBox, Facts, formatDate, prettyJson, Section, useLoad } from '../components/ui';
import { href } from '../router';
import type { AuditRecord, AwsKey, Template } from '../types';
import { keyName } from './inventory';
import { KeyActions } from './key-actions';

/** Side by side: the key's policy in AWS and its template's, with lines that differ marked. */
function PolicyDiff({ actual, expected, template }: { actual: string; expected: string; template: string }) {
  const a = actual.split('\n');
  const b = expected.split('\n');
  const bSet = new Set(b.map((l) => l.trim()));
  const aSet = new Set(a.map((l) => l.trim()));
  return (
    <div class="diff" aria-label="Policy drift">
      <div>
        <h3>In AWS</h3>
        <pre>
          {a.map((l, i) => (
            <span key={i} class={bSet.has(l.trim()) ? '' : 'del'}>
              {l}
              {'\n'}
            </span>
          ))}
        </pre>
      </div>
      <div>
        <h3>Template {template}</h3>
        <pre>
          {b.map((l, i) => (
            <span key={i} class={aSet.has(l.trim()) ? '' : 'add'}>
              {l}
              {'\n'}
            </span>
          ))}
        </pre>
      </div>
    </div>
  );
}

function Rotations({ id }: { id: string }) {
  const rotations = useLoad(
    () =>
      api<Page<{ KeyMaterialId?: string; RotationDate?: string; RotationType?: string }>>(
        'GET',
        `/cckm/aws/keys/${id}/rotations`,
        undefined,
        new URLSearchParams({ limit: '50' }),
      ),
    [id],
  );
  if (rotations.error) return <ErrorBox error={rotations.error} />;
  const list = rotations.data?.resources ?? [];
  if (!list.length) return <p>No rotations yet.</p>;
  return (
    <ul>
      {list.map((r, i) => (
        <li key={i}>
          {formatDate(r.RotationDate)} — {r.RotationType ?? 'rotation'}{' '}
          {r.KeyMaterialId && <code>{r.KeyMaterialId}</code>}
        </li>
      ))}
    </ul>
  );
}

function History({ id }: { id: string }) {
  const audit = useLoad(
    () =>
      api<Page<AuditRecord>>('GET', '/audit/records', undefined, new URLSearchParams({ resource_id: id, limit: '20' })),
    [id],
  );
  if (audit.error) return <ErrorBox error={audit.error} />;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {(audit.data?.resources ?? []).map((r) => (
            <tr key={r.id}>
              <td>{formatDate(r.at)}</td>
              <td>{r.actor}</td>
              <td>{r.action}</td>
              <td>
                {r.result} ({r.status_code})
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function KeyDetailPage({ id }: { id: string }) {
  const key = useLoad(() => api<AwsKey>('GET', `/cckm/aws/keys/${id}`), [id]);
  const templateId = key.data?.cckm_policy_template_id;
  const template = useLoad(
    async () => (templateId ? api<Template>('GET', `/cckm/aws/templates/${templateId}`) : undefined),
    [templateId],
  );
  if (!key.data) return key.error ? <ErrorBox error={key.error} /> : <p>Loading…</p>;
  const k = key.data;
  const p = k.aws_param;
  const facts: [string, unknown][] = [
    ['Key ID', p.KeyID],
    ['ARN', p.Arn],
    ['KMS account', `${k.kms} (${p.AWSAccountId ?? '?'})`],
    ['Region', k.region],
    ['Description', p.Description || '—'],
    ['Key spec', p.KeySpec],
    ['Key usage', p.KeyUsage],
    ['Origin', p.Origin],
    ['Key manager', p.KeyManager],
    ['Multi-Region', p.MultiRegion ? 'yes' : 'no'],
    ['Created', formatDate(p.CreationDate ?? k.createdAt)],
    ['Last read from AWS', formatDate(k.synced_at)],
    ['Automatic rotation', p.KeyRotationEnabled ? `every ${p.RotationPeriodInDays ?? 365} days` : 'off'],
    ['Next rotation', formatDate(p.NextRotationDate)],
    ['Deletion date', formatDate(p.DeletionDate)],
    ['Material expires', formatDate(p.ValidTo)],
    ['Template', template.data?.name ?? (templateId ? templateId : '—')],
    ['Record status', k.status + (k.last_error ? ` — ${k.last_error}` : '')],
  ];
  const policy = prettyJson(p.Policy);
  return (
    <>
      <p>
        <a href={href('/keys')}>← Inventory</a>
      </p>
      <h1>
        {keyName(k)} <Badge value={p.KeyState} />
        {k.policy_drift && <span class="flag drift">policy drift</span>}
        {k.gone && <span class="flag muted">gone from AWS</span>}
      </h1>
      <ErrorBox error={key.error} />
      <KeyActions k={k} templateName={template.data?.name} onChange={key.reload} />
      <Section title="Metadata">
        <Facts
          rows={facts.map(([label, value]) => [label, value === undefined || value === null ? '—' : String(value)])}
        />
      </Section>
      <Section title="Key policy">
        {k.policy_drift && template.data ? (
          <PolicyDiff actual={policy} expected={prettyJson(template.data.policy)} template={template.data.name} />
        ) : (
          <pre class="policy">{policy}</pre>
        )}
      </Section>
      <Section title="Rotations">
        {p.KeySpec === 'SYMMETRIC_DEFAULT' ? (
          <Rotations id={k.id} />
        ) : (
          <p>AWS KMS rotates only symmetric encryption keys.</p>
        )}
      </Section>
      <Section title="History (audit trail)">
        <History id={k.id} />
      </Section>
    </>
  );
}
