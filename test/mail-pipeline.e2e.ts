import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '@libs/db';
import { JobQueue } from '@libs/queue';
import { MAIL_BATCH, SendBulkEmails, SendEmail, SendEmails } from '@src/notifications/mail.jobs';
import { MAIL_BULK_QUEUE, MAIL_QUEUE } from '@src/queues';
import { DeliveryPolicy } from '@src/notifications/delivery-policy';
import { MailProcessor } from '@src/notifications/mail.processor';
import { OutboxSweeper } from '@src/notifications/outbox-sweeper';
import { OutboxRepository } from '@src/notifications/outbox.repository';
import { OutboxService, OutgoingEmail } from '@src/notifications/outbox.service';
import { TEST_REDIS_URL } from './support/env';
import { linkIn, SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';

/** The mail pipeline end to end: outbox row → BullMQ job → claim → render → SMTP (a real server in this process). */

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

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small harness over one started application: queue mail as the accounts code does, read rows as the owner. */
function mailHarness(t: TestApp) {
  const outbox = t.app.get(OutboxService);
  const db = t.app.get(Database);
  return {
    /** add() in a tenant transaction, then dispatch() after commit; returns the row id. */
    async queue(slug: string, email: Partial<OutgoingEmail> = {}, opts: { dispatch?: boolean } = {}): Promise<string> {
      const tenantId = await t.db.tenantId(slug);
      const id = await db.withTenant(tenantId, (tx) =>
        outbox.add(tx, {
          tenantId,
          to: `resident-${randomUUID().slice(0, 8)}@example.org`,
          template: 'account-verification',
          data: {
            displayName: 'Camille D.',
            verifyUrl: `http://${slug}.localhost:3000/compte/verification?token=${randomUUID()}`,
          },
          dedupeKey: `test:${randomUUID()}`,
          ...email,
        }),
      );
      if (!id) throw new Error('outbox.add returned no id');
      if (opts.dispatch !== false) await outbox.dispatch(tenantId, [id]);
      return id;
    },
    async row(id: string) {
      const { rows } = await t.db.admin.query('SELECT * FROM outbox_emails WHERE id = $1', [id]);
      return rows[0];
    },
    async recipient(id: string): Promise<string> {
      return (await this.row(id)).recipient;
    },
  };
}

describe('mail pipeline, with workers in the API and a real SMTP server', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let mail: ReturnType<typeof mailHarness>;
  let policy: DeliveryPolicy;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url } });
    mail = mailHarness(t);
    // Production waits a minute before the first retry; the behaviour is the same in milliseconds.
    policy = t.app.get(DeliveryPolicy);
    policy.retryBaseMs = 200;
    policy.retryMaxMs = 1_000;
    // The tests below call the sweeper right after losing a job; its grace has a test of its own.
    policy.sweepGraceMs = 0;
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });
  beforeEach(() => {
    sink.rejectWith(null);
    sink.clear();
  });

  const messagesTo = (address: string) => sink.messages.filter((m) => m.to.includes(address));

  it(
    "delivers a verification e-mail from the commune's own address, in French, with text and HTML and no " + 'image',
    async () => {
      const id = await mail.queue('meylan', {
        to: 'camille@example.org',
        data: { displayName: 'Camille D.', verifyUrl: 'http://meylan.localhost:3000/compte/verification?token=tok123' },
      });
      const m = await sink.waitFor((x) => x.to.includes('camille@example.org'));

      expect(m.headers.from).toBe('"Entraidons-nous" <ne-pas-repondre@entraide.meylan.fr>');
      expect(m.subject).toBe('Confirmez votre adresse e-mail sur Entraidons-nous');
      expect(m.text).toContain('Bonjour Camille D.,');
      expect(linkIn(m, '/compte/verification')).toBe('http://meylan.localhost:3000/compte/verification?token=tok123');
      expect(m.text).toContain('Mairie de Meylan');
      expect(m.html).toContain('<html lang="fr">');
      // Handlebars escapes `=` in HTML (`&#x3D;`): same link once decoded, as every client does.
      expect(m.html.replace(/&#x3D;/g, '=')).toContain(
        'href="http://meylan.localhost:3000/compte/verification?token=tok123"',
      );
      expect(m.html).toContain('#1f5d8c'); // Meylan's primary colour
      expect(m.html).not.toMatch(/<img/i);
      expect(m.messageId).toBe(`<${id}@entraide.meylan.fr>`);

      const row = await eventually(async () => {
        const r = await mail.row(id);
        return r.status === 'sent' && r;
      }, 'the row to be marked sent');
      expect(row).toMatchObject({
        attempts: 1,
        provider_message_id: m.messageId,
        sent_at: expect.any(Date),
        recipient: 'camille@example.org',
      });
      // The link's token does not outlive the sending.
      expect(row.data).toEqual({});
    },
  );

  it('brands each commune: Grenoble mail comes from Grenoble, with its colours', async () => {
    const id = await mail.queue('grenoble');
    const to = await mail.recipient(id);
    const m = await sink.waitFor((x) => x.to.includes(to));
    expect(m.headers.from).toBe('Voisins Voisines <ne-pas-repondre@entraide.grenoble.fr>');
    expect(m.subject).toBe('Confirmez votre adresse e-mail sur Voisins Voisines');
    expect(m.html).toContain('#0f6b6b');
  });

  it('passes the headers given to the outbox through to the message', async () => {
    const headers = {
      'List-Unsubscribe': '<http://meylan.localhost:3000/unsubscribe/abc>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    };
    const id = await mail.queue('meylan', { headers });
    const to = await mail.recipient(id);
    const got = await sink.waitFor((x) => x.to.includes(to));
    expect(got.headers['list-unsubscribe']).toBe('<http://meylan.localhost:3000/unsubscribe/abc>');
    expect(got.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
  });

  it('sends each of 20 queued e-mails exactly once after the SMTP server comes back', async () => {
    await sink.stop();
    const ids = await Promise.all(Array.from({ length: 20 }, () => mail.queue('meylan')));
    const recipients = await Promise.all(ids.map((id) => mail.recipient(id)));
    // Every one has been tried and refused (connection refused is temporary), none given up.
    await eventually(async () => {
      const { rows } = await t.db.admin.query(
        `SELECT count(*)::int AS n FROM outbox_emails WHERE id = ANY($1) AND status = 'pending' AND attempts >= 1`,
        [ids],
      );
      return rows[0].n === 20;
    }, 'all 20 rows to have failed a first attempt');

    await sink.restart();
    await sink.waitForCount(20, 15_000);
    await pause(1_000); // room for any duplicate to show up
    expect(recipients.map((r) => messagesTo(r).length)).toEqual(recipients.map(() => 1));
    const { rows } = await t.db.admin.query(
      `SELECT status, count(*)::int AS n FROM outbox_emails WHERE id = ANY($1) GROUP BY status`,
      [ids],
    );
    expect(rows).toEqual([{ status: 'sent', n: 20 }]);
  });

  it('carries a fan-out 50 rows to a job, bulk on its own queue, each e-mail once', async () => {
    const tenantId = await t.db.tenantId('meylan');
    const ids = await Promise.all(Array.from({ length: 120 }, () => mail.queue('meylan', {}, { dispatch: false })));
    const queues = t.app.get(JobQueue);
    await queues.queue(MAIL_QUEUE.name).pause();
    await queues.queue(MAIL_BULK_QUEUE.name).pause();
    try {
      await t.app.get(OutboxService).dispatch(tenantId, ids.slice(0, 70));
      await t.app.get(OutboxService).dispatch(tenantId, ids.slice(70), { bulk: true });
      const jobs = async (q: string) =>
        (await queues.queue(q).getJobs(['waiting', 'paused', 'prioritized'])).map((j) => ({
          name: j.name,
          rows: (j.data as { outboxIds: string[] }).outboxIds.length,
        }));
      expect((await jobs(MAIL_QUEUE.name)).sort((a, b) => b.rows - a.rows)).toEqual([
        { name: SendEmails.name, rows: MAIL_BATCH },
        { name: SendEmails.name, rows: 20 },
      ]);
      expect(await jobs(MAIL_BULK_QUEUE.name)).toEqual([{ name: SendBulkEmails.name, rows: 50 }]);
    } finally {
      await queues.queue(MAIL_QUEUE.name).resume();
      await queues.queue(MAIL_BULK_QUEUE.name).resume();
    }
    const recipients = await Promise.all(ids.map((id) => mail.recipient(id)));
    await sink.waitForCount(120, 15_000);
    await pause(500);
    expect(recipients.map((r) => messagesTo(r).length)).toEqual(recipients.map(() => 1));
  });

  it('claims without waiting on a row another transaction holds, and leaves that row pending', async () => {
    const tenantId = await t.db.tenantId('meylan');
    const [held, free] = await Promise.all([
      mail.queue('meylan', {}, { dispatch: false }),
      mail.queue('meylan', {}, { dispatch: false }),
    ]);
    const other = await t.db.admin.connect();
    try {
      // As a mark or a claim elsewhere would: the row is locked until that transaction ends.
      await other.query('BEGIN');
      await other.query('SELECT 1 FROM outbox_emails WHERE id = $1 FOR NO KEY UPDATE', [held]);
      const [claimed] = await t.app.get(OutboxRepository).claim([{ tenantId, ids: [held, free] }], 60_000);
      expect(claimed.map((r) => r.id)).toEqual([free]);
    } finally {
      await other.query('ROLLBACK');
      other.release();
    }
    expect((await mail.row(held)).status).toBe('pending');
    expect((await mail.row(free)).status).toBe('sending');
    // Handed back to the worker: both go, each once.
    await t.app.get(OutboxService).dispatch(tenantId, [held]);
    await eventually(async () => (await mail.row(held)).status === 'sent', 'the held row to be sent');
    expect(messagesTo(await mail.recipient(held))).toHaveLength(1);
  });

  it('gives a row of a batch that SMTP refused for now a retry of its own, and sends it once', async () => {
    const tenantId = await t.db.tenantId('meylan');
    const ids = await Promise.all(Array.from({ length: 5 }, () => mail.queue('meylan', {}, { dispatch: false })));
    const recipients = await Promise.all(ids.map((id) => mail.recipient(id)));
    sink.rejectWith(451);
    await t.app.get(OutboxService).dispatch(tenantId, ids);
    await eventually(async () => {
      const { rows } = await t.db.admin.query(
        `SELECT count(*)::int AS n FROM outbox_emails WHERE id = ANY($1) AND status = 'pending' AND attempts = 1`,
        [ids],
      );
      return rows[0].n === 5;
    }, 'the five rows to be refused once');
    sink.rejectWith(null);
    await sink.waitForCount(5, 15_000);
    await pause(500);
    expect(recipients.map((r) => messagesTo(r).length)).toEqual(recipients.map(() => 1));
    const { rows } = await t.db.admin.query(`SELECT status, attempts FROM outbox_emails WHERE id = ANY($1)`, [ids]);
    expect(rows.every((r: { status: string; attempts: number }) => r.status === 'sent' && r.attempts === 2)).toBe(true);
  });

  it('delivers, through the sweeper, mail that was pending when Redis lost every job', async () => {
    await sink.stop();
    const id = await mail.queue('meylan');
    const to = await mail.recipient(id);
    await eventually(async () => (await mail.row(id)).attempts >= 1, 'a first failed attempt');

    // What a Redis flush does to this application: its keys only (other test files share this Redis).
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const keys = await redis.keys(`${t.config.queuePrefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    await sink.restart();
    await pause(1_500); // past the retry time: with its job gone, nothing sends it
    expect(messagesTo(to)).toHaveLength(0);
    expect((await mail.row(id)).status).toBe('pending');

    const report = await t.app.get(OutboxSweeper).sweepNow();
    expect(report.requeued).toBeGreaterThanOrEqual(1);
    await sink.waitFor((m) => m.to.includes(to));
    await pause(500);
    expect(messagesTo(to)).toHaveLength(1);
  });

  it('leaves to its job a row due for less than the grace, and re-queues one due for longer', async () => {
    const id = await mail.queue('meylan', {}, { dispatch: false });
    policy.sweepGraceMs = 60_000;
    try {
      await t.app.get(OutboxSweeper).sweepNow();
      await pause(500);
      expect((await mail.row(id)).status).toBe('pending');
      await t.db.admin.query(`UPDATE outbox_emails SET next_attempt_at = now() - interval '2 minutes' WHERE id = $1`, [
        id,
      ]);
      await t.app.get(OutboxSweeper).sweepNow();
      await eventually(async () => (await mail.row(id)).status === 'sent', 'the row due for two minutes to be sent');
    } finally {
      policy.sweepGraceMs = 0;
    }
  });

  it('sends, through the sweeper, a row that was committed but never dispatched', async () => {
    const id = await mail.queue('meylan', {}, { dispatch: false });
    const to = await mail.recipient(id);
    await pause(300);
    expect(messagesTo(to)).toHaveLength(0);
    await t.app.get(OutboxSweeper).sweepNow();
    await sink.waitFor((m) => m.to.includes(to));
  });

  it('sends once when the same job runs twice, at the same time or one after the other', async () => {
    const id = await mail.queue('meylan', {}, { dispatch: false });
    const to = await mail.recipient(id);
    const tenantId = await t.db.tenantId('meylan');
    const processor = t.app.get(MailProcessor);
    const outcomes = await Promise.all([
      processor.sendEmail({ tenantId, outboxId: id }),
      processor.sendEmail({ tenantId, outboxId: id }),
    ]);
    expect(outcomes.sort()).toEqual(['sent', 'skipped']);
    expect(await processor.sendEmail({ tenantId, outboxId: id })).toBe('skipped');

    // And through BullMQ, as two jobs with different ids for the same row.
    const queue = t.app.get(JobQueue);
    await queue.addBulk([
      { job: SendEmail, payload: { tenantId, outboxId: id }, jobId: `dup-a-${id}` },
      { job: SendEmail, payload: { tenantId, outboxId: id }, jobId: `dup-b-${id}` },
    ]);
    await pause(1_000);
    expect(messagesTo(to)).toHaveLength(1);
  });

  it('marks a permanently refused address failed, without retrying', async () => {
    sink.rejectWith(550);
    const id = await mail.queue('meylan');
    const row = await eventually(async () => {
      const r = await mail.row(id);
      return r.status === 'failed' && r;
    }, 'the row to fail');
    expect(row).toMatchObject({ attempts: 1, sent_at: null, data: {} });
    expect(row.last_error).toMatch(/550/);
    await pause(1_000);
    expect((await mail.row(id)).attempts).toBe(1);
    expect(sink.messages).toHaveLength(0);
  });

  it('retries a temporary refusal (451) and delivers once the server accepts', async () => {
    sink.rejectWith(451);
    const id = await mail.queue('meylan');
    const to = await mail.recipient(id);
    const first = await eventually(async () => {
      const r = await mail.row(id);
      return r.attempts >= 1 && r.status === 'pending' && r;
    }, 'a refused first attempt');
    expect(first.last_error).toMatch(/451/);
    sink.rejectWith(null);
    await sink.waitFor((m) => m.to.includes(to));
    const row = await eventually(async () => {
      const r = await mail.row(id);
      return r.status === 'sent' && r;
    }, 'the row to be marked sent');
    expect(row.attempts).toBeGreaterThanOrEqual(2);
    await pause(500);
    expect(messagesTo(to)).toHaveLength(1);
  });

  it('gives up after the last attempt', async () => {
    policy.maxAttempts = 3;
    try {
      sink.rejectWith(451);
      const id = await mail.queue('meylan');
      const row = await eventually(async () => {
        const r = await mail.row(id);
        return r.status === 'failed' && r;
      }, 'the row to fail after 3 attempts');
      expect(row.attempts).toBe(3);
      expect(row.last_error).toMatch(/451/);
    } finally {
      policy.maxAttempts = 8;
    }
  });

  it('takes back a claim whose worker died mid-send (lease expired) and sends it', async () => {
    const id = await mail.queue('meylan', {}, { dispatch: false });
    const to = await mail.recipient(id);
    await t.db.admin.query(
      `UPDATE outbox_emails SET status = 'sending', attempts = 1, next_attempt_at = now() - interval '1 second' ` +
        `WHERE id = $1`,
      [id],
    );
    const report = await t.app.get(OutboxSweeper).sweepNow();
    expect(report.released).toBe(1);
    await sink.waitFor((m) => m.to.includes(to));
    const row = await eventually(async () => {
      const r = await mail.row(id);
      return r.status === 'sent' && r;
    }, 'the row to be marked sent');
    expect(row.attempts).toBe(2);
  });

  it('ignores a second add with the same dedupe key', async () => {
    const tenantId = await t.db.tenantId('meylan');
    const outbox = t.app.get(OutboxService);
    const email: OutgoingEmail = {
      tenantId,
      to: 'once@example.org',
      template: 'password-reset',
      data: { displayName: 'Alex', resetUrl: 'http://meylan.localhost:3000/x' },
      dedupeKey: 'reset:once',
    };
    const [a, b] = await t.app
      .get(Database)
      .withTenant(tenantId, async (tx) => [await outbox.add(tx, email), await outbox.add(tx, email)]);
    expect(a).toEqual(expect.any(String));
    expect(b).toBeUndefined();
  });

  it('refuses an e-mail that lacks its link, in the caller transaction', async () => {
    const tenantId = await t.db.tenantId('meylan');
    const outbox = t.app.get(OutboxService);
    await expect(
      t.app.get(Database).withTenant(tenantId, (tx) =>
        outbox.add(tx, {
          tenantId,
          to: 'x@example.org',
          template: 'password-reset',
          data: { displayName: 'Alex' },
          dedupeKey: 'k1',
        }),
      ),
    ).rejects.toThrow('outbox: password-reset needs data.resetUrl');
  });

  it('forgets an address: no row holds it afterwards, sent or not', async () => {
    const address = 'leaving@example.org';
    const sent = await mail.queue('meylan', { to: address });
    await eventually(async () => (await mail.row(sent)).status === 'sent', 'the first mail to be sent');
    await mail.queue('meylan', { to: 'LEAVING@example.org' }, { dispatch: false });
    const tenantId = await t.db.tenantId('meylan');
    await t.app
      .get(Database)
      .withTenant(tenantId, (tx) => t.app.get(OutboxService).forgetRecipient(tx, tenantId, address));
    const { rows } = await t.db.admin.query(
      `SELECT count(*)::int AS n FROM outbox_emails WHERE lower(recipient) = $1 OR data::text ILIKE '%leaving@%'`,
      [address],
    );
    expect(rows[0].n).toBe(0);
  });

  it('blanks the recipient of the farewell e-mail once it is sent', async () => {
    const id = await mail.queue('meylan', {
      to: 'gone@example.org',
      template: 'account-deleted',
      data: { displayName: 'Sam B.' },
    });
    const m = await sink.waitFor((x) => x.to.includes('gone@example.org'));
    expect(m.subject).toBe('Votre compte sur Entraidons-nous a été supprimé');
    const row = await eventually(async () => {
      const r = await mail.row(id);
      return r.status === 'sent' && r;
    }, 'the row to be marked sent');
    expect(row.recipient).toBe('');
  });

  it('renders every template in French with the data the callers pass', async () => {
    const cases: Array<Pick<OutgoingEmail, 'template' | 'data'> & { subject: string; link: string }> = [
      {
        template: 'password-reset',
        data: { displayName: 'Alex', resetUrl: 'http://meylan.localhost:3000/compte/mot-de-passe?token=r' },
        subject: 'Choisissez un nouveau mot de passe pour Entraidons-nous',
        link: '/compte/mot-de-passe',
      },
      {
        template: 'staff-invitation',
        data: {
          roleLabel: 'modérateur',
          scopeName: 'Meylan',
          acceptUrl: 'http://meylan.localhost:3000/compte/invitation?token=i',
        },
        subject: "Invitation à rejoindre l'équipe de Entraidons-nous",
        link: '/compte/invitation',
      },
      {
        template: 'conversation-message',
        data: {
          senderName: 'Dominique P.',
          listingTitle: 'Courses le samedi',
          excerpt: 'Bonjour, je peux vous aider <b>samedi</b>.',
          conversationUrl: 'http://meylan.localhost:3000/conversations/c1',
        },
        subject: 'Dominique P. vous a écrit au sujet de « Courses le samedi »',
        link: '/conversations/c1',
      },
    ];
    for (const c of cases) {
      const id = await mail.queue('meylan', { template: c.template, data: c.data });
      const to = await mail.recipient(id);
      const m = await sink.waitFor((x) => x.to.includes(to));
      expect(m.subject).toBe(c.subject);
      expect(linkIn(m, c.link)).toEqual(expect.stringContaining(c.link));
      expect(m.html).not.toMatch(/<img/i);
      if (c.template === 'staff-invitation') expect(m.text).toContain('devenir modérateur pour Meylan');
      // Neighbours' words are escaped in HTML, kept as written in text.
      if (c.template === 'conversation-message') {
        expect(m.html).toContain('&lt;b&gt;samedi&lt;/b&gt;');
        expect(m.text).toContain('<b>samedi</b>');
      }
    }
  });
});

describe('per-tenant template overrides', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'entraide-tenants-'));
    cpSync(join(__dirname, '..', 'tenants'), dir, { recursive: true });
    mkdirSync(join(dir, 'meylan', 'mail'), { recursive: true });
    writeFileSync(
      join(dir, 'meylan', 'mail', 'account-verification.subject.hbs'),
      'Bienvenue parmi les voisins de {{tenant.name}} !\n',
    );
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url, TENANTS_DIR: dir } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("changes the subject for that tenant only, keeping the default body and the others' subjects", async () => {
    const mail = mailHarness(t);
    const meylan = await mail.recipient(await mail.queue('meylan'));
    const grenoble = await mail.recipient(await mail.queue('grenoble'));
    const m = await sink.waitFor((x) => x.to.includes(meylan));
    const g = await sink.waitFor((x) => x.to.includes(grenoble));
    expect(m.subject).toBe('Bienvenue parmi les voisins de Meylan !');
    expect(m.text).toContain('confirmez votre adresse e-mail');
    expect(g.subject).toBe('Confirmez votre adresse e-mail sur Voisins Voisines');
  });
});

describe('development inbox', () => {
  it('catches every e-mail when SMTP_URL is unset, and shows it at /dev/mail', async () => {
    const t = await startTestApp({ env: { WORKERS: 'on' } });
    try {
      const mail = mailHarness(t);
      const id = await mail.queue('meylan', {
        to: 'inbox@example.org',
        data: { displayName: 'Lou <3', verifyUrl: 'http://meylan.localhost:3000/compte/verification?token=dev' },
      });
      await eventually(async () => (await mail.row(id)).status === 'sent', 'the mail to reach the development inbox');

      const list = await t.request({ url: '/dev/mail' });
      expect(list.status).toBe(200);
      expect(list.headers['content-type']).toMatch(/^text\/html/);
      expect(list.body).toContain('<html lang="fr">');
      expect(list.body).toContain('<main>');
      expect(list.body).toContain('<th scope="col">Objet</th>');
      expect(list.body).toContain('inbox@example.org');
      expect(list.body).toContain('Confirmez votre adresse e-mail sur Entraidons-nous');

      const href = /href="(\/dev\/mail\/[^"]+)"/.exec(list.body)![1];
      const page = await t.request({ url: href });
      expect(page.status).toBe(200);
      expect(page.body).toMatch(
        /<iframe title="Version HTML du message" sandbox srcdoc="[^"]*&lt;html lang=&quot;fr&quot;&gt;/,
      );
      expect(page.body).toContain('Bonjour Lou &lt;3,');
      expect(page.body).toContain('http://meylan.localhost:3000/compte/verification?token=dev');
      expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);

      expect((await t.request({ url: '/dev/mail/00000000-0000-0000-0000-000000000000' })).status).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('does not exist in production', async () => {
    const sink = await SmtpSink.start();
    const t = await startTestApp({ env: { NODE_ENV: 'production', WORKERS: 'on', SMTP_URL: sink.url } });
    try {
      expect((await t.request({ url: '/dev/mail' })).status).toBe(404);
      expect((await t.request({ url: '/dev/mail/x' })).status).toBe(404);
    } finally {
      await t.close();
      await sink.stop();
    }
  });
});
