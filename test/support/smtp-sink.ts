import { AddressInfo, Socket } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';

/** One message as the sink received it: envelope recipients, parsed parts and raw headers. */
export interface SinkMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Lower-case names, raw (unfolded, undecoded) values; the first occurrence of a repeated header wins. */
  headers: Record<string, string>;
  messageId: string;
  raw: string;
}

/**
 * A real SMTP server inside the test process (no TLS, no auth), so the mail pipeline is
 * exercised down to the wire. It can refuse recipients (4xx/5xx) and go away and come back
 * on the same port, to prove retries and delivery after an outage.
 */
export class SmtpSink {
  readonly messages: SinkMessage[] = [];
  private server!: SMTPServer;
  private readonly sockets = new Set<Socket>();
  private readonly waiters = new Set<() => void>();
  private rejectCode: number | null = null;
  private running = false;

  private constructor(public port: number) {}

  static async start(port = 0): Promise<SmtpSink> {
    const sink = new SmtpSink(port);
    await sink.listen();
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Resolves with the first message (already received or to come) matching `predicate`. */
  waitFor(predicate: (m: SinkMessage) => boolean, timeoutMs = 10_000): Promise<SinkMessage> {
    return this.until(() => this.messages.find(predicate), timeoutMs, 'a matching message');
  }

  /** Resolves once at least `n` messages arrived, with all of them. */
  waitForCount(n: number, timeoutMs = 10_000): Promise<SinkMessage[]> {
    return this.until(() => (this.messages.length >= n ? [...this.messages] : undefined), timeoutMs, `${n} messages`);
  }

  /** Answers every RCPT TO with this code (451 temporary, 550 permanent); null accepts again. */
  rejectWith(code: number | null): void {
    this.rejectCode = code;
  }

  /** Stops listening and cuts open connections, so a pooled client sees a dead server at once. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Listens again on the same port (messages received so far are kept). */
  async restart(): Promise<void> {
    await this.stop();
    await this.listen();
  }

  clear(): void {
    this.messages.length = 0;
  }

  private async listen(): Promise<void> {
    this.server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      banner: 'entraide test sink',
      size: 10 * 1024 * 1024,
      onRcptTo: (_address, _session, callback) => {
        if (this.rejectCode === null) return callback();
        const err = Object.assign(new Error(this.rejectCode >= 500 ? 'Mailbox unavailable' : 'Try again later'), {
          responseCode: this.rejectCode,
        });
        callback(err);
      },
      onData: (stream, session, callback) => {
        this.receive(stream, session).then(
          () => callback(),
          (err: Error) => callback(Object.assign(err, { responseCode: 451 })),
        );
      },
    });
    // A client that vanishes mid-session (a worker killed on purpose) is expected, not a failure.
    this.server.on('error', () => undefined);
    this.server.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    this.running = true;
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const parsed = await simpleParser(raw);
    const headers: Record<string, string> = {};
    for (const { key, line } of parsed.headerLines) {
      if (key in headers) continue;
      headers[key] = line
        .slice(line.indexOf(':') + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim();
    }
    this.messages.push({
      from: parsed.from?.text ?? '',
      to: session.envelope.rcptTo.map((r) => r.address),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      headers,
      messageId: parsed.messageId ?? '',
      raw: raw.toString('utf8'),
    });
    for (const wake of [...this.waiters]) wake();
  }

  private until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const found = probe();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value === undefined) return;
        done();
        resolve(value);
      };
      const timer = setTimeout(() => {
        done();
        const subjects = this.messages.map((m) => `"${m.subject}" → ${m.to.join(', ')}`);
        reject(
          new Error(
            `SmtpSink: no ${what} within ${timeoutMs} ms; received ${this.messages.length}: ` +
              `${subjects.join('; ') || '(none)'}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }
}

/** The first URL in the text part whose path starts with `pathPrefix` (e.g. '/verifier'); throws if there is none. */
export function linkIn(message: SinkMessage, pathPrefix: string): string {
  for (const candidate of message.text.match(/https?:\/\/[^\s<>"')\]]+/g) ?? []) {
    try {
      if (new URL(candidate).pathname.startsWith(pathPrefix)) return candidate;
    } catch {
      // not a URL after all: keep looking
    }
  }
  throw new Error(`linkIn: no link to ${pathPrefix}… in "${message.subject}"; text was:\n${message.text}`);
}
