/** The service's REST API as the bench calls it: a base URL and an admin token. */
export interface Api {
  base: string;
  token: string;
}

/** One JSON call; throws with the status and body on anything but 2xx. */
export async function call(api: Api, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${api.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
