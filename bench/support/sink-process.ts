import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * The benchmarks' SMTP server, in a process of its own so that it does not share a CPU or the
 * measured process's event loop. It drains each message without parsing it and reports counts
 * on request (`npm run bench:mail` starts it so).
 *
 * With `--subject-tags` (`npm run bench:notify`, see notify-sink.ts) it also reads the header
 * block: the Subject is unfolded and its RFC 2047 words decoded, to read the `[tag]` the
 * benchmark puts in listing titles (match e-mail subjects contain the title). Per tag it keeps
 * the first and last acceptance time and a count.
 *
 * Times are process.hrtime in milliseconds: CLOCK_MONOTONIC, one clock for every process
 * of the machine, so the parent compares them with its own hrtime readings.
 */
const READ_SUBJECTS = process.argv.includes('--subject-tags');
const TAG = /\[([a-z]+[0-9]+)\]/;
const HEADER_LIMIT = 64 * 1024;

let received = 0;
const tags = new Map<string, { first: number; last: number; n: number }>();
/** Pending "tell me when `count` messages were accepted" requests. */
let watches: Array<{ id: number; count: number }> = [];

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

const server = new SMTPServer({
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  logger: false,
  maxClients: 1_000,
  onData(stream, _session, callback) {
    let head = '';
    let complete = !READ_SUBJECTS;
    stream.on('data', (chunk: Buffer) => {
      if (complete) return;
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end >= 0) {
        head = head.slice(0, end);
        complete = true;
      } else if (head.length > HEADER_LIMIT) complete = true;
    });
    stream.on('end', () => {
      received++;
      const at = READ_SUBJECTS || watches.length ? nowMs() : 0;
      if (READ_SUBJECTS) countTag(head, at);
      if (watches.length) {
        const due = watches.filter((w) => received >= w.count);
        if (due.length) {
          watches = watches.filter((w) => received < w.count);
          for (const w of due) process.send!({ watch: w.id, at, count: received });
        }
      }
      callback();
    });
  },
});

/** Counts a message accepted `at` under the `[tag]` of its Subject, if any. */
function countTag(head: string, at: number): void {
  const tag = TAG.exec(subjectOf(head))?.[1];
  if (!tag) return;
  const t = tags.get(tag);
  if (t) {
    t.last = at;
    t.n++;
  } else tags.set(tag, { first: at, last: at, n: 1 });
}

/** The decoded Subject header of a raw header block ('' when absent). */
function subjectOf(head: string): string {
  const m = /^subject:[ \t]*(.*(?:\r\n[ \t].*)*)/im.exec(head);
  return m ? decodeWords(m[1].replace(/\r\n(?=[ \t])/g, '')) : '';
}

/**
 * RFC 2047: adjacent encoded words join (whitespace between them is dropped), bytes decoded as UTF-8 at the end so
 * split characters survive.
 */
function decodeWords(value: string): string {
  const parts: Buffer[] = [];
  const word = /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g;
  let last = 0;
  let previousWasWord = false;
  for (let m = word.exec(value); m; m = word.exec(value)) {
    const between = value.slice(last, m.index);
    if (!(previousWasWord && /^\s*$/.test(between))) parts.push(Buffer.from(between, 'latin1'));
    const [, , encoding, text] = m;
    parts.push(
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9A-Fa-f]{2})/g, (_s, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          ),
    );
    last = word.lastIndex;
    previousWasWord = true;
  }
  parts.push(Buffer.from(value.slice(last), 'latin1'));
  return Buffer.concat(parts).toString('utf8');
}

server.listen(0, '127.0.0.1', () => process.send!({ port: (server.server.address() as AddressInfo).port }));
process.on('message', (m: { type: string; id?: number; count?: number }) => {
  if (m.type === 'count') process.send!({ count: received });
  if (m.type === 'reset') {
    received = 0;
    tags.clear();
    watches = [];
    process.send!({ reset: true });
  }
  if (m.type === 'watch') {
    if (received >= m.count!) process.send!({ watch: m.id, at: nowMs(), count: received });
    else watches.push({ id: m.id!, count: m.count! });
  }
  if (m.type === 'tags') process.send!({ tags: [...tags].map(([tag, t]) => ({ tag, ...t })) });
  // No graceful close: smtp-server would wait 30 s for the pools' idle connections.
  if (m.type === 'stop') process.exit(0);
});
// The parent is gone (killed without its clean-up): do not linger.
process.on('disconnect', () => process.exit(0));
