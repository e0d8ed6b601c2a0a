import { Writable } from 'node:stream';
import express from 'express';
import { pinoHttp } from 'pino-http';
import request from 'supertest';
import { createLogger, SECRET_FIELDS } from '../../../src/config/logging.js';

/** A logger writing into an array of lines. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger('info', stream), text: () => lines.join('') };
}

const SECRET = 'S3CRET-never-in-a-log';

describe('log redaction (one list for the whole process)', () => {
  it.each(SECRET_FIELDS)('%s is redacted at the top level and nested four deep', (field) => {
    const { logger, text } = capture();
    logger.info(
      {
        [field]: SECRET,
        a: { [field]: SECRET, b: { [field]: SECRET, c: { [field]: SECRET, d: { [field]: SECRET } } } },
      },
      'event',
    );
    expect(text()).toContain('[redacted]');
    expect(text()).not.toContain(SECRET);
  });

  it('child loggers (jobs, requests) inherit the list', () => {
    const { logger, text } = capture();
    logger.child({ job: 'sync' }).warn(
      {
        input: { refresh_token: SECRET, jwt: SECRET, body: { raw_secret_access_key: SECRET, key_material: SECRET } },
      },
      'x',
    );
    expect(text()).toContain('"job":"sync"');
    expect(text()).not.toContain(SECRET);
  });

  it('pino-http request logs carry no Authorization, Cookie or session token header', async () => {
    const { logger, text } = capture();
    const app = express();
    app.use(pinoHttp({ logger }));
    app.get('/x', (_req, res) => {
      res.setHeader('Set-Cookie', `s=${SECRET}`);
      res.json({ ok: true });
    });
    await request(app)
      .get('/x')
      .set('Authorization', `Bearer ${SECRET}`)
      .set('Cookie', `c=${SECRET}`)
      .set('X-Amz-Security-Token', SECRET)
      .expect(200);
    expect(text()).toContain('"url":"/x"');
    expect(text()).not.toContain(SECRET);
  });

  it('leaves ordinary fields alone', () => {
    const { logger, text } = capture();
    logger.info({ username: 'alice', kms: 'kms', region: 'eu-west-1' }, 'ok');
    expect(text()).toContain('"username":"alice"');
    expect(text()).toContain('"region":"eu-west-1"');
  });
});
