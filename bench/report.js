// Prints the bench's table and writes it into bench/RESULTS.md between markers (one block per mode), leaving
// the rest of the file (the hand-written analysis) as it is.
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const ledger = require('./ledger');

const f = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function claimLine(label, plan, times) {
  if (!plan) return [];
  const how = ledger.claimScan(plan);
  const spread = times ? `, median of ${times.length}: ${times.map((t) => f(t, 1)).join(' / ')}` : '';
  return [`| claim of 200 rows, ${label} | ${f(ledger.executionMs(plan), 2)} ms (${how}${spread}) |`];
}

function render(r) {
  const { opts, machine } = r;
  const legs = ['large', 'nashra', 'dkim', 'twoWorkers', 'naive', 'ceiling'].filter((k) => r[k]);
  const legName = {
    nashra: 'nashra (DKIM off)',
    dkim: 'nashra, DKIM on (RSA-2048)',
    twoWorkers: 'nashra, two workers',
    large: `nashra, every message, DKIM ${r.large?.dkim ? 'on (RSA-2048)' : 'off'}`,
  };
  const lines = [
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: \`npm run bench -- ${process.argv.slice(2).join(' ')}\``.trimEnd(),
    '',
    `${machine.cpu}; Node ${machine.node}; PostgreSQL ${machine.postgres}; load average (1/5/15 min) ` +
      `${machine.load} before, ${machine.loadAfter} after; pool of ${opts.pool}; edition ${f(r.editionKiB)} KiB HTML; ` +
      `${opts.readers} readers${opts.large && !opts.full ? `, ${Math.min(opts.sample, opts.readers)} sent` : ''}` +
      `${opts.workerHeap ? `; worker under --max-old-space-size=${opts.workerHeap}` : ''}.`,
    '',
    '| leg | messages | msg/s | CPU s | peak RSS MiB | PostgreSQL CPU s |',
    '|---|---|---|---|---|---|',
    ...legs.map((k) => {
      const l = r[k];
      const pg = ['large', 'nashra', 'dkim', 'twoWorkers'].includes(k) ? f(l.pgCpuSeconds, 1) : '–';
      return `| ${legName[k] ?? k} | ${l.received} | ${f(l.rate)} | ${f(l.cpuSeconds, 1)} | ${f(l.peakMiB)} | ${pg} |`;
    }),
    '',
    '| measure | value |',
    '|---|---|',
  ];
  if (r.large) {
    const l = r.large;
    lines.push(
      `| every message sent, from the worker's start | ${f(l.wallSeconds)} s (${f(l.wallSeconds / 60, 1)} min; target ≤ 15 min) |`,
      `| first to last message at the sink | ${f(l.seconds)} s, ${f(l.rate)} msg/s |`,
      `| worker peak RSS (VmHWM) | ${f(l.peakMiB)} MiB (limit 256) |`,
    );
    if (l.distinct !== undefined)
      lines.push(
        `| each reader exactly once: sink | ${l.received} messages to ${l.distinct} distinct readers, ${l.duplicates} duplicates |`,
      );
    if (l.ledger)
      lines.push(
        `| each reader exactly once: ledger | ${l.ledger.rows} rows, ${l.ledger.readers} distinct readers, ${l.ledger.sent} sent, kept count ${l.ledger.kept_sent}, ${l.ledger.active} active readers |`,
      );
  }
  for (const k of ['large', 'dkim'])
    if (r[k]?.verified)
      lines.push(
        `| DKIM signatures verified with mailauth (${k === 'large' ? 'first' : 'DKIM leg'} messages kept by the sink) | ${r[k].verified.passed} of ${r[k].verified.checked} pass |`,
      );
  if (r.dkim) lines.push(`| DKIM on ÷ DKIM off (msg/s; target ≥ 0.85) | ${f(r.dkim.rate / r.nashra.rate, 2)} |`);
  if (r.smtpSource) {
    const ours = r.nashra ?? r.large;
    lines.push(
      `| Postfix smtp-source into the same smtp-sink (${r.smtpSource.received} messages of ${r.smtpSource.bytes} bytes, ${opts.pool} connections kept open) | ${f(r.smtpSource.rate)} msg/s |`,
      `| nashra ÷ smtp-source (msg/s; target ≥ 0.5) | ${f(ours.rate / r.smtpSource.rate, 2)} |`,
    );
    if (r.dkim) lines.push(`| nashra DKIM on ÷ smtp-source (msg/s) | ${f(r.dkim.rate / r.smtpSource.rate, 2)} |`);
  }
  if (r.naive) lines.push(`| nashra ÷ naive (msg/s) | ${f(r.nashra.rate / r.naive.rate, 2)} |`);
  if (r.ceiling) lines.push(`| nashra ÷ ceiling (msg/s) | ${f(r.nashra.rate / r.ceiling.rate, 2)} |`);
  if (r.twoWorkers) lines.push(`| two workers ÷ one (msg/s) | ${f(r.twoWorkers.rate / r.nashra.rate, 2)} |`);
  if (r.nashra?.peakAt10kMiB)
    lines.push(
      `| worker peak RSS when 10000 were sent / at the end | ${f(r.nashra.peakAt10kMiB)} / ${f(r.nashra.peakMiB)} MiB (× ${f(r.nashra.peakMiB / r.nashra.peakAt10kMiB, 2)}) |`,
    );
  lines.push(`| readers inserted (one INSERT … SELECT) | ${f(r.readersInsertSeconds, 1)} s |`);
  if (r.queueSeconds !== undefined)
    lines.push(`| edition created and audience queued (POST /admin/digests) | ${f(r.queueSeconds, 1)} s |`);
  lines.push(
    ...claimLine(`${opts.readers} pending`, r.claimAtN, r.claimAtNTimes),
    ...claimLine('10000 pending', r.claimAt10k, r.claimAt10kTimes),
  );
  if (r.writeBack) lines.push(`| write-back of 200 rows | ${f(ledger.executionMs(r.writeBack), 2)} ms |`);
  if (r.burst) {
    const b = r.burst;
    lines.push(
      `| GET /health, 50 connections, ${b.seconds} s | ${f(b.health.rps)} req/s, p99 ${b.health.p99} ms |`,
      `| signup burst, 50 connections, ${b.seconds} s | ${f(b.signup.rps)} req/s, p99 ${b.signup.p99} ms, ${b.signup.non2xx} non-2xx |`,
      `| signup req/s ÷ health req/s | ${f(b.ratio, 2)} |`,
    );
  }
  if (r.failures.length) lines.push('', `**Failed:** ${r.failures.join('; ')}`);
  const plans = [
    [`claim at ${opts.readers} pending (median run)`, r.claimAtN],
    ['claim at 10000 pending (median run)', r.claimAt10k],
    [
      "write-back of 200 rows (in the claim's transaction, so the FK triggers fire: real write-backs skip them)",
      r.writeBack,
    ],
  ].filter(([, p]) => p);
  lines.push('', '<details><summary>EXPLAIN (ANALYZE, BUFFERS)</summary>', '');
  for (const [label, plan] of plans) lines.push(`${label}:`, '', '```', plan, '```', '');
  lines.push('</details>');
  return lines.join('\n');
}

