import { connect } from 'node:net';
import { ForegroundWork } from '@libs/queue';
import { ListeningTestApp, startListeningTestApp } from './support/test-app';

/** What a raw TCP client saw: the bytes the server answered and whether the server closed the socket. */
interface Outcome {
  answer: string;
  closedByServer: boolean;
}

/**
 * Sends `head` at once, then one byte of `trickle` every second, until the server closes the socket
 * or `boundMs` passes (then gives up and reports closedByServer: false).
 */
function trickle(port: number, head: string, trickleBytes: string, boundMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearInterval(drip);
      clearTimeout(bound);
      socket.destroy();
      resolve({ answer, closedByServer });
    };
    const drip = setInterval(() => {
      if (sent < trickleBytes.length && socket.writable) socket.write(trickleBytes[sent++]);
    }, 1000);
    const bound = setTimeout(() => finish(false), boundMs);
    socket.on('connect', () => socket.write(head));
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
  });
}

describe('slow clients', () => {
  let t: ListeningTestApp;
  beforeAll(async () => {
    // Short timeouts keep the test quick; production defaults are 30 s for a request, 15 s for headers.
    t = await startListeningTestApp({
      env: { HTTP_REQUEST_TIMEOUT_SEC: '3', HTTP_HEADERS_TIMEOUT_SEC: '2', HTTP_KEEPALIVE_TIMEOUT_SEC: '1' },
    });
  });
  afterAll(() => t.close());

  it('answers 408 and closes the socket of a client that sends its body one byte a second', async () => {
    const head =
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: meylan.localhost\r\nContent-Type: ' +
      'application/json\r\nContent-Length: 100\r\n\r\n';
    const outcome = await trickle(t.port, head, '{"email":"slow@example.org","password":"x"}'.padEnd(100, ' '), 20_000);
    expect(outcome.closedByServer).toBe(true);
    expect(outcome.answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('counts a request as foreground work from its arrival until its socket is done, however it ends', async () => {
    const foreground = t.app.get(ForegroundWork);
    const settle = async (busy: number) => {
      for (let i = 0; i < 250 && foreground.busy !== busy; i++) await new Promise((r) => setTimeout(r, 20));
      return foreground.busy;
    };
    // The earlier tests' requests, cut with 408, are counted out too.
    expect(await settle(0)).toBe(0);
    const head =
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: meylan.localhost\r\nContent-Type: ' +
      'application/json\r\nContent-Length: 100\r\n\r\n';
    const outcome = trickle(t.port, head, '{"email":', 20_000);
    // Bulk work in this process (the rest of a fan-out, the digests) waits while the request is open.
    expect(await settle(1)).toBe(1);
    expect((await outcome).closedByServer).toBe(true);
    expect(await settle(0)).toBe(0);
  });

  it('answers 408 and closes the socket of a client that never finishes its headers', async () => {
    const outcome = await trickle(
      t.port,
      'GET /api/v1/tenant HTTP/1.1\r\nHost: meylan.localhost\r\n',
      'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      20_000,
    );
    expect(outcome.closedByServer).toBe(true);
    expect(outcome.answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('still serves a client that sends its request at once', async () => {
    const res = await fetch(`http://127.0.0.1:${t.port}/health/live`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});
