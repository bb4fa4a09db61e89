// The two comparison legs of `npm run bench`, each in a process of its own so its CPU and RSS are measured as
// the worker's are. Usage: node bench/legs.js <naive|ceiling> <edition.json> <smtp port> <N> <pool size>
//   naive:   nodemailer composes every message from the edition's HTML and text (links substituted per reader);
//   ceiling: one finished message (the same bytes every time) through the same pool: no database, no per-reader
//            work, what the transport alone can do.
// Both keep pool × 2 messages in flight, as the worker's DeliveryBatch does. Prints one JSON line at the end.
const { readFileSync } = require('node:fs');
const nodemailer = require('nodemailer');
const MailComposer = require('nodemailer/lib/mail-composer');

const [mode, editionFile, port, nArg, poolArg] = process.argv.slice(2);
const N = Number(nArg);
const POOL = Number(poolArg);
const edition = JSON.parse(readFileSync(editionFile, 'utf8'));
const PLACEHOLDERS = ['NASHRA-UNSUBSCRIBE-URL-PLACEHOLDER', 'NASHRA-PREFERENCES-URL-PLACEHOLDER'];

function reader(i) {
  const token = `${i}.AbCdEfGhIjKlMnOpQrStUv`;
  return {
    to: `reader${i}@example.org`,
    messageId: `<bench-${i}@nashra.example>`,
    unsubscribeUrl: `https://nashra.example.net/subscriptions/unsubscribe?token=${token}`,
    preferencesUrl: `https://nashra.example.net/subscriptions/preferences?token=${token}`,
  };
}

function personalise(s, r) {
  return s.replaceAll(PLACEHOLDERS[0], r.unsubscribeUrl).replaceAll(PLACEHOLDERS[1], r.preferencesUrl);
}

function mailOf(r) {
  return {
    from: edition.from,
    to: r.to,
    subject: edition.subject,
    html: personalise(edition.html, r),
    text: personalise(edition.text, r),
    messageId: r.messageId,
    list: { unsubscribe: r.unsubscribeUrl, id: 'nashra.nashra.example' },
    headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    textEncoding: 'quoted-printable',
  };
}

async function main() {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: Number(port),
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: POOL,
    maxMessages: Infinity,
  });
  let send;
  if (mode === 'naive') {
    send = (i) => transport.sendMail(mailOf(reader(i)));
  } else if (mode === 'ceiling') {
    const raw = await new MailComposer(mailOf(reader(0))).compile().build();
    const envelope = { from: 'newsletter@nashra.example', to: ['reader0@example.org'] };
    send = () => transport.sendMail({ envelope, raw });
  } else {
    throw new Error(`unknown leg ${mode}`);
  }
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: POOL * 2 }, async () => {
      while (next < N) {
        next++;
        await send(next - 1).catch(() => failed++);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  transport.close();
  process.stdout.write(
    JSON.stringify({
      mode,
      n: N,
      failed,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
    }) + '\n',
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
