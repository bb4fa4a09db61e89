// What /proc says about a process: CPU seconds (utime + stime), peak and current RSS. Linux only.
const { readFileSync, readdirSync } = require('node:fs');
const os = require('node:os');

const TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process in seconds, or null when it is gone or unreadable. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return null;
  }
}

/** VmHWM (peak RSS) and VmRSS in MiB. */
function memory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key) => Number((new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status) || [])[1] || 0);
    return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
  } catch {
    return { peakMiB: NaN, rssMiB: NaN };
  }
}

/** CPU seconds summed over the given pids (each pid's value now minus its value in `before`, if present). */
function cpuDelta(pids, before = new Map()) {
  let total = 0;
  for (const pid of pids) {
    const now = cpuSeconds(pid);
    if (now !== null) {
      total += now - (before.get(pid) ?? 0);
    }
  }
  return total;
}

function snapshot(pids) {
  return new Map(pids.map((pid) => [pid, cpuSeconds(pid) ?? 0]));
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`,
    node: process.version,
    load: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / '),
  };
}

/** Pids of every process whose command name is `name` (e.g. all PostgreSQL backends). */
function pidsNamed(name) {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Resolves once the app at `base` answers /health; throws if `child` exits first or 3 minutes pass. */
async function waitForHealth(base, child, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('the web process did not start');
    await new Promise((r) => setTimeout(r, 500));
  }
}

module.exports = { cpuSeconds, memory, cpuDelta, snapshot, machine, pidsNamed, waitForHealth };
