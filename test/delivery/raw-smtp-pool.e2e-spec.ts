import { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerAddress } from 'smtp-server';
import { RawSmtpPool } from '../../src/delivery/raw-smtp-pool';
import { classifySendError } from '../../src/delivery/send-outcome';
import { waitFor } from '../helpers/wait-for';

interface Received {
  to: string[];
  raw: Buffer;
}

/** A real SMTP server that records what it gets, how many connections it saw, and can drop idle ones. */
async function startServer(socketTimeout: number) {
  const received: Received[] = [];
  const state = { opened: 0, closed: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    socketTimeout,
    onConnect(_session, callback) {
      state.opened++;
      callback();
    },
    onClose() {
      state.closed++;
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      if (address.address.startsWith('gone')) {
        const err = new Error('no such user') as Error & { responseCode: number };
        err.responseCode = 550;
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { server, port, received, state, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

const message = (to: string, body = `نشرة اليوم\r\n.a line that starts with a dot\r\n.\r\nend\r\n`) =>
  Buffer.from(
    `From: <news@nashra.test>\r\nTo: <${to}>\r\nSubject: t\r\nMIME-Version: 1.0\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}`,
    'utf8',
  );

describe('RawSmtpPool: prebuilt bytes straight to pooled SMTP connections', () => {
  it('delivers the exact bytes (dot lines included) and reuses its connections', async () => {
    const smtp = await startServer(60_000);
    const pool = new RawSmtpPool({ host: '127.0.0.1', port: smtp.port, ignoreTLS: true }, 2);
    try {
      const addresses = Array.from({ length: 12 }, (_, i) => `reader${i}@example.org`);
      await Promise.all(
        addresses.map((to) => pool.send({ from: 'news@nashra.test', to, use8BitMime: true }, message(to))),
      );
      expect(smtp.received.map((r) => r.to[0]).sort()).toEqual([...addresses].sort());
      for (const r of smtp.received) {
        expect(r.raw.equals(message(r.to[0]))).toBe(true);
      }
      expect(smtp.state.opened).toBeLessThanOrEqual(2);
      // Lines that start with a dot get their extra dot from the pool; the server takes it off again.
      expect(pool.written).toEqual({ asIs: 0, dotsAdded: 12, byNodemailer: 0 });
    } finally {
      pool.close();
      await smtp.stop();
    }
  });

  it('a message in wire form (CRLF only, no line starting with a dot) goes as it is and arrives byte for byte', async () => {
    const smtp = await startServer(60_000);
    const pool = new RawSmtpPool({ host: '127.0.0.1', port: smtp.port, ignoreTLS: true }, 2);
    const wire = (to: string) =>
      message(to, `نشرة اليوم: «Save the Children» 2.4 مليون. a dot inside a line.\r\n`.repeat(2000));
    try {
      const addresses = Array.from({ length: 8 }, (_, i) => `wire${i}@example.org`);
      await Promise.all(
        addresses.map((to) => pool.send({ from: 'news@nashra.test', to, use8BitMime: true }, wire(to))),
      );
      expect(smtp.received).toHaveLength(8);
      for (const r of smtp.received) {
        expect(r.raw.equals(wire(r.to[0]))).toBe(true);
      }
      expect(pool.written).toEqual({ asIs: 8, dotsAdded: 0, byNodemailer: 0 });
    } finally {
      pool.close();
      await smtp.stop();
    }
  });

  it('a message with a bare line feed or carriage return is still made CRLF on the wire', async () => {
    const smtp = await startServer(60_000);
    const pool = new RawSmtpPool({ host: '127.0.0.1', port: smtp.port, ignoreTLS: true }, 1);
    const head = 'From: <news@nashra.test>\r\nTo: <r@example.org>\r\nSubject: t\r\n\r\n';
    try {
      await pool.send(
        { from: 'news@nashra.test', to: 'r@example.org', use8BitMime: true },
        Buffer.from(`${head}one\ntwo\rthree\r\n`),
      );
      expect(smtp.received[0].raw.toString()).toBe(`${head}one\r\ntwo\r\nthree\r\n`);
      expect(pool.written).toEqual({ asIs: 0, dotsAdded: 0, byNodemailer: 1 });
    } finally {
      pool.close();
      await smtp.stop();
    }
  });

  it('a refused recipient fails that message only, with the server answer, and the connection goes on', async () => {
    const smtp = await startServer(60_000);
    const pool = new RawSmtpPool({ host: '127.0.0.1', port: smtp.port, ignoreTLS: true }, 1);
    try {
      const refused = pool.send({ from: 'news@nashra.test', to: 'gone@example.org', use8BitMime: true }, message('x'));
      await expect(refused).rejects.toMatchObject({ responseCode: 550, command: 'RCPT TO' });
      await pool.send(
        { from: 'news@nashra.test', to: 'here@example.org', use8BitMime: true },
        message('here@example.org'),
      );
      expect(smtp.received.map((r) => r.to[0])).toEqual(['here@example.org']);
      expect(smtp.state.opened).toBe(1);
    } finally {
      pool.close();
      await smtp.stop();
    }
  });

  it('a connection the server closed while idle is replaced, and the next message still goes', async () => {
    const smtp = await startServer(500);
    const pool = new RawSmtpPool({ host: '127.0.0.1', port: smtp.port, ignoreTLS: true }, 1);
    try {
      await pool.send(
        { from: 'news@nashra.test', to: 'first@example.org', use8BitMime: true },
        message('first@example.org'),
      );
      await waitFor(
        async () => smtp.state.closed,
        (n) => n >= 1,
        15_000,
        'the server to drop the idle connection',
      );
      await pool.send(
        { from: 'news@nashra.test', to: 'second@example.org', use8BitMime: true },
        message('second@example.org'),
      );
      expect(smtp.received.map((r) => r.to[0])).toEqual(['first@example.org', 'second@example.org']);
      expect(smtp.state.opened).toBe(2);
    } finally {
      pool.close();
      await smtp.stop();
    }
  });

  it('an unreachable server rejects with the connection error SendOutcome treats as an outage', async () => {
    const smtp = await startServer(60_000);
    const { port } = smtp;
    await smtp.stop();
    const pool = new RawSmtpPool({ host: '127.0.0.1', port, ignoreTLS: true, connectionTimeout: 5_000 }, 1);
    try {
      const err: unknown = await pool
        .send({ from: 'news@nashra.test', to: 'a@example.org', use8BitMime: true }, message('a@example.org'))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeDefined();
      expect(classifySendError(err).kind).toBe('unreachable');
    } finally {
      pool.close();
    }
  });
});
