// The benchmark's SMTP server, in a worker thread of its own: a real mail server runs elsewhere, so the
// sender's numbers should not include the receiving side's CPU.
const { parentPort } = require('node:worker_threads');
const { SMTPServer } = require('smtp-server');

let received = 0;
let connections = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  size: 50 * 1024 * 1024,
  maxClients: 100,
  onConnect(_session, callback) {
    connections++;
    callback();
  },
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'count') {
    parentPort.postMessage({ received, connections });
  } else if (m === 'stop') {
    server.close(() => process.exit(0));
  }
});
