import { useState } from 'preact/hooks';
import { api } from '../api';
import { FormActions, Section } from './ui';

/** One input of a resource form; `list` is a comma-separated text sent as an array. */
export interface FieldSpec {
  name: string;
  label: string;
  type?: 'text' | 'password' | 'select' | 'checkbox' | 'list' | 'checkboxes';
  options?: string[];
  required?: boolean;
  maxLength?: number;
  pattern?: string;
  /** Shown on create only (a name, an account id: fixed once made). */
  createOnly?: boolean;
  /** Shown on edit only (a flag the create body does not take). */
  editOnly?: boolean;
  hint?: string;
}

type Value = string | boolean | string[];
type Values = Record<string, Value>;

function initialOf(fields: FieldSpec[], record: Record<string, unknown> | undefined): Values {
  const v: Values = {};
  for (const f of fields) {
    const r = record?.[f.name];
    if (f.type === 'checkbox') v[f.name] = r === true;
    else if (f.type === 'checkboxes') v[f.name] = Array.isArray(r) ? r.map(String) : [];
    else if (f.type === 'list') v[f.name] = Array.isArray(r) ? r.join(', ') : '';
    else v[f.name] = r === null || r === undefined ? '' : String(r);
  }
  return v;
}

function wire(f: FieldSpec, v: Value): unknown {
  if (f.type === 'list')
    return String(v)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return typeof v === 'string' ? v.trim() : v;
}

/**
 * The request body of a form: on create every filled field; on edit only the fields the
 * user changed (the API's PATCH takes the fields to change), never an edit-locked one.
 */
function bodyOf(fields: FieldSpec[], values: Values, initial: Values, editing: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of fields) {
    if ((editing && f.createOnly) || (!editing && f.editOnly)) continue;
    const v = values[f.name]!;
    if (editing && JSON.stringify(v) === JSON.stringify(initial[f.name])) continue;
    const w = wire(f, v);
    if (!editing && (w === '' || w === false || (Array.isArray(w) && !w.length))) continue;
    if (f.type === 'password' && w === '') continue;
    body[f.name] = w;
  }
  return body;
}

/**
 * A create or edit form over one REST resource: POST `path` to create, PATCH `path/{id}`
 * to edit. Inputs carry the API's bounds so the browser refuses what the API would; the
 * API's own answer (message and request id) is shown when it refuses anyway.
 */
export function ResourceForm({
  title,
  path,
  fields,
  record,
  defaults,
  idOf = (r) => String(r.id),
  onSaved,
  onCancel,
}: {
  title: string;
  path: string;
  fields: FieldSpec[];
  record?: Record<string, unknown>;
  /** Initial values of a new record (the API's defaults, so the form shows them). */
  defaults?: Record<string, unknown>;
  idOf?: (r: Record<string, unknown>) => string;
  onSaved: (saved: Record<string, unknown>) => void;
  onCancel?: () => void;
}) {
  const editing = !!record;
  const [initial] = useState(() => initialOf(fields, record));
  const [values, setValues] = useState(() => initialOf(fields, record ?? defaults));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = (name: string, v: Value) => setValues((old) => ({ ...old, [name]: v }));
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = bodyOf(fields, values, initial, editing);
      const saved = editing
        ? await api<Record<string, unknown>>('PATCH', `${path}/${encodeURIComponent(idOf(record!))}`, body)
        : await api<Record<string, unknown>>('POST', path, body);
      onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const id = (f: FieldSpec) => `rf-${f.name}`;
  return (
    <Section title={title}>
      <form class="stack resource-form" onSubmit={submit} aria-label={title}>
        {fields
          .filter((f) => !(editing ? f.createOnly : f.editOnly))
          .map((f) => {
            const v = values[f.name]!;
            if (f.type === 'checkbox')
              return (
                <label class="check" key={f.name}>
                  <input
                    type="checkbox"
                    checked={v === true}
                    onChange={(e) => set(f.name, (e.currentTarget as HTMLInputElement).checked)}
                  />
                  {f.label}
                </label>
              );
            if (f.type === 'checkboxes')
              return (
                <fieldset key={f.name}>
                  <legend>{f.label}</legend>
                  {(f.options ?? []).length === 0 && <p class="sub">None to choose from.</p>}
                  {(f.options ?? []).map((o) => (
                    <label class="check" key={o}>
                      <input
                        type="checkbox"
                        checked={(v as string[]).includes(o)}
                        onChange={(e) => {
                          const on = (e.currentTarget as HTMLInputElement).checked;
                          const list = (v as string[]).filter((x) => x !== o);
                          set(f.name, on ? [...list, o] : list);
                        }}
                      />
                      {o}
                    </label>
                  ))}
                </fieldset>
              );
            if (f.type === 'select')
              return (
                <div class="field" key={f.name}>
                  <label for={id(f)}>{f.label}</label>
                  <select
                    id={id(f)}
                    value={String(v)}
                    required={f.required}
                    onChange={(e) => set(f.name, (e.currentTarget as HTMLSelectElement).value)}
                  >
                    {!f.required && <option value="">(none)</option>}
                    {f.required && !v && <option value="">choose…</option>}
                    {(f.options ?? []).map((o) => (
                      <option key={o}>{o}</option>
                    ))}
                  </select>
                </div>
              );
            const input = {
              value: String(v),
              required: f.required === true && !(editing && f.type === 'password'),
              maxLength: f.maxLength ?? 256,
              ...(f.pattern ? { pattern: f.pattern } : {}),
              onInput: (e: Event) => set(f.name, (e.currentTarget as HTMLInputElement).value),
            };
            return (
              <label key={f.name}>
                {f.label}
                {f.hint && <span class="sub"> {f.hint}</span>}
                {f.type === 'password' ? (
                  <input type="password" autoComplete="new-password" {...input} />
                ) : (
                  <input type="text" autoComplete="off" {...input} />
                )}
              </label>
            );
          })}
        <FormActions submit={editing ? 'Save changes' : 'Create'} disabled={busy} onCancel={onCancel} error={error} />
      </form>
    </Section>
  );
}
