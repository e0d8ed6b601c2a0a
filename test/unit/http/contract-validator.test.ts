/**
 * The contract validator on a small document of its own: what reaches a route is what the
 * contract allows, however the path is spelt, and answers that break it never leave.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { AppError, httpStatusOf, toErrorBody } from '../../../src/errors/index.js';
import { contractValidator } from '../../../src/http/openapi/contract-validator.js';

const ID = '7a2f6a4e-4f55-4a8e-9c1e-0f7b9a1d2c3e';

const DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  paths: {
    '/things': {
      get: {
        operationId: 'listThings',
        parameters: [
          { $ref: '#/components/parameters/Limit' },
          { name: 'tag', in: 'query', schema: { type: 'array', maxItems: 3, items: { type: 'string', maxLength: 8 } } },
          { name: 'flag', in: 'query', schema: { type: 'boolean' } },
        ],
        responses: {
          '200': {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ThingList' } } },
          },
        },
      },
      post: {
        operationId: 'createThing',
        parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string', pattern: '^[a-z0-9-]+$' } }],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ThingCreate' } } },
        },
        responses: {
          '201': {
            description: 'made',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
          '4XX': { $ref: '#/components/responses/Error' },
        },
      },
    },
    '/things/special': {
      get: { operationId: 'special', responses: { '204': { description: 'nothing' } } },
    },
    '/things/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
      get: {
        operationId: 'getThing',
        responses: {
          '200': {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
        },
      },
    },
  },
  components: {
    parameters: {
      Limit: { name: 'limit', in: 'query', schema: { type: 'integer', minimum: -1, maximum: 100, default: 10 } },
    },
    responses: {
      Error: {
        description: 'error',
        content: {
          'application/json': {
            schema: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
          },
        },
      },
    },
    schemas: {
      Secret: { type: 'string', writeOnly: true, maxLength: 64 },
      ThingCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 16 },
          size: { type: 'integer', minimum: 1, maximum: 9, default: 1 },
          secret: { $ref: '#/components/schemas/Secret' },
          nested: {
            type: 'object',
            additionalProperties: false,
            properties: { items: { type: 'array', items: { type: 'boolean' } } },
          },
        },
      },
      Thing: {
        type: 'object',
        required: ['id', 'name'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          secret: { $ref: '#/components/schemas/Secret' },
        },
      },
      ThingList: {
        type: 'object',
        required: ['resources'],
        properties: { resources: { type: 'array', items: { $ref: '#/components/schemas/Thing' } } },
      },
    },
  },
};

function buildApp() {
  const seen: { query?: unknown; body?: unknown; reached: number } = { reached: 0 };
  let answer: Record<string, unknown> = { id: ID, name: 'one' };
  const app = express();
  app.use(express.json());
  app.use('/api/v1', contractValidator(DOCUMENT, { validateResponses: true }));
  app.get('/api/v1/things', (req, res) => {
    seen.reached++;
    seen.query = req.query;
    res.json({ resources: [answer] });
  });
  app.post('/api/v1/things', (req, res) => {
    seen.reached++;
    seen.body = req.body;
    res.status(201).json(answer);
  });
  app.get('/api/v1/things/special', (_req, res) => {
    seen.reached++;
    res.status(204).end();
  });
  app.get('/api/v1/things/:id', (req, res) => {
    seen.reached++;
    res.json({ ...answer, id: req.params.id });
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (!(err instanceof AppError)) throw err;
    res.status(httpStatusOf(err)).json(toErrorBody(err, 'req-1'));
  });
  return { app, seen, answer: (a: Record<string, unknown>) => (answer = a) };
}

describe('contract validator', () => {
  let t: ReturnType<typeof buildApp>;
  beforeEach(() => {
    t = buildApp();
  });

  describe('query parameters', () => {
    it('reads integers and booleans by their schema, fills defaults, keeps repeated array values', async () => {
      const res = await request(t.app).get('/api/v1/things?tag=a&tag=b&flag=true');
      expect(res.status).toBe(200);
      expect(t.seen.query).toEqual({ tag: ['a', 'b'], flag: true, limit: 10 });
    });

    it.each([
      ['hexadecimal', 'limit=0x10'],
      ['an exponent', 'limit=1e2'],
      ['a huge exponent', 'limit=1e400'],
      ['a fraction', 'limit=1.5'],
      ['a leading plus', 'limit=%2B5'],
      ['out of range', 'limit=101'],
      ['empty', 'limit='],
    ])('refuses a limit written as %s, naming it', async (_what, qs) => {
      const res = await request(t.app).get(`/api/v1/things?${qs}`);
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'limit' })]));
      expect(t.seen.reached).toBe(0);
    });

    it('refuses a single-valued parameter given twice, an unknown one, and too many array values', async () => {
      const twice = await request(t.app).get('/api/v1/things?limit=1&limit=2');
      expect(twice.status).toBe(400);
      expect(twice.body.details).toEqual([{ field: 'limit', message: 'may be given once' }]);
      const unknown = await request(t.app).get('/api/v1/things?colour=red');
      expect(unknown.status).toBe(400);
      expect(unknown.body.details).toEqual([{ field: 'colour', message: 'is not a parameter of this operation' }]);
      const many = await request(t.app).get('/api/v1/things?tag=a&tag=b&tag=c&tag=d');
      expect(many.status).toBe(400);
      expect(many.body.details[0].field).toBe('tag');
      expect(t.seen.reached).toBe(0);
    });

    it('refuses a boolean that is not true or false', async () => {
      const res = await request(t.app).get('/api/v1/things?flag=1');
      expect(res.status).toBe(400);
      expect(res.body.details[0]).toEqual({ field: 'flag', message: 'must be boolean' });
    });

    it('refuses an array element over its bound, naming its index', async () => {
      const res = await request(t.app).get(`/api/v1/things?tag=ok&tag=${'x'.repeat(9)}`);
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe('tag[1]');
    });
  });

  describe('paths', () => {
    it('validates the path however Express would route it: any letter case, a trailing slash', async () => {
      for (const path of ['/api/v1/THINGS/not-a-uuid', '/api/v1/things/not-a-uuid/', '/API/V1/Things/not-a-uuid']) {
        const res = await request(t.app).get(path);
        expect(res.status).toBe(400);
        expect(res.body.details[0].field).toBe('id');
      }
      expect(t.seen.reached).toBe(0);
    });

    it('prefers a literal segment to a parameter', async () => {
      expect((await request(t.app).get('/api/v1/things/special')).status).toBe(204);
    });

    it('answers 404 for a path the contract lacks, and names the methods a path has', async () => {
      const none = await request(t.app).get('/api/v1/nothing');
      expect(none.status).toBe(404);
      const method = await request(t.app).delete(`/api/v1/things/${ID}`);
      expect(method.status).toBe(404);
      expect(method.body.message).toMatch(/DELETE.*GET/);
      expect(t.seen.reached).toBe(0);
    });

    it('refuses a path parameter that is not valid percent-encoding', async () => {
      const res = await request(t.app).get('/api/v1/things/%E0%A4%A');
      expect(res.status).toBe(400);
    });
  });

  describe('bodies', () => {
    it('takes a body as typed and fills its defaults', async () => {
      const res = await request(t.app).post('/api/v1/things').send({ name: 'n' });
      expect(res.status).toBe(201);
      expect(t.seen.body).toEqual({ name: 'n', size: 1 });
    });

    it('does not coerce: "3" is no integer, "true" no boolean', async () => {
      const res = await request(t.app)
        .post('/api/v1/things')
        .send({ name: 'n', size: '3', nested: { items: ['true'] } });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual(
        expect.arrayContaining([
          { field: 'size', message: 'must be integer' },
          { field: 'nested.items[0]', message: 'must be boolean' },
        ]),
      );
      expect(t.seen.reached).toBe(0);
    });

    it('names a missing field, and an unknown one at any depth', async () => {
      const res = await request(t.app)
        .post('/api/v1/things')
        .send({ nested: { colour: 1 }, extra: true });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual(
        expect.arrayContaining([
          { field: 'name', message: 'is required' },
          { field: 'extra', message: 'is not a known field' },
          { field: 'nested.colour', message: 'is not a known field' },
        ]),
      );
    });

    it('requires a required body, and JSON for it', async () => {
      const none = await request(t.app).post('/api/v1/things');
      expect(none.status).toBe(400);
      expect(none.body.details).toEqual([{ field: 'body', message: 'is required' }]);
      const text = await request(t.app).post('/api/v1/things').set('Content-Type', 'text/plain').send('name=n');
      expect(text.status).toBe(400);
      expect(text.body.details).toEqual([{ field: 'Content-Type', message: 'must be application/json' }]);
    });

    it('checks header parameters', async () => {
      const res = await request(t.app).post('/api/v1/things').set('Idempotency-Key', 'Has Space').send({ name: 'n' });
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe('idempotency-key');
    });
  });

  describe('answers', () => {
    it('turns an answer that breaks its schema into a 500 that says nothing of it', async () => {
      t.answer({ id: ID });
      const res = await request(t.app).get(`/api/v1/things?limit=1`);
      expect(res.status).toBe(500);
      expect(res.body.message).toMatch(/internal error/i);
      expect(res.body.details).toBeUndefined();
    });

    it('never lets a write-only field out, even one the schema otherwise allows', async () => {
      t.answer({ id: ID, name: 'one', secret: 's3cr3t' });
      const res = await request(t.app).post('/api/v1/things').send({ name: 'n', secret: 'in is fine' });
      expect(res.status).toBe(500);
      expect(JSON.stringify(res.body)).not.toContain('s3cr3t');
    });

    it('holds error answers to the contract too (a 4XX range)', async () => {
      const res = await request(t.app).post('/api/v1/things').send({});
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/name/);
    });
  });
});
