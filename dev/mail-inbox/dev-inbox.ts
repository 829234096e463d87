import { randomUUID } from 'node:crypto';
import { AddressInfo, Socket } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface InboxMessage {
  id: string;
  receivedAt: Date;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Array<{ name: string; value: string }>;
  /** The message exactly as the SMTP server received it (a DKIM signature still verifies on it). */
  raw: Buffer;
}

/**
 * The development inbox: an SMTP server on an ephemeral 127.0.0.1 port that keeps the last
 * messages in memory, so every e-mail can be read on a page without any mail server.
 * Never started in production.
 */
export class DevInbox {
  private readonly messages: InboxMessage[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
    private readonly capacity: number,
  ) {}

  static async start(capacity = 200): Promise<DevInbox> {
    // eslint-disable-next-line prefer-const -- the server's callbacks, created first, read it once assigned below
    let inbox: DevInbox | undefined;
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      onData(stream, session, callback) {
        readAll(stream)
          .then(async (raw) => ({ raw, parsed: await simpleParser(raw) }))
          .then(({ raw, parsed }) => {
            inbox?.keep({
              id: randomUUID(),
              receivedAt: new Date(),
              from: parsed.from?.text ?? '',
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              headers: parsed.headerLines.map(({ key, line }) => ({
                name: key,
                value: line.slice(line.indexOf(':') + 1).trim(),
              })),
              raw,
            });
            callback();
          })
          .catch((err: Error) => callback(err));
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    inbox = new DevInbox(server, (server.server.address() as AddressInfo).port, capacity);
    server.server.on('connection', (s: Socket) => {
      inbox.sockets.add(s);
      s.once('close', () => inbox.sockets.delete(s));
    });
    return inbox;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Newest first. */
  list(): InboxMessage[] {
    return [...this.messages].reverse();
  }

  get(id: string): InboxMessage | undefined {
    return this.messages.find((m) => m.id === id);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // A pooled client keeps idle connections open; don't wait out smtp-server's 30 s grace.
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private keep(m: InboxMessage): void {
    this.messages.push(m);
    if (this.messages.length > this.capacity) this.messages.splice(0, this.messages.length - this.capacity);
  }
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}
