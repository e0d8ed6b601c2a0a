/**
 * Holds every request, and (when asked) every answer, to openapi/cckm.yaml.
 *
 * The whole document is given to Ajv once, under one id; each operation's schemas are then
 * compiled as references into it, on first use. Shared component schemas are therefore
 * compiled once per validator, not once per operation, which keeps an app's start and its
 * first requests cheap (compiling each operation against a copy of the components cost
 * seconds per process).
 *
 * Requests: path, query and header parameters are read from their text by the type their
 * schema declares (integers in decimal digits only, booleans as `true`/`false`), unknown
 * query parameters are refused, JSON bodies are validated as sent (no type coercion) with
 * the schema's defaults filled in (query parameters' too). Every refusal is a 400 naming each field.
 * Answers: the body `res.json` is given must match the schema of its status, and no
 * `writeOnly` field (a password, a secret) may appear in it; a mismatch is logged and
 * answered 500, so a contract break fails loudly in tests instead of reaching a client.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { InternalError, NotFoundError, toErrorBody, ValidationError, type ErrorDetail } from '../../errors/index.js';
import { OperationTable, type ApiOperation, type ApiParameter } from './operation-table.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The OpenAPI operationId the request reached (set once its path and method match one). */
    operationId?: string;
  }
}

type Json = Record<string, unknown>;

const DOCUMENT_ID = 'cckm.json';
/** At most this many problems are listed in one 400. */
const MAX_DETAILS = 20;

/** ajv-formats is CommonJS: its default export arrives as the module object or the function, depending on the loader. */
const addFormats = ((addFormatsPlugin as unknown as { default?: unknown }).default ?? addFormatsPlugin) as (
  ajv: Ajv2020,
  formats: string[],
) => Ajv2020;

export interface ContractValidatorOptions {
  validateResponses: boolean;
}

interface Compiled {
  params?: Record<ApiParameter['in'], ValidateFunction | undefined>;
  /** The operation's parameters by place, sorted once (not per request). */
  declared: { query: Map<string, ApiParameter>; path: ApiParameter[]; header: ApiParameter[] };
  body?: ValidateFunction;
  responses: Map<string, ValidateFunction | undefined>;
}

/** The contract of one document: its operations and their compiled validators. */
export class ApiContract {
  readonly table: OperationTable;
  private readonly requests: Ajv2020;
  private readonly answers: Ajv2020;
  private readonly compiled = new Map<ApiOperation, Compiled>();
  /**
   * Validators by what they check: most operations share their answers' schemas (every 4xx
   * and 5xx is one of a few components: 1 149 answers, 126 distinct schemas) and many their
   * parameter lists, so each is compiled once, not once per operation.
   */
  private readonly bySchema = new Map<string, ValidateFunction>();

  constructor(document: object) {
    this.table = new OperationTable(document as Json);
    this.requests = newAjv({ useDefaults: true, allErrors: true });
    this.answers = newAjv({ useDefaults: false, allErrors: false });
    // The annotation of the direction that does not allow such a field becomes a failure.
    forbidPresence(this.requests, 'readOnly');
    forbidPresence(this.answers, 'writeOnly');
    this.requests.addSchema(document, DOCUMENT_ID, undefined, false);
    this.answers.addSchema(document, DOCUMENT_ID, undefined, false);
  }

  /** Compiles every operation now (a test proves the whole document compiles). */
  compileAll(): void {
    for (const op of this.table.operations()) {
      const c = this.of(op);
      for (const status of op.responses.keys()) this.answerValidator(op, c, status);
    }
  }

  /** Validates the request's parameters and body; replaces `req.query` with the typed values. */
  checkRequest(req: Request, operation: ApiOperation, pathParams: Record<string, string>): void {
    const compiled = this.of(operation);
    const details: ErrorDetail[] = [];
    const query = readQuery(req, compiled.declared.query, details);
    const path = readPath(pathParams, compiled.declared.path, details);
    const headers = readHeaders(req, compiled.declared.header);
    for (const [where, values] of [
      ['path', path],
      ['query', query],
      ['header', headers],
    ] as const) {
      const validate = compiled.params?.[where];
      if (validate && !validate(values))
        details.push(
          ...toDetails(
            validate.errors,
            where === 'query' ? 'is not a parameter of this operation' : 'is not a known field',
          ),
        );
    }
    if (operation.body && compiled.body) {
      if (req.body === undefined) {
        if (operation.body.required) {
          details.push(
            hasBody(req)
              ? { field: 'Content-Type', message: 'must be application/json' }
              : { field: 'body', message: 'is required' },
          );
        }
      } else if (!compiled.body(req.body)) {
        details.push(...toDetails(compiled.body.errors, 'is not a known field'));
      }
    }
    if (details.length) throw ValidationError.fields(dedupe(details).slice(0, MAX_DETAILS));
    Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
  }

