import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { Database } from '@libs/db';
import { OutboxService, OutgoingEmail } from '@src/notifications/outbox.service';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Mail that reaches inboxes: every message is signed with the configured DKIM key and marked
 * automatic. The signature is checked as a receiver would, with a maintained verifier
 * (mailauth) whose DNS is a function answering the TXT record the operator publishes.
 */

const DOMAIN = 'entraide.meylan.fr';
const SELECTOR = 'entraide2026';

/** A fresh key pair, and the TXT record of its public half as docs/MAIL.md has it published. */
function dkimKey() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, txt: `v=DKIM1; k=rsa; p=${p}` };
}

/** DNS for the verifier: only `<selector>._domainkey.<domain>` exists, split in 255-byte strings as DNS carries it. */
function resolverFor(txt: string) {
  return async (name: string, rrtype: string): Promise<string[][]> => {
    if (rrtype === 'TXT' && name === `${SELECTOR}._domainkey.${DOMAIN}`) return [txt.match(/.{1,255}/g)!];
    throw Object.assign(new Error(`no ${rrtype} record for ${name}`), { code: 'ENOTFOUND' });
  };
}

async function verify(raw: string | Buffer, txt: string) {
  const { results } = await dkimVerify(Buffer.from(raw), { resolver: resolverFor(txt) });
  return results;
}

async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Queues one e-mail as the accounts code does (add in a tenant transaction, dispatch after commit). */
async function queue(t: TestApp, email: Partial<OutgoingEmail> = {}): Promise<string> {
  const tenantId = await t.db.tenantId('meylan');
  const id = await t.app.get(Database).withTenant(tenantId, (tx) =>
    t.app.get(OutboxService).add(tx, {
      tenantId,
      to: `resident-${randomUUID().slice(0, 8)}@example.org`,
      template: 'account-verification',
      data: {
        displayName: 'Camille D.',
        verifyUrl: `http://meylan.localhost:3000/compte/verification?token=${randomUUID()}`,
      },
      dedupeKey: `test:${randomUUID()}`,
      ...email,
    }),
  );
  if (!id) throw new Error('outbox.add returned no id');
  await t.app.get(OutboxService).dispatch(tenantId, [id]);
  return id;
}

describe('DKIM signing, through a real SMTP server', () => {
  const key = dkimKey();
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      env: {
        WORKERS: 'on',
        SMTP_URL: sink.url,
        DKIM_DOMAIN: DOMAIN,
        DKIM_SELECTOR: SELECTOR,
        DKIM_PRIVATE_KEY: key.pem,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const received = async (email: Partial<OutgoingEmail> = {}) => {
    const to = `signed-${randomUUID().slice(0, 8)}@example.org`;
    await queue(t, { to, ...email });
    return sink.waitFor((m) => m.to.includes(to));
  };

  it(
    'signs each e-mail so that a receiver holding the published key verifies it, ' + 'aligned with the From domain',
    async () => {
      const m = await received();
      const results = await verify(m.raw, key.txt);
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({
        signingDomain: DOMAIN,
        selector: SELECTOR,
        status: { result: 'pass', aligned: DOMAIN },
      });
      expect(m.headers['dkim-signature']).toMatch(/\ba=rsa-sha256;.*\bc=relaxed\/relaxed;/);
      expect(m.headers.from).toBe(`"Entraidons-nous" <ne-pas-repondre@${DOMAIN}>`);
    },
  );

  it('covers the headers receivers act on: From, Subject, Auto-Submitted and the one-click unsubscribe', async () => {
    const m = await received({
      headers: {
        'List-Unsubscribe': '<http://meylan.localhost:3000/unsubscribe/abc>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    });
    expect((await verify(m.raw, key.txt))[0].status.result).toBe('pass');
    const signed = /\bh=([^;]+)/.exec(m.headers['dkim-signature'])![1].replace(/\s+/g, '').toLowerCase().split(':');
    expect(signed).toEqual(
      expect.arrayContaining([
        'from',
        'to',
        'subject',
        'date',
        'message-id',
        'auto-submitted',
        'list-unsubscribe',
        'list-unsubscribe-post',
      ]),
    );
  });

  it('marks every e-mail as automatic, so auto-responders do not answer it', async () => {
    const m = await received();
    expect(m.headers['auto-submitted']).toBe('auto-generated');
  });

  it('fails verification once the message is altered after signing', async () => {
    const m = await received();
    const subjectChanged = m.raw.replace(/^Subject: .*$/m, 'Subject: Votre compte est suspendu');
    expect(subjectChanged).not.toBe(m.raw);
    expect(await verify(subjectChanged, key.txt)).toMatchObject([{ status: { result: 'fail' } }]);

    const bodyChanged = m.raw.replace('Camille D.', 'Camille X.');
    expect(bodyChanged).not.toBe(m.raw);
    expect(await verify(bodyChanged, key.txt)).toMatchObject([
      { status: { result: 'neutral', comment: 'body hash did not verify' } },
    ]);
  });

  it('fails verification against another key published under the same selector', async () => {
    const m = await received();
    expect(await verify(m.raw, dkimKey().txt)).toMatchObject([{ status: { result: 'fail' } }]);
  });
});

describe('development inbox: raw source', () => {
  const key = dkimKey();
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { WORKERS: 'on', DKIM_DOMAIN: DOMAIN, DKIM_SELECTOR: SELECTOR, DKIM_PRIVATE_KEY: key.pem },
    });
  });
  afterAll(() => t?.close());

  it('offers each message as a .eml download holding the bytes the server received', async () => {
    const to = `source-${randomUUID().slice(0, 8)}@example.org`;
    const id = await queue(t, { to });
    await eventually(async () => {
      const { rows } = await t.db.admin.query('SELECT status FROM outbox_emails WHERE id = $1', [id]);
      return rows[0]?.status === 'sent';
    }, 'the mail to reach the development inbox');

    const list = await t.request({ url: '/dev/mail' });
    expect(list.body).toContain('<th scope="col">Source</th>');
    const row = list.body.split('<tr>').find((r) => r.includes(to))!;
    const [, href, download] =
      /<a href="(\/dev\/mail\/[^"]+\/source\.eml)" download="([^"]+)"[^>]*>Source \(\.eml\)<\/a>/.exec(row)!;

    const page = await t.request({ url: href.replace(/\/source\.eml$/, '') });
    expect(page.body).toContain(`href="${href}"`);
    expect(page.body).toContain('>Source (.eml)</a>');

    const eml = await t.request({ url: href });
    expect(eml.status).toBe(200);
    expect(eml.headers['content-type']).toBe('message/rfc822');
    expect(eml.headers['content-disposition']).toBe(`attachment; filename="${download}"`);
    expect(download).toMatch(/^courriel-[0-9a-f-]{36}\.eml$/);
    expect(eml.body).toMatch(/^[\s\S]*\r\nAuto-Submitted: auto-generated\r\n/);
    expect(eml.body).toContain(`To: ${to}\r\n`);
    expect(eml.body).toContain('Bonjour Camille D.,');
    // Byte for byte what was signed: the signature still verifies on the download.
    expect((await verify(eml.body, key.txt))[0].status.result).toBe('pass');

    const missing = await t.request({ url: '/dev/mail/00000000-0000-0000-0000-000000000000/source.eml' });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
