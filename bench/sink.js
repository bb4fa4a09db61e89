// The bench's SMTP server, in a process of its own (a real mail server runs elsewhere, so the sender's numbers
// must not include the receiving side's CPU). Counts whole messages and discards them. IPC with the parent:
//   -> { port } once listening;  'reset' -> { reset: true };  'count' -> { received, other, connections, first, last }
//   'stop' -> exits. `first`/`last` are Date.now() of the first and last message of the current leg.
// `received` counts messages to the bench's readers (reader<N>@example.org) only; `other` counts the rest (a
// signup burst's confirmation emails), so a leg's count is exactly its edition's, duplicates included.
// `distinct` and `duplicates` say whether every reader got exactly one (a bit per reader number, 125 KB a
// million). `{ keep: K }` keeps the raw bytes of the next K reader messages of the leg; 'samples' returns them
// (the bench verifies their DKIM signatures with mailauth).
const { SMTPServer } = require('smtp-server');

let received = 0;
let other = 0;
const READER = /^reader(\d+)@example\.org$/;
let seen = new Uint8Array(1 << 17);
let distinct = 0;
let duplicates = 0;
let keep = 0;
let samples = [];

function mark(n) {
  if (n >> 3 >= seen.length) {
    const grown = new Uint8Array(Math.max(seen.length * 2, (n >> 3) + 1));
    grown.set(seen);
    seen = grown;
  }
  const bit = 1 << (n & 7);
  if (seen[n >> 3] & bit) duplicates++;
  else {
    seen[n >> 3] |= bit;
    distinct++;
  }
}
let connections = 0;
let first = 0;
let last = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  size: 50 * 1024 * 1024,
  maxClients: 200,
  onConnect(_session, callback) {
    connections++;
    callback();
  },
  onData(stream, session, callback) {
    const chunks = keep > samples.length ? [] : undefined;
    stream.on('data', (c) => chunks?.push(c));
    stream.on('end', () => {
      if (!session.envelope.rcptTo.every((r) => READER.test(r.address))) {
        other++;
        callback();
        return;
      }
      for (const r of session.envelope.rcptTo) mark(Number(READER.exec(r.address)[1]));
      if (chunks && keep > samples.length) samples.push(Buffer.concat(chunks).toString('latin1'));
      received++;
      last = Date.now();
      if (received === 1) {
        first = last;
      }
      callback();
    });
  },
});
server.on('error', () => undefined);
server.listen(0, '127.0.0.1', () => process.send({ port: server.server.address().port }));
process.on('message', (m) => {
  if (m === 'count') {
    process.send({ received, other, connections, first, last, distinct, duplicates });
  } else if (m === 'samples') {
    process.send({ samples });
  } else if (m?.keep !== undefined) {
    keep = m.keep;
    samples = [];
    process.send({ keep });
  } else if (m === 'reset') {
    seen.fill(0);
    distinct = 0;
    duplicates = 0;
    keep = 0;
    samples = [];
    received = 0;
    other = 0;
    connections = 0;
    first = 0;
    last = 0;
    process.send({ reset: true });
  } else if (m === 'stop') {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  }
});
process.on('disconnect', () => process.exit(0));
