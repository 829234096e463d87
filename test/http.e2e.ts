import type { Browser } from 'playwright-core';
import { connect } from 'node:net';
import { launchBrowser, openTenantPage, uncaughtErrors } from './support/browser';
import { ListeningTestApp, startListeningTestApp, startTestApp, TestApp } from './support/test-app';

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
    expect(res.json()).toEqual({
      type: 'about:blank',
      title: 'Introuvable',
      status: 404,
      detail: 'Cette page ou cette ressource est introuvable.',
    });
  });

  it('answers a method the route does not have with a problem, never a stack trace', async () => {
    const res = await t.request({ method: 'DELETE', url: '/api/v1/tenant' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('echoes a well-formed request id and logs it with the tenant slug as JSON', async () => {
    const res = await t.request({
      url: '/api/v1/categories',
      headers: { 'x-request-id': 'essai-123', cookie: 'sid=secret-cookie-value' },
    });
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

  it("forbids MIME sniffing on every answer: JSON, problems, the framework's own errors, unknown hosts", async () => {
    const answers = [
      await t.request({ url: '/api/v1/tenant' }),
      await t.request({ url: '/api/v1/nulle-part' }),
      await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: '{"email":' }),
      await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: '<email/>',
        headers: { 'content-type': 'application/xml' },
      }),
      await t.request({ url: '/api/v1/tenant', host: 'inconnu.example' }),
      await t.request({ url: '/health/live', host: '10.0.0.7:3000' }),
    ];
    expect(answers.map((r) => [r.status, r.headers['x-content-type-options']])).toEqual([
      [200, 'nosniff'],
      [404, 'nosniff'],
      [400, 'nosniff'],
      [415, 'nosniff'],
      [404, 'nosniff'],
      [200, 'nosniff'],
    ]);
  });

  it('serves the API documentation under a Content-Security-Policy that allows only this site', async () => {
    const docs = await t.request({ url: '/api/docs' });
    expect(docs.status).toBe(200);
    expect(docs.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(docs.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    // Every script, style sheet and image the page names is a file of this site.
    const refs = [...docs.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(3);
    expect(refs.filter((r) => /^(https?:)?\/\//.test(r))).toEqual([]);
    expect(docs.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    const init = await t.request({ url: '/api/docs/swagger-ui-init.js' });
    expect(init.status).toBe(200);
    expect(init.headers['x-content-type-options']).toBe('nosniff');
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

describe('over a real socket', () => {
  let t: ListeningTestApp;
  let browser: Browser;
  beforeAll(async () => {
    t = await startListeningTestApp();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** One raw HTTP/1.1 exchange, headers exactly as written (a client library would merge the two Host lines). */
  const exchange = (head: string) =>
    new Promise<string>((resolve, reject) => {
      // Written, not ended: a half-closed socket may be dropped before the answer; Connection: close ends it.
      const socket = connect(t.port, '127.0.0.1', () => socket.write(head));
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });

  it('refuses a request with two Host headers with a 400 problem naming host', async () => {
    const twice = await exchange(
      'GET /api/v1/tenant HTTP/1.1\r\nHost: meylan.localhost\r\nHost: lyon.localhost\r\nConnection: close\r\n\r\n',
    );
    expect(twice).toMatch(/^HTTP\/1\.1 400 /);
    expect(twice).toMatch(/content-type: application\/problem\+json; charset=utf-8/i);
    expect(twice).toMatch(/x-content-type-options: nosniff/i);
    expect(JSON.parse(twice.slice(twice.indexOf('\r\n\r\n') + 4)).errors).toEqual([
      { field: 'host', message: 'un seul en-tête Host attendu' },
    ]);
    const once = await exchange('GET /api/v1/tenant HTTP/1.1\r\nHost: meylan.localhost\r\nConnection: close\r\n\r\n');
    expect(once).toMatch(/^HTTP\/1\.1 200 /);
    expect(once).toContain('"slug":"meylan"');
  });

  it('renders Swagger UI in a browser without breaking its Content-Security-Policy', async () => {
    const page = await openTenantPage(browser, t, 'meylan', '/api/docs');
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.reload({ waitUntil: 'load' });
    await page.locator('.swagger-ui .info .title').filter({ hasText: 'Entraide API' }).waitFor({ timeout: 20_000 });
    await page.locator('.opblock-tag', { hasText: 'listings' }).first().waitFor();
    expect(violations).toEqual([]);
    expect(uncaughtErrors(page)).toEqual([]);
    await page.close();
  });
});
