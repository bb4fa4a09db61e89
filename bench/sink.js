// The bench's SMTP server, in a process of its own (a real mail server runs elsewhere, so the sender's numbers
// must not include the receiving side's CPU). Counts whole messages and discards them. IPC with the parent:
//   -> { port } once listening;  'reset' -> { reset: true };  'count' -> { received, connections, first, last }
//   'stop' -> exits. `first`/`last` are Date.now() of the first and last message of the current leg.
const { SMTPServer } = require('smtp-server');

let received = 0;
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
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
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
    process.send({ received, connections, first, last });
  } else if (m === 'reset') {
    received = 0;
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