  /** The answer's problems against the contract, or an empty list. */
  checkAnswer(operation: ApiOperation, status: number, body: unknown): string[] {
    const compiled = this.of(operation);
    const key = [String(status), `${String(status)[0]}XX`, 'DEFAULT'].find((k) => operation.responses.has(k));
    if (!key) return [`status ${status} is not an answer of ${operation.operationId}`];
    const validate = this.answerValidator(operation, compiled, key);
    if (!validate) return [];
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) =>
        `${e.instancePath || '/'} ${e.keyword === 'writeOnly' ? 'is write-only and may not be answered' : e.message}`,
    );
  }

  private of(operation: ApiOperation): Compiled {
    let c = this.compiled.get(operation);
    if (!c) {
      const declared = (where: ApiParameter['in']) => operation.parameters.filter((p) => p.in === where);
      c = {
        responses: new Map(),
        declared: {
          query: new Map(declared('query').map((p) => [p.name, p])),
          path: declared('path'),
          header: declared('header'),
        },
      };
      c.params = {
        path: this.paramValidator(operation, 'path'),
        query: this.paramValidator(operation, 'query'),
        header: this.paramValidator(operation, 'header'),
      };
      if (operation.body)
        c.body = this.compileOnce(this.requests, { $ref: `${DOCUMENT_ID}#${operation.body.schemaPointer}` });
      this.compiled.set(operation, c);
    }
    return c;
  }

  private paramValidator(operation: ApiOperation, where: ApiParameter['in']): ValidateFunction | undefined {
    const params = operation.parameters.filter((p) => p.in === where);
    if (where !== 'query' && params.length === 0) return undefined;
    const keyOf = (p: ApiParameter) => (where === 'header' ? p.name.toLowerCase() : p.name);
    // Keyed by what the parameters are, not where they are written: list operations repeat the same ones.
    const key = JSON.stringify([where, params.map((p) => [keyOf(p), p.required === true, p.schema])]);
    return this.compileOnce(
      this.requests,
      {
        type: 'object',
        properties: Object.fromEntries(params.map((p) => [keyOf(p), { $ref: `${DOCUMENT_ID}#${p.schemaPointer}` }])),
        required: params.filter((p) => p.required).map(keyOf),
        additionalProperties: where === 'header',
      },
      key,
    );
  }

  private answerValidator(operation: ApiOperation, compiled: Compiled, status: string): ValidateFunction | undefined {
    if (!compiled.responses.has(status)) {
      const pointer = operation.responses.get(status);
      compiled.responses.set(
        status,
        pointer ? this.compileOnce(this.answers, { $ref: `${DOCUMENT_ID}#${pointer}` }) : undefined,
      );
    }
    return compiled.responses.get(status);
  }

  private compileOnce(ajv: Ajv2020, schema: object, what = JSON.stringify(schema)): ValidateFunction {
    const key = `${ajv === this.requests ? 'request' : 'answer'} ${what}`;
    let validate = this.bySchema.get(key);
    if (!validate) {
      validate = ajv.compile(schema);
      this.bySchema.set(key, validate);
    }
    return validate;
  }
}

/** One contract per document text: apps built from the same document share compiled validators. */
const contracts = new WeakMap<object, ApiContract>();

export function apiContractOf(document: object): ApiContract {
  let contract = contracts.get(document);
  if (!contract) {
    contract = new ApiContract(document);
    contracts.set(document, contract);
  }
  return contract;
}

/**
 * The middleware, mounted at the server base (`/api/v1`): a path the document does not
 * have answers 404, a method it does not have on that path 404 naming the allowed ones.
 */
export function contractValidator(document: object, options: ContractValidatorOptions): RequestHandler {
  const contract = apiContractOf(document);
  return (req: Request, res: Response, next: NextFunction) => {
    const match = contract.table.match(req.method, req.path);
    if (match.kind === 'none') return next(new NotFoundError('No such API path'));
    if (match.kind === 'method')
      return next(
        new NotFoundError(`${req.method} is not an operation of this path (it has ${match.allowed.join(', ')})`),
      );
    const { operation } = match;
    req.operationId = operation.operationId;
    try {
      contract.checkRequest(req, operation, match.pathParams);
    } catch (err) {
      return next(err);
    }
    if (options.validateResponses) holdAnswersToContract(req, res, contract, operation);
    next();
  };
}

function holdAnswersToContract(req: Request, res: Response, contract: ApiContract, operation: ApiOperation): void {
  const send = res.json.bind(res);
  res.json = (body: unknown) => {
    const problems = contract.checkAnswer(operation, res.statusCode, body);
    if (problems.length === 0) return send(body);
    const err = new InternalError('The answer broke the API contract');
    req.log?.error(
      {
        reqId: req.id,
        operation: operation.operationId,
        status: res.statusCode,
        problems: problems.slice(0, MAX_DETAILS),
      },
      err.message,
    );
    res.status(500);
    return send(toErrorBody(err, req.id));
  };
}

