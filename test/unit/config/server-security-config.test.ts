import { loadConfig } from '../../../src/config/config.js';
import { ValidationError } from '../../../src/errors/index.js';

function fieldOf(env: Record<string, string>): string | undefined {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).details?.[0]?.field;
  }
  throw new Error('expected loadConfig to fail');
}

/** Secure defaults of the REST API's own listener: loopback, TLS when given files, a guarded /metrics. */
describe('server security settings', () => {
  it('listens on loopback by default, without TLS or a metrics token', () => {
    const c = loadConfig({});
    expect(c.host).toBe('127.0.0.1');
    expect(c.tls).toBeUndefined();
    expect(c.metricsToken).toBeUndefined();
  });

  it('HOST opts in to another address', () => {
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('takes the TLS certificate and key together, and a client CA only with them', () => {
    expect(loadConfig({ CCKM_TLS_CERT: '/etc/cckm/cert.pem', CCKM_TLS_KEY: '/etc/cckm/key.pem' }).tls).toEqual({
      certFile: '/etc/cckm/cert.pem',
      keyFile: '/etc/cckm/key.pem',
    });
    expect(loadConfig({ CCKM_TLS_CERT: 'c', CCKM_TLS_KEY: 'k', CCKM_TLS_CLIENT_CA: 'ca' }).tls).toEqual({
      certFile: 'c',
      keyFile: 'k',
      clientCaFile: 'ca',
    });
    expect(fieldOf({ CCKM_TLS_CERT: 'c' })).toBe('CCKM_TLS_KEY');
    expect(fieldOf({ CCKM_TLS_KEY: 'k' })).toBe('CCKM_TLS_CERT');
    expect(fieldOf({ CCKM_TLS_CLIENT_CA: 'ca' })).toBe('CCKM_TLS_CLIENT_CA');
  });

  it('a metrics token must be long and printable', () => {
    expect(loadConfig({ CCKM_METRICS_TOKEN: 'x'.repeat(32) }).metricsToken).toBe('x'.repeat(32));
    expect(fieldOf({ CCKM_METRICS_TOKEN: 'short' })).toBe('CCKM_METRICS_TOKEN');
    expect(fieldOf({ CCKM_METRICS_TOKEN: `${'x'.repeat(32)} y` })).toBe('CCKM_METRICS_TOKEN');
  });
});
