import { createTransport } from 'nodemailer';
import { linkIn, SmtpSink } from './support/smtp-sink';

/** The SMTP sink other tests rely on: what it records, how it refuses, how it goes away and comes back. */
describe('SmtpSink', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await SmtpSink.start();
  });
  afterAll(() => sink.stop());
  beforeEach(() => {
    sink.clear();
    sink.rejectWith(null);
  });

  const send = (to: string, extra: Record<string, unknown> = {}) => {
    const transport = createTransport({ url: sink.url } as never);
    return transport
      .sendMail({
        from: '"Entraidons-nous" <ne-pas-repondre@entraide.meylan.fr>',
        to,
        subject: 'Bonjour',
        text: 'Lien : http://meylan.localhost:3000/verifier?token=abc',
        html: '<p>Bonjour</p>',
        ...extra,
      })
      .finally(() => transport.close());
  };

  it('records envelope, parts, raw lower-case headers and the Message-ID', async () => {
    await send('alice@example.org', {
      headers: { 'List-Unsubscribe': '<http://meylan.localhost/unsubscribe/t>' },
      messageId: '<abc@entraide.meylan.fr>',
    });
    const m = await sink.waitFor((x) => x.to.includes('alice@example.org'));
    expect(m).toMatchObject({
      subject: 'Bonjour',
      html: expect.stringContaining('<p>Bonjour</p>'),
      messageId: '<abc@entraide.meylan.fr>',
    });
    expect(m.from).toContain('ne-pas-repondre@entraide.meylan.fr');
    expect(m.headers['list-unsubscribe']).toBe('<http://meylan.localhost/unsubscribe/t>');
    expect(linkIn(m, '/verifier')).toBe('http://meylan.localhost:3000/verifier?token=abc');
    expect(() => linkIn(m, '/absent')).toThrow(/no link to \/absent/);
  });

  it('refuses recipients with the chosen code', async () => {
    sink.rejectWith(550);
    await expect(send('bob@example.org')).rejects.toMatchObject({ responseCode: 550 });
    sink.rejectWith(451);
    await expect(send('bob@example.org')).rejects.toMatchObject({ responseCode: 451 });
    expect(sink.messages).toHaveLength(0);
  });

  it('refuses connections once stopped, and accepts again on the same port after restart', async () => {
    const port = sink.port;
    await sink.stop();
    await expect(send('carol@example.org')).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNECTION|ESOCKET/),
    });
    await sink.restart();
    expect(sink.port).toBe(port);
    await send('carol@example.org');
    expect(await sink.waitForCount(1)).toHaveLength(1);
  });

  it('names what it received when waiting times out', async () => {
    await send('dan@example.org');
    await expect(sink.waitFor((m) => m.subject === 'Autre', 200)).rejects.toThrow(
      /received 1: "Bonjour" → dan@example.org/,
    );
  });
});
