import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The HTTP load generator, run in a worker thread by runHttpLoad(): autocannon's own event
 * loop, so request building and response parsing do not queue behind the API's handlers.
 * Requests rotate over the job's list; every response time is kept (autocannon's histogram
 * has 1 ms resolution, too coarse for a p50 of a few milliseconds).
 */
export interface HttpLoadJob {
  url: string;
  requests: Array<{ host: string; path: string }>;
  connections: number;
  seconds: number;
}

export interface HttpLoadReport {
  latencies: ArrayBuffer;
  seconds: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  loopBusy: number;
  error?: string;
}

interface RawRequest {
  path: string;
  headers: Record<string, string>;
}

if (parentPort) {
  // No types are published for autocannon 9; this file uses only the call below and the 'response' event.
  /* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-assignment,
     @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access -- autocannon is untyped */
  const autocannon = require('autocannon');
  const job = workerData as HttpLoadJob;
  const latencies: number[] = [];
  let next = 0;
  const loop0 = performance.eventLoopUtilization();
  const started = process.hrtime.bigint();
  const instance = autocannon(
    {
      url: job.url,
      connections: job.connections,
      duration: job.seconds,
      requests: [
        {
          method: 'GET',
          setupRequest: (req: RawRequest) => {
            const r = job.requests[next++ % job.requests.length];
            return { ...req, path: r.path, headers: { ...req.headers, host: r.host } };
          },
        },
      ],
    },
    (err: Error | null, result: { non2xx: number; errors: number; timeouts: number }) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const buffer = Float64Array.from(latencies).buffer;
      const report: HttpLoadReport = err
        ? { latencies: new ArrayBuffer(0), seconds, non2xx: 0, errors: 0, timeouts: 0, loopBusy: 0, error: err.message }
        : {
            latencies: buffer,
            seconds,
            non2xx: result.non2xx,
            errors: result.errors,
            timeouts: result.timeouts,
            loopBusy: performance.eventLoopUtilization(loop0).utilization,
          };
      parentPort!.postMessage(report, [report.latencies]);
    },
  );
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
}
