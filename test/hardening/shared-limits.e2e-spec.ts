import { rmSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import request from 'supertest';
import { freePort } from '../../src/database/embedded-postgres';
import { TransactionalOutbox } from '../../src/delivery/transactional-outbox';
import { SubscriptionsService } from '../../src/subscribers/subscriptions.service';
import { AppProcess, temporaryVarDir } from '../helpers/app-process';
import { FakeClock } from '../helpers/fake-clock';
import { SmtpSink } from '../helpers/smtp-sink';
import { createTestDatabase, TestDatabase } from '../helpers/test-database';
import { startTestApp, TestApp } from '../helpers/test-app';
import { ARABIC, settle } from '../readers/reader-steps';

/** Waits, if needed, so a burst of a few seconds stays inside one per-minute window. */
async function startOfAMinuteWindow(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 45_000) {
    await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 200));
  }
}

describe('Hardening: signup limits shared by every process', () => {
  describe('two real web processes on one database', () => {
    let db: TestDatabase;
    const processes: AppProcess[] = [];
    const ports: number[] = [];
    const varDirs: string[] = [];

    beforeAll(async () => {
      db = await createTestDatabase();
      for (let i = 0; i < 2; i++) {
        const port = await freePort();
        ports.push(port);
        varDirs.push(temporaryVarDir());
        processes.push(
          AppProcess.start({
            PORT: String(port),
            VAR_DIR: varDirs[i],
            DATABASE_URL: db.url,
            NASHRA_ROLE: 'web',
            SIGNUP_RATE_LIMIT_PER_MINUTE: '5',
            LOG_LEVEL: 'info',
          }),
        );
      }
      await Promise.all(processes.map((p) => p.waitFor(/listening on/)));
    });
    afterAll(async () => {
      await Promise.all(processes.map((p) => p.kill()));
      await db?.drop();
      varDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
    });

    it('accept together exactly the configured limit per minute, whatever X-Forwarded-For claims', async () => {
      await startOfAMinuteWindow();
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await fetch(`http://127.0.0.1:${ports[i % 2]}/subscriptions`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Accept: 'application/json',
            // Without TRUST_PROXY a client cannot pose as someone else to get a fresh allowance.
            'X-Forwarded-For': `10.0.${i}.7`,
          },
          body: JSON.stringify({ email: `burst-${i}@example.com` }),
        });
        statuses.push(res.status);
        if (res.status === 429) {
          expect(((await res.json()) as { message: string }).message).toMatch(ARABIC);
        }
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(7);
      expect(await countSubscribers(db.url)).toBe(5);
    });
  });

  describe('one app', () => {
    let t: TestApp;
    let sink: SmtpSink;
    const clock = new FakeClock(new Date('2026-11-24T04:00:00Z'));

    beforeAll(async () => {
      sink = await SmtpSink.start();
      t = await startTestApp({ clock, env: { SMTP_URL: sink.url, SIGNUP_RATE_LIMIT_PER_MINUTE: '3' } });
    });
    afterAll(async () => {
      await t?.close();
      await sink?.stop();
    });

    let octet = 0;
    const signup = (email: string, ip = `203.0.113.${++octet}`) =>
      request(t.baseUrl)
        .post('/subscriptions')
        .set('X-Forwarded-For', ip)
        .set('Accept', 'application/json')
        .send({ email });

    it('believes X-Forwarded-For only from TRUST_PROXY (here: loopback, as the test plays the proxy)', async () => {
      const ip = '198.51.100.77';
      for (let i = 0; i < 3; i++) {
        await signup(`proxy-${i}@example.com`, ip).expect(200);
      }
      await signup('proxy-3@example.com', ip).expect(429);
      await signup('proxy-4@example.com', '198.51.100.78').expect(200);
      clock.advance(60_000);
      await signup('proxy-5@example.com', ip).expect(200);
    });

    it('takes at most 3 signups per target address per hour, from any number of client addresses', async () => {
      for (let i = 0; i < 3; i++) {
        await signup('target@example.com').expect(200);
      }
      const refused = await signup('TARGET@example.com').expect(429);
      expect(refused.body.message).toMatch(ARABIC);
      await signup('someone-else@example.com').expect(200);
      clock.advance(60 * 60_000);
      await signup('target@example.com').expect(200);
      // Old windows are pruned: nothing older than two hours stays.
      clock.advance(3 * 60 * 60_000);
      await signup('late@example.com').expect(200);
      await settle(200);
      const [{ oldest }] = (await t.dataSource.query(
        'SELECT min(window_start) AS oldest FROM signup_rate_limits',
      )) as Array<{ oldest: Date }>;
      expect(clock.now().getTime() - oldest.getTime()).toBeLessThanOrEqual(2 * 60 * 60_000);
    });

    it('mails a reader who unsubscribed and signs up again within 10 minutes', async () => {
      sink.clear();
      await signup('back@example.com').expect(200);
      await t.get(TransactionalOutbox).idle();
      await sink.waitForMessages(1);
      await t.dataSource.query(`UPDATE subscribers SET status = 'active' WHERE email = 'back@example.com'`);
      const [{ id }] = (await t.dataSource.query(`SELECT id FROM subscribers WHERE email = 'back@example.com'`)) as [
        { id: string },
      ];
      await t.get(SubscriptionsService).unsubscribe(id);
      clock.advance(2 * 60_000);
      await signup('back@example.com').expect(200);
      await t.get(TransactionalOutbox).idle();
      await sink.waitForMessages(2);
      expect(sink.to('back@example.com')).toHaveLength(2);
    });

    it('logs a 413 on an admin route at warn, not error', async () => {
      const error = jest.spyOn(Logger.prototype, 'error');
      try {
        const res = await request(t.baseUrl)
          .post('/admin/articles')
          .set('Authorization', t.editorAuth)
          .type('json')
          .send(JSON.stringify({ url: 'https://www.example.net/big', title: 'x'.repeat(3 * 1024 * 1024) }));
        expect(res.status).toBe(413);
        expect(error).not.toHaveBeenCalled();
      } finally {
        error.mockRestore();
      }
    });
  });
});

async function countSubscribers(url: string): Promise<number> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM subscribers');
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}
