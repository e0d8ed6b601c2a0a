/**
 * The operations of the OpenAPI document as a lookup table: which operation a request's
 * method and path reach, with its path parameters, and where (as JSON pointers into the
 * document) the schemas of its parameters, body and answers live.
 *
 * Matching follows Express's routing, so nothing the router would reach escapes the
 * contract: literal segments compare case-insensitively, one trailing slash is ignored,
 * and a literal segment beats a `{parameter}` at the same place.
 */

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export interface ApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  /** The parameter's schema, references followed, for reading text into typed values. */
  schema: Json;
  /** JSON pointer of the schema within the document. */
  schemaPointer: string;
}

export interface ApiOperation {
  operationId: string;
  method: string;
  /** The path as the document writes it, relative to the server base (`/cckm/aws/keys/{id}`). */
  path: string;
  parameters: ApiParameter[];
  /** The JSON request body, when the operation takes one. */
  body?: { required: boolean; schemaPointer: string };
  /** Status (`200`, `4XX`, `default`) → JSON pointer of the answer's JSON schema (undefined: no JSON body). */
  responses: Map<string, string | undefined>;
}

export type OperationMatch =
  | { kind: 'operation'; operation: ApiOperation; pathParams: Record<string, string> }
  /** The path exists, the method does not. */
  | { kind: 'method'; allowed: string[] }
  | { kind: 'none' };

interface Route {
  /** Segments of the path; a parameter is `{ param: name }`. */
  segments: (string | { param: string })[];
  byMethod: Map<string, ApiOperation>;
}

export class OperationTable {
  private readonly routes: Route[] = [];

  constructor(private readonly document: Json) {
    for (const [path, rawItem] of Object.entries((document.paths ?? {}) as Record<string, Json>)) {
      const { node: item, pointer: itemPointer } = this.follow(rawItem, `/paths/${escapePointer(path)}`);
      const route: Route = {
        segments: path
          .split('/')
          .slice(1)
          .map((s) => (/^\{.+\}$/.test(s) ? { param: s.slice(1, -1) } : s.toLowerCase())),
        byMethod: new Map(),
      };
      for (const method of METHODS) {
        const op = item[method] as Json | undefined;
        if (op)
          route.byMethod.set(method, this.operation(method, path, op, `${itemPointer}/${method}`, item, itemPointer));
      }
      this.routes.push(route);
    }
    // A literal segment wins over a parameter at the same depth: `/keys/sync` before `/keys/{id}`.
    this.routes.sort((a, b) => compareRoutes(a.segments, b.segments));
  }

  /** Every operation of the document. */
  operations(): ApiOperation[] {
    return this.routes.flatMap((r) => [...r.byMethod.values()]);
  }

  /** The operation `method` on `path` (relative to the server base, still percent-encoded). */
  match(method: string, path: string): OperationMatch {
    const parts = (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/').slice(1);
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      const operation = route.byMethod.get(method.toLowerCase());
      if (!operation) return { kind: 'method', allowed: [...route.byMethod.keys()].map((m) => m.toUpperCase()) };
      return { kind: 'operation', operation, pathParams: params };
    }
    return { kind: 'none' };
  }

  private operation(
    method: string,
    path: string,
    op: Json,
    pointer: string,
    item: Json,
    itemPointer: string,
  ): ApiOperation {
    const parameters = new Map<string, ApiParameter>();
    const addAll = (list: unknown, at: string) => {
      (Array.isArray(list) ? list : []).forEach((raw, i) => {
        const { node: p, pointer: pPointer } = this.follow(raw as Json, `${at}/${i}`);
        const where = p.in as ApiParameter['in'];
        if (where !== 'path' && where !== 'query' && where !== 'header') return;
        const name = String(p.name);
        // An operation's parameter replaces the path item's of the same name and place.
        parameters.set(`${where}:${where === 'header' ? name.toLowerCase() : name}`, {
          name,
          in: where,
          required: where === 'path' || p.required === true,
          schema: this.follow((p.schema ?? {}) as Json, `${pPointer}/schema`).node,
          schemaPointer: `${pPointer}/schema`,
        });
      });
    };
    addAll(item.parameters, `${itemPointer}/parameters`);
    addAll(op.parameters, `${pointer}/parameters`);

    let body: ApiOperation['body'];
    if (op.requestBody) {
      const { node: rb, pointer: rbPointer } = this.follow(op.requestBody as Json, `${pointer}/requestBody`);
      if ((rb.content as Json | undefined)?.['application/json']) {
        body = { required: rb.required === true, schemaPointer: `${rbPointer}/content/application~1json/schema` };
      }
    }

    const responses = new Map<string, string | undefined>();
    for (const [status, raw] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
      const { node: r, pointer: rPointer } = this.follow(raw, `${pointer}/responses/${escapePointer(status)}`);
      const json = (r.content as Json | undefined)?.['application/json'] as Json | undefined;
      responses.set(status.toUpperCase(), json?.schema ? `${rPointer}/content/application~1json/schema` : undefined);
    }
    return {
      operationId: String(op.operationId ?? `${method} ${path}`),
      method,
      path,
      parameters: [...parameters.values()],
      ...(body ? { body } : {}),
      responses,
    };
  }

  /** Follows `$ref`s from `node` (found at `pointer`) to the object they name. */
  private follow(node: Json, pointer: string): { node: Json; pointer: string } {
    for (let hops = 0; typeof node.$ref === 'string'; hops++) {
      const ref = node.$ref;
      if (!ref.startsWith('#/') || hops > 32) throw new Error(`openapi: cannot follow $ref ${ref} at ${pointer}`);
      pointer = ref.slice(1);
      node = resolvePointer(this.document, pointer) as Json;
      if (node === undefined || node === null || typeof node !== 'object')
        throw new Error(`openapi: $ref ${ref} names nothing`);
    }
    return { node, pointer };
  }
}

function matchSegments(segments: Route['segments'], parts: string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const part = parts[i]!;
    if (typeof seg === 'string') {
      if (seg !== part.toLowerCase()) return undefined;
    } else {
      if (part === '') return undefined;
      params[seg.param] = part;
    }
  }
  return params;
}

/**
 * A total order on path templates: segment by segment, a literal before a parameter, then
 * literals alphabetically, then the shorter path. Of two templates that match one path, the
 * one with a literal where the other has a parameter comes first. (Comparing only the kind
 * of segment, equal for `/keys` and both `/keys/{id}` and `/keys/stats`, was no consistent
 * order: the sort then left `/keys/{id}` before `/keys/stats` in some document orders.)
 */
function compareRoutes(a: Route['segments'], b: Route['segments']): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i], b[i]];
    const aParam = typeof x !== 'string';
    const bParam = typeof y !== 'string';
    if (aParam !== bParam) return aParam ? 1 : -1;
    if (!aParam && x !== y) return (x as string) < (y as string) ? -1 : 1;
  }
  return a.length - b.length;
}

/** `/cckm/aws/keys` → `~1cckm~1aws~1keys` (RFC 6901). */
function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function resolvePointer(document: Json, pointer: string): unknown {
  let node: unknown = document;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}