/** `keyword: true` on a property's schema fails wherever the property is present. */
function forbidPresence(ajv: Ajv2020, keyword: 'readOnly' | 'writeOnly'): void {
  ajv.removeKeyword(keyword);
  ajv.addKeyword({ keyword, schemaType: 'boolean', validate: (marked: boolean) => !marked, errors: false });
}

function newAjv(options: { useDefaults: boolean; allErrors: boolean }): Ajv2020 {
  const ajv = new Ajv2020({
    ...options,
    coerceTypes: false,
    // The document is OpenAPI, not bare JSON Schema: its annotations (`example`, `discriminator`) are not keywords.
    strict: false,
    validateSchema: false,
    // Patterns are the document's own; unicode regexps match code points, as JSON Schema means.
    unicodeRegExp: true,
  });
  addFormats(ajv, ['date-time', 'email', 'uri', 'uuid']);
  ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  ajv.addFormat('password', true);
  return ajv;
}

/**
 * The query string, read with URLSearchParams from the URL as sent: a parameter whose
 * schema is an array takes every repetition; any other must appear once.
 */
function readQuery(req: Request, declared: Map<string, ApiParameter>, details: ErrorDetail[]): Record<string, unknown> {
  const at = req.originalUrl.indexOf('?');
  const out: Record<string, unknown> = {};
  if (at < 0 && declared.size === 0) return out;
  const search = new URLSearchParams(at < 0 ? '' : req.originalUrl.slice(at + 1));
  for (const name of new Set(search.keys())) {
    const values = search.getAll(name);
    const param = declared.get(name);
    if (!param) {
      out[name] = values;
      continue;
    }
    if (isArraySchema(param.schema)) {
      out[name] = values.map((v) => fromText(v, itemSchema(param.schema)));
    } else if (values.length > 1) {
      details.push({ field: name, message: 'may be given once' });
    } else {
      out[name] = fromText(values[0]!, param.schema);
    }
  }
  // Ajv fills defaults only where a schema is written inline; a parameter's schema is referenced.
  for (const param of declared.values()) {
    if (!(param.name in out) && param.schema.default !== undefined)
      out[param.name] = structuredClone(param.schema.default);
  }
  return out;
}

function readPath(
  params: Record<string, string>,
  declared: ApiParameter[],
  details: ErrorDetail[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of declared) {
    const raw = params[p.name];
    if (raw === undefined) continue;
    try {
      out[p.name] = fromText(decodeURIComponent(raw), p.schema);
    } catch {
      details.push({ field: p.name, message: 'is not valid percent-encoding' });
    }
  }
  return out;
}

function readHeaders(req: Request, declared: ApiParameter[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of declared) {
    const v = req.get(p.name);
    if (v !== undefined) out[p.name.toLowerCase()] = fromText(v, p.schema);
  }
  return out;
}

function typesOf(schema: Json): string[] {
  const t = schema.type;
  return Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : [];
}

function isArraySchema(schema: Json): boolean {
  return typesOf(schema).includes('array');
}

function itemSchema(schema: Json): Json {
  return (schema.items ?? {}) as Json;
}

const DECIMAL_INTEGER = /^-?(?:0|[1-9]\d{0,15})$/;
const DECIMAL_NUMBER = /^-?(?:0|[1-9]\d{0,15})(?:\.\d{1,16})?$/;

/**
 * Text as the type its schema declares; text that is not such a value stays text, and the
 * schema then refuses it ("must be integer"). Only decimal digits make numbers: `0x10`,
 * `1e3` and `1e400` are not integers here.
 */
function fromText(text: string, schema: Json): unknown {
  const types = typesOf(schema);
  if (types.includes('integer') && DECIMAL_INTEGER.test(text)) return Number(text);
  if (types.includes('number') && DECIMAL_NUMBER.test(text)) return Number(text);
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

function hasBody(req: Request): boolean {
  const length = req.get('content-length');
  return (length !== undefined && length !== '0') || req.get('transfer-encoding') !== undefined;
}

/** Ajv's errors as details: `aws_param.Tags[0].TagKey` and a message a person can act on. */
function toDetails(errors: ErrorObject[] | null | undefined, unknownField: string): ErrorDetail[] {
  return (errors ?? []).map((e) => {
    let field = pathOf(e.instancePath);
    let message = e.message ?? 'is not valid';
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'required') {
      field = join(field, String(params.missingProperty));
      message = 'is required';
    } else if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
      field = join(field, String(params.additionalProperty ?? params.unevaluatedProperty));
      message = unknownField;
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`.slice(
        0,
        1000,
      );
    } else if (e.keyword === 'readOnly') {
      message = 'is read-only';
    }
    return { field: field || 'body', message };
  });
}

function pathOf(instancePath: string): string {
  let out = '';
  for (const raw of instancePath.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out = /^\d+$/.test(token) ? `${out}[${token}]` : join(out, token);
  }
  return out;
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function dedupe(details: ErrorDetail[]): ErrorDetail[] {
  const seen = new Set<string>();
  return details.filter((d) => {
    const k = `${d.field}\u0000${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
