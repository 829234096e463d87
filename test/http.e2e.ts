import { startTestApp, TestApp } from './support/test-app';

describe('HTTP conventions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers an unknown route with a French problem+json 404', async () => {
    const res = await t.request({ url: '/api/v1/nulle-part' });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toEqual({ type: 'about:blank', title: 'Introuvable', status: 404, detail: 'Cette page ou cette ressource est introuvable.' });
  });

  it('answers a method the route does not have with a problem, never a stack trace', async () => {
    const res = await t.request({ method: 'DELETE', url: '/api/v1/tenant' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('echoes a well-formed request id and logs it with the tenant slug as JSON', async () => {
    const res = await t.request({ url: '/api/v1/categories', headers: { 'x-request-id': 'essai-123', cookie: 'sid=secret-cookie-value' } });
    expect(res.headers['x-request-id']).toBe('essai-123');
    const lines = t.logs.map((l) => JSON.parse(l)).filter((l) => l.reqId === 'essai-123');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.tenant === 'meylan')).toBe(true);
    expect(t.logs.join('\n')).not.toContain('secret-cookie-value');
  });

  it('replaces an unsafe request id with a fresh one', async () => {
    const res = await t.request({ url: '/api/v1/tenant', headers: { 'x-request-id': 'bad id\nwith newline' } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves /health/live on any host, for load balancers', async () => {
    const res = await t.request({ url: '/health/live', host: '10.0.0.7:3000' });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });
});

describe('readiness when Redis is away', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
  });
  afterAll(() => t.close());

  it('answers 503 naming the dependency that is down, while liveness stays 200', async () => {
    const ready = await t.request({ url: '/health/ready' });
    expect(ready.status).toBe(503);
    expect(ready.json()).toEqual({ status: 'unavailable', checks: { postgres: 'up', redis: 'down' } });
    expect((await t.request({ url: '/health/live' })).status).toBe(200);
  });
});
