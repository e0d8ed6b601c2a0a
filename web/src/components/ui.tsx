import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api';

/** An API error as the user needs it: the API's message and the request id to quote. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : undefined;
  return (
    <div class="error" role="alert">
      <strong>{e ? `Error ${e.status}` : 'Error'}:</strong> {error instanceof Error ? error.message : String(error)}
      {e?.requestId && <div class="request-id">Request ID: {e.requestId}</div>}
    </div>
  );
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` whenever `deps` change (and on reload()); the newest answer wins, older runs are aborted. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(abort.signal).then(
      (data) => !abort.signal.aborted && setState({ data, loading: false }),
      (error: unknown) => !abort.signal.aborted && setState({ error, loading: false }),
    );
    return () => abort.abort();
  }, [...deps, tick]);
  return { data: state.data, error: state.error, loading: state.loading, reload: () => setTick((t) => t + 1) };
}

const STATE_CLASS: Record<string, string> = {
  Enabled: 'ok',
  Disabled: 'muted',
  PendingDeletion: 'danger',
  PendingReplicaDeletion: 'danger',
  PendingImport: 'warn',
  Unavailable: 'warn',
  Creating: 'info',
  Updating: 'info',
  CONNECTED: 'ok',
  DISCONNECTED: 'muted',
  FAILED: 'danger',
  completed: 'ok',
  in_progress: 'info',
  failed: 'danger',
  cancelled: 'muted',
  pending: 'info',
  running: 'info',
  delivered: 'ok',
  enabled: 'ok',
  disabled: 'muted',
};

export function Badge({ value }: { value: string | null | undefined }) {
  if (!value) return <span class="badge muted">unknown</span>;
  return <span class={`badge ${STATE_CLASS[value] ?? 'info'}`}>{value}</span>;
}

/** Horizontal bars, one per label; sizes are set through the CSSOM (allowed by the CSP). */
export function BarChart({
  title,
  data,
  link,
}: {
  title: string;
  data: [string, number][];
  link?: (label: string) => string;
}) {
  const max = Math.max(1, ...data.map(([, n]) => n));
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <ul>
        {data.map(([label, n]) => (
          <li key={label}>
            <span class="chart-label">{link ? <a href={link(label)}>{label}</a> : label}</span>
            <span class="chart-bar" aria-hidden="true">
              <span style={{ width: `${(n / max) * 100}%` }} />
            </span>
            <span class="chart-value">{n}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

interface Ask {
  text: ComponentChildren;
  action: string;
  resolve: (ok: boolean) => void;
}

/**
 * A modal confirmation (the native <dialog>: focus moves into it, Escape cancels).
 * @returns the dialog to render and `confirm(text, action)` resolving to the user's answer
 */
export function useConfirm(): [ComponentChildren, (text: ComponentChildren, action: string) => Promise<boolean>] {
  const [ask, setAsk] = useState<Ask>();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (ask && ref.current && !ref.current.open) ref.current.showModal();
  }, [ask]);
  const answer = (ok: boolean) => {
    ref.current?.close();
    ask?.resolve(ok);
    setAsk(undefined);
  };
  const confirm = useCallback(
    (text: ComponentChildren, action: string) => new Promise<boolean>((resolve) => setAsk({ text, action, resolve })),
    [],
  );
  const dialog = ask ? (
    <dialog
      ref={ref}
      class="confirm"
      aria-labelledby="confirm-text"
      onCancel={(e) => {
        e.preventDefault();
        answer(false);
      }}
    >
      <p id="confirm-text">{ask.text}</p>
      <div class="buttons">
        <button type="button" onClick={() => answer(false)}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={() => answer(true)}>
          {ask.action}
        </button>
      </div>
    </dialog>
  ) : null;
  return [dialog, confirm];
}

/** A definition list of labelled values (`<dl class="facts">`), labels already worded for people. */
export function Facts({ rows }: { rows: readonly (readonly [string, ComponentChildren])[] }) {
  return (
    <dl class="facts">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A form's submit button, its Cancel button (when `onCancel` is given), then the error of the last submit. */
export function FormActions({
  submit,
  disabled,
  onCancel,
  error,
}: {
  submit: string;
  disabled?: boolean;
  onCancel?: () => void;
  error: unknown;
}) {
  return (
    <>
      <div class="buttons">
        <button type="submit" disabled={disabled}>
          {submit}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      <ErrorBox error={error} />
    </>
  );
}

/** How often a page re-reads something still in progress (a job, a report). */
export const POLL_MS = 500;

/**
 * Reads `path` now and again every {@link POLL_MS} while `running(value)` holds, then keeps the
 * final value; a failed read keeps the last value beside the error. `running` should be a
 * module-level function (it is read when `path` changes, not on every render).
 */
export function usePolled<T>(path: string, running: (value: T) => boolean): { data?: T; error?: unknown } {
  const [state, setState] = useState<{ data?: T; error?: unknown }>({});
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    const tick = async () => {
      try {
        const data = await api<T>('GET', path);
        if (!live) return;
        setState({ data });
        if (running(data)) timer = setTimeout(() => void tick(), POLL_MS);
      } catch (error) {
        if (live) setState((s) => ({ ...s, error }));
      }
    };
    void tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [path]);
  return state;
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="card">
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export function formatDate(v: string | null | undefined): string {
  if (!v) return '—';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? v : d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

/** Pretty JSON of a policy that the API gives as a string or an object. */
export function prettyJson(v: unknown): string {
  if (typeof v === 'string') {
    try {
      return JSON.stringify(JSON.parse(v), null, 2);
    } catch {
      return v;
    }
  }
  return JSON.stringify(v, null, 2);
}
