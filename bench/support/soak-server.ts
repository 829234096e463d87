import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/**
 * The server under `npm run bench:soak`, in a process of its own so that its RSS and event-loop
 * delay are its own (the load generator lives in the parent). It is the production application
 * (createApp with the configuration in its environment, workers inside) or, with `--bare`, a bare
 * node:http server answering a constant JSON body: the machine's noise at the same rate.
 *
 * IPC: sends `{port}` once listening; answers `{type: 'sample'}` with `{sample: {rssMb (mean), heapMb,
 * loopP99Ms, loopMaxMs}}` over the time since the previous sample; on `{type: 'digest'}` runs the
 * daily digests of every commune as the scheduled job does at the digest hour (for tomorrow 23:00 in
 * Paris, a day and hour no scheduled run has reached) and answers `{digest: {ms, written}}` once its
 * e-mails are written; exits on `{type: 'stop'}` or when the parent goes away.
 */
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
// RSS read every second and averaged per sample: a single reading lands anywhere on the
// young generation's saw-tooth (up to 3 × 64 MB semi-spaces), which hides or fakes a trend.
let rssSum = 0;
let rssCount = 0;
setInterval(() => {
  rssSum += process.memoryUsage.rss();
  rssCount++;
}, 1000).unref();

/** The daily digests' run, in the application (not in the bare server). */
let runDigests: (() => Promise<number>) | undefined;

async function listen(): Promise<number> {
  if (process.argv.includes('--bare')) {
    const body = JSON.stringify({ status: 'ok' });
    const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
      req.resume();
      req.on('end', () =>
        res
          .writeHead(200, {
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
          })
          .end(body),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }
  // Loaded here so that the bare server's RSS holds none of the application's code. Relative
  // paths: the build rewrites the aliases of static imports only, not of import().
  const { loadConfig } = await import('../../libs/config');
  const { createApp } = await import('../../src/app.factory');
  const { AlertsService } = await import('../../src/alerts/alerts.service');
  const { parisDayAndHour } = await import('../../libs/calendar/paris-time');
  const app = await createApp(loadConfig(process.env));
  await app.listen(0, '127.0.0.1');
  runDigests = () => {
    // Tomorrow 23:30 in Paris: 22:30 UTC in winter, 21:30 in summer.
    const at = [22, 21]
      .map((utcHour) => new Date(new Date(Date.now() + 86_400_000).setUTCHours(utcHour, 30, 0, 0)))
      .find((d) => parisDayAndHour(d).hour === 23);
    return app.get(AlertsService).sendDueDigests(at);
  };
  return (app.getHttpServer().address() as AddressInfo).port;
}

process.on('message', (m: { type: string }) => {
  if (m.type === 'sample') {
    const mb = (bytes: number) => bytes / 1024 / 1024;
    process.send!({
      sample: {
        rssMb: mb(rssCount ? rssSum / rssCount : process.memoryUsage.rss()),
        heapMb: mb(process.memoryUsage().heapUsed),
        loopP99Ms: loop.percentile(99) / 1e6,
        loopMaxMs: loop.max / 1e6,
      },
    });
    loop.reset();
    rssSum = 0;
    rssCount = 0;
  }
  if (m.type === 'digest' && runDigests) {
    const started = performance.now();
    runDigests().then(
      (written) => process.send!({ digest: { ms: performance.now() - started, written } }),
      (err: Error) => process.send!({ digest: { ms: performance.now() - started, written: 0, error: err.message } }),
    );
  }
  if (m.type === 'stop') process.exit(0);
});
process.on('disconnect', () => process.exit(0));

listen().then(
  (port) => process.send!({ port }),
  (err: Error) => {
    process.stderr.write(`soak server failed to start: ${err.message}\n`);
    process.exit(1);
  },
);
