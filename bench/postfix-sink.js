// Postfix's smtp-sink (C) as the bench's SMTP server, and Postfix's smtp-source (C) as the yardstick sender:
// `npm run bench -- --sink postfix`. The Node sink (bench/sink.js) parses every message in JavaScript and takes
// about a core at 600 msg/s, CPU the sender on a 2-core machine then lacks; smtp-sink takes a few percent. It
// cannot tell readers apart, so the legs sent into it are counted (its -c counter) but not checked per reader, and
// keep no samples for mailauth (the Node-sink run does both).
// Debian: `apt-get install postfix` (with a policy-rc.d that answers 101, so the package starts nothing).
const { spawn, execFile } = require('node:child_process');
const { existsSync } = require('node:fs');
const { connect } = require('node:net');
const { freePort } = require('./free-port');

const SMTP_SINK = '/usr/sbin/smtp-sink';
const SMTP_SOURCE = '/usr/sbin/smtp-source';

function postfixTools() {
  if (!existsSync(SMTP_SINK) || !existsSync(SMTP_SOURCE)) {
    throw new Error(
      "--sink postfix needs Postfix's smtp-sink and smtp-source: printf '#!/bin/sh\\nexit 101\\n' > " +
        '/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && apt-get install -y postfix && rm /usr/sbin/policy-rc.d',
    );
  }
}

/**
 * smtp-sink on a free port with the Node sink's interface (count, reset, ask, stop). `-c` prints a running
 * `mesg=N` counter; `reset` takes the current number as the leg's zero. 8BITMIME and PIPELINING are announced (its
 * defaults), so nashra sends 8bit bodies as it would to a real relay.
 */
async function startPostfixSink() {
  postfixTools();
  const port = await freePort();
  // -u: the user to run as when started as root; 1024: the listen backlog.
  const child = spawn(SMTP_SINK, ['-c', '-u', 'nobody', `127.0.0.1:${port}`, '1024'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let total = 0;
  let base = 0;
  let first = 0;
  let last = 0;
  let tail = '';
  child.stdout.setEncoding('latin1');
  child.stdout.on('data', (chunk) => {
    // Only the last counter in the chunk matters; its line is rewritten with \r.
    const text = tail + chunk;
    const at = text.lastIndexOf('mesg=');
    if (at >= 0) {
      const match = /^mesg=(\d+)/.exec(text.slice(at));
      const n = match ? Number(match[1]) : total;
      if (n > total) {
        last = Date.now();
        if (total === base) first = last;
        total = n;
      }
    }
    tail = text.slice(-32);
  });
  await new Promise((resolve, reject) => {
    const deadline = Date.now() + 5000;
    const probe = () =>
      connect(port, '127.0.0.1')
        .on('connect', function () {
          this.destroy();
          resolve();
        })
        .on('error', () =>
          Date.now() > deadline ? reject(new Error('smtp-sink did not start')) : setTimeout(probe, 50),
        );
    probe();
  });
  const counts = () => ({
    received: total - base,
    other: 0,
    first,
    last,
    distinct: undefined,
    duplicates: undefined,
  });
  return {
    port,
    pid: child.pid,
    kind: 'postfix',
    count: async () => counts(),
    reset: async () => {
      base = total;
      first = 0;
      last = 0;
      return { reset: true };
    },
    ask: async (message) => (message === 'samples' ? { samples: [] } : { keep: 0 }),
    stop: () => child.kill('SIGTERM'),
  };
}

/**
 * smtp-source sending `n` messages of `bytes` bytes over `sessions` connections kept open (-d), to the sink's
 * port: what a C sender on this machine does into the same server. Returns its wall seconds and msg/s.
 */
function runSmtpSource(port, n, bytes, sessions) {
  postfixTools();
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) =>
    execFile(
      SMTP_SOURCE,
      [
        '-d',
        '-s',
        String(sessions),
        '-m',
        String(n),
        '-l',
        String(bytes),
        '-f',
        'newsletter@nashra.example',
        '-t',
        'reader0@example.org',
        `127.0.0.1:${port}`,
      ],
      (err) => {
        if (err) return reject(err);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        resolve({ seconds, rate: n / seconds });
      },
    ),
  );
}

module.exports = { startPostfixSink, runSmtpSource };
