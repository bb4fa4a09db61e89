#!/usr/bin/env node
// npm run bench [-- N]: throughput of the two ways to send one edition to N readers (default 5,000) through a
// real SMTP server (smtp-server in a worker thread, as a real server is elsewhere; messages counted and discarded):
//   prebuilt: the edition's MIME built once (PrebuiltMessage), per reader only substitution + sendRaw on a pool;
//   per-reader build: nodemailer composing every complete message (html/text encoding, headers) on the same pool.
// The edition is the fixture article (test/fixtures/article-ar.txt) ×10 (title, lead paragraphs up to ~1,000 characters, a link: what a digest
// shows of an article) compiled by MJML with the project's RTL email head; about 60 KiB of Arabic HTML.
require('ts-node').register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } });
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const nodemailer = require('nodemailer');
const { Worker } = require('node:worker_threads');
const { convert } = require('html-to-text');
const { PrebuiltMessage, mailDate } = require('../src/delivery/prebuilt-message');
const { READER_PLACEHOLDERS, personalise } = require('../src/common/reader-placeholders');

const N = Number(process.argv[2] || process.env.BENCH_MESSAGES || 5000);
const POOL = Number(process.env.SMTP_POOL_SIZE || 5);
const ROOT = join(__dirname, '..');

function fixtureArticle() {
  return readFileSync(join(ROOT, 'test', 'fixtures', 'article-ar.txt'), 'utf8');
}

async function renderEdition() {
  const mjml2html = require('mjml');
  const head = readFileSync(join(ROOT, 'templates/partials/email-head.mjml'), 'utf8')
    .replace('{{title}}', 'نشرة الحل نت اليومية')
    .replace(/\{\{#if preheader\}\}.*?\{\{\/if\}\}/s, '');
  const paragraphs = [];
  let length = 0;
  for (const p of fixtureArticle()
    .split('\n')
    .filter((l) => l.trim())) {
    if (length > 900) {
      break;
    }
    paragraphs.push(p.replace(/&/g, '&amp;').replace(/</g, '&lt;'));
    length += p.length;
  }
  const article = (i) => `
    <mj-section direction="rtl"><mj-column>
      <mj-text><h2>المقال ${i + 1}: أزمة المياه في الحسكة</h2></mj-text>
      ${paragraphs.map((p) => `<mj-text>${p}</mj-text>`).join('\n')}
      <mj-button href="https://www.example.net/article/${i + 1}">اقرأ المزيد</mj-button>
    </mj-column></mj-section>`;
  const mjml = `<mjml lang="ar" dir="rtl">${head}<mj-body>
    ${Array.from({ length: 10 }, (_, i) => article(i)).join('\n')}
    <mj-section direction="rtl"><mj-column><mj-text>
      <a href="${READER_PLACEHOLDERS.preferencesUrl}">تعديل التفضيلات</a> ·
      <a href="${READER_PLACEHOLDERS.unsubscribeUrl}">إلغاء الاشتراك</a>
    </mj-text></mj-column></mj-section></mj-body></mjml>`;
  const { html } = await mjml2html(mjml, { validationLevel: 'strict' });
  return {
    subject: 'نشرة الحل نت اليومية: أزمة المياه في الحسكة',
    html,
    text: convert(html, { wordwrap: 78 }),
  };
}

function startSink() {
  const worker = new Worker(join(__dirname, 'bench-sink.js'));
  const ask = () => new Promise((resolve) => worker.once('message', resolve) && worker.postMessage('count'));
  return new Promise((resolve) =>
    worker.once('message', ({ port }) => resolve({ port, counts: ask, stop: () => worker.postMessage('stop') })),
  );
}

function reader(i) {
  const token = `${i}.AbCdEfGhIjKlMnOpQrStUv`;
  return {
    to: `reader${i}@example.org`,
    messageId: `<${i}.1@nashra.example>`,
    date: mailDate(new Date()),
    unsubscribeUrl: `https://nashra.example.net/subscriptions/unsubscribe?token=${token}`,
    preferencesUrl: `https://nashra.example.net/subscriptions/preferences?token=${token}`,
  };
}

/** Sends N messages with at most `inFlight` outstanding, returns messages per second. */
async function run(label, sendOne, inFlight) {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < N) {
        await sendOne(next++);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = N / seconds;
  console.log(`${label.padEnd(20)} ${N} messages in ${seconds.toFixed(2)} s = ${rate.toFixed(0)} msg/s`);
  return rate;
}

async function main() {
  const edition = await renderEdition();
  console.log(
    `Edition: ${(Buffer.byteLength(edition.html) / 1024).toFixed(0)} KiB HTML, ${(Buffer.byteLength(edition.text) / 1024).toFixed(0)} KiB text; ` +
      `${N} readers, pool of ${POOL} SMTP connections, node ${process.version}`,
  );
  const sink = await startSink();
  const url = `smtp://127.0.0.1:${sink.port}`;
  const from = 'نشرة الحل نت <newsletter@nashra.example>';

  const prebuiltPool = nodemailer.createTransport({ url, pool: true, maxConnections: POOL, maxMessages: Infinity });
  const message = PrebuiltMessage.build({ from, ...edition, listId: 'نشرة الحل نت <nashra.nashra.example>' }, '8bit');
  const fast = await run(
    'prebuilt',
    (i) => {
      const r = reader(i);
      const envelope = { from: 'newsletter@nashra.example', to: r.to, use8BitMime: true };
      return prebuiltPool.sendMail({ envelope, raw: message.render(r) });
    },
    POOL * 2,
  );
  prebuiltPool.close();

  if (process.env.BENCH_ONLY === 'prebuilt') {
    console.log(`connections: ${(await sink.counts()).connections}`);
    sink.stop();
    return;
  }
  const slowPool = nodemailer.createTransport({ url, pool: true, maxConnections: POOL, maxMessages: Infinity });
  const slow = await run(
    'per-reader build',
    (i) => {
      const r = reader(i);
      return slowPool.sendMail({
        from,
        to: r.to,
        subject: edition.subject,
        html: personalise(edition.html, r),
        text: personalise(edition.text, r),
        messageId: r.messageId,
        list: { unsubscribe: r.unsubscribeUrl, id: 'nashra.nashra.example' },
        headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      });
    },
    POOL * 2,
  );
  slowPool.close();
  const { received, connections } = await sink.counts();
  console.log(
    `prebuilt is ${(fast / slow).toFixed(1)}× the per-reader build; the sink counted ${received} messages over ${connections} connections`,
  );
  sink.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
