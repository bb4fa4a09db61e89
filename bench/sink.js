// The bench's SMTP server, in a process of its own (a real mail server runs elsewhere, so the sender's numbers
// must not include the receiving side's CPU). Counts whole messages and discards them. IPC with the parent:
//   -> { port } once listening;  'reset' -> { reset: true };  'count' -> { received, other, connections, first, last }
//   'stop' -> exits. `first`/`last` are Date.now() of the first and last message of the current leg.
// `received` counts messages to the bench's readers (reader<N>@example.org) only; `other` counts the rest (a
// signup burst's confirmation emails), so a leg's count is exactly its edition's, duplicates included.
const { SMTPServer } = require('smtp-server');

let received = 0;
let other = 0;
const READER = /^reader\d+@example\.org$/;
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
    stream.on('data', () => undefined);
    stream.on('end', () => {
      if (!session.envelope.rcptTo.every((r) => READER.test(r.address))) {
        other++;
        callback();
        return;
      }
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
    process.send({ received, other, connections, first, last });
  } else if (m === 'reset') {
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