/**
 * Writes `block` into `file` between `<!-- bench:key -->` markers, replacing what an earlier run wrote there,
 * or appends it under `heading` the first time; the rest of the file (the hand-written analysis) stays.
 */
function writeSection(file, key, heading, block) {
  const start = `<!-- bench:${key} -->`;
  const end = `<!-- /bench:${key} -->`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# nashra benchmark results\n';
  const section = `${start}\n${block}\n${end}`;
  text = text.includes(start)
    ? text.slice(0, text.indexOf(start)) + section + text.slice(text.indexOf(end) + end.length)
    : `${text.trimEnd()}\n\n## ${heading}\n\n${section}\n`;
  writeFileSync(file, text);
}

function printAndWrite(results, file) {
  const block = render(results);
  console.log(`\n${block}\n`);
  // A run below 100,000 readers is a quick one (a shared machine's): it keeps its own section.
  const size = results.opts.large ? 'large' : results.opts.readers < 100_000 ? 'small' : 'default';
  const mode = results.opts.sink === 'postfix' ? `${size}-postfix` : size;
  const heading = {
    large: '`--large`',
    small: 'Small run (`--readers` below 100,000)',
    default: 'Default run',
  }[size].concat(results.opts.sink === 'postfix' ? ', into Postfix smtp-sink (`--sink postfix`)' : '');
  writeSection(file, mode, heading, block);
}

module.exports = { printAndWrite, writeSection };
