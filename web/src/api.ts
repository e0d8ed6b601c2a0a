/**
 * The console's only door to opencckm: the public REST API under /api/v1, with the caller's
 * access token in an Authorization header. The access token lives in this module's memory
 * only; the single-use refresh token is kept in sessionStorage (this tab, gone when it
 * closes) so a reload does not log the user out. Neither ever goes into a URL.
 */

const BASE = '/api/v1';
const REFRESH_KEY = 'opencckm.refresh_token';

/** An error answer of the API: its message and the request id to quote to an operator. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly requestId: string | undefined,
    readonly codeDesc: string | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Session {
  username: string;
}

interface TokenResponse {
  jwt: string;
  duration: number;
  refresh_token: string;
}

let jwt: string | undefined;
let username: string | undefined;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<boolean> | undefined;
const listeners = new Set<(s: Session | undefined) => void>();

/** Called whenever the user logs in or the session ends (logout, refresh refused). */
export function onSessionChange(fn: (s: Session | undefined) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function publish(): void {
  const s = jwt && username ? { username } : undefined;
  for (const fn of listeners) fn(s);
}

function claimsOf(token: string): { sub?: string; name?: string; preferred_username?: string } {
  try {
    const part = token.split('.')[1] ?? '';
    return JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, string>;
  } catch {
    return {};
  }
}

function adopt(t: TokenResponse, who?: string): void {
  jwt = t.jwt;
  const claims = claimsOf(t.jwt);
  username = who ?? claims.preferred_username ?? claims.name ?? claims.sub ?? 'user';
  sessionStorage.setItem(REFRESH_KEY, JSON.stringify({ token: t.refresh_token, username }));
  clearTimeout(refreshTimer);
  // Refresh a little before expiry: a fifth of the lifetime early, at most a minute.
  const earlyMs = Math.min(60_000, (t.duration * 1000) / 5);
  refreshTimer = setTimeout(() => void refresh(), Math.max(1000, t.duration * 1000 - earlyMs));
  publish();
}

function forget(): void {
  jwt = undefined;
  username = undefined;
  clearTimeout(refreshTimer);
  sessionStorage.removeItem(REFRESH_KEY);
  publish();
}

async function tokenRequest(body: object): Promise<TokenResponse> {
  const res = await fetch(`${BASE}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'omit',
  });
  if (!res.ok) throw await toError(res);
  return (await res.json()) as TokenResponse;
}

/** Password login; the domain (account) may be left empty when the username is unique. */
export async function login(user: string, password: string, domain: string): Promise<void> {
  const t = await tokenRequest({ grant_type: 'password', username: user, password, ...(domain ? { domain } : {}) });
  adopt(t, user);
}

/** Exchanges the stored refresh token for a new access token; false when there is none or it is refused. */
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    const stored = sessionStorage.getItem(REFRESH_KEY);
    if (!stored) return false;
    try {
      const { token, username: who } = JSON.parse(stored) as { token: string; username: string };
      adopt(await tokenRequest({ grant_type: 'refresh_token', refresh_token: token }), who);
      return true;
    } catch {
      forget();
      return false;
    }
  })().finally(() => (refreshing = undefined));
  return refreshing;
}

/** Ends every session of the user at the server, then forgets the tokens here. */
export async function logout(): Promise<void> {
  try {
    if (jwt) await fetch(`${BASE}/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } });
  } finally {
    forget();
  }
}

export function currentSession(): Session | undefined {
  return jwt && username ? { username } : undefined;
}

async function toError(res: Response): Promise<ApiError> {
  const requestId = res.headers.get('x-request-id') ?? undefined;
  try {
    const body = (await res.json()) as { message?: string; codeDesc?: string; requestID?: string };
    return new ApiError(body.message ?? res.statusText, res.status, body.requestID ?? requestId, body.codeDesc);
  } catch {
    return new ApiError(`HTTP ${res.status} ${res.statusText}`, res.status, requestId, undefined);
  }
}

/**
 * Sends a request with the access token in its Authorization header. A 401 triggers one
 * refresh and one retry; when that fails too the session ends (the login form shows again).
 * @throws ApiError with the API's message and request id
 */
async function authorized(url: string, init: RequestInit, headers: Record<string, string>): Promise<Response> {
  const send = () =>
    fetch(url, {
      ...init,
      credentials: 'omit',
      headers: { ...headers, ...(jwt ? { Authorization: `Bearer ${jwt}` } : {}) },
    });
  let res = await send();
  if (res.status === 401 && (await refresh())) res = await send();
  if (res.status === 401) forget();
  if (!res.ok) throw await toError(res);
  return res;
}

function urlOf(path: string, query?: URLSearchParams): string {
  return `${BASE}${path}${query && [...query.keys()].length ? `?${query}` : ''}`;
}

/**
 * One API call.
 * @throws ApiError with the API's message and request id
 */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  query?: URLSearchParams,
  signal?: AbortSignal,
): Promise<T> {
  const res = await authorized(
    urlOf(path, query),
    { method, ...(signal ? { signal } : {}), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) },
    { Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
  );
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

/**
 * Fetches a file of the API (a report download) with the bearer token in its header and
 * hands it to the browser as a download through a Blob URL, so the token never goes into
 * a URL the browser could keep in its history or send elsewhere.
 * @throws ApiError with the API's message and request id
 */
export async function saveDownload(path: string, query: URLSearchParams, fallbackName: string): Promise<void> {
  const res = await authorized(urlOf(path, query), { method: 'GET' }, { Accept: '*/*' });
  const disposition = res.headers.get('content-disposition') ?? '';
  const name = /filename="([\w.-]{1,200})"/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    // The click has started the download from the Blob by now; release it a little later.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

/** A list envelope of the API. */
export interface Page<T> {
  skip: number;
  limit: number;
  total: number;
  resources: T[];
}
