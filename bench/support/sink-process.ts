import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * The benchmark's SMTP server, in a process of its own so that it does not share a CPU with
 * what is measured. It drains each message without parsing it and reports counts on request.
 */
let received = 0;
const server = new SMTPServer({
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  logger: false,
  maxClients: 1_000,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});

server.listen(0, '127.0.0.1', () => process.send!({ port: (server.server.address() as AddressInfo).port }));
process.on('message', (m: { type: string }) => {
  if (m.type === 'count') process.send!({ count: received });
  if (m.type === 'reset') received = 0;
  // No graceful close: smtp-server would wait 30 s for the pools' idle connections.
  if (m.type === 'stop') process.exit(0);
});
