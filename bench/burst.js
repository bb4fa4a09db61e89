// The signup burst: autocannon, 50 connections, every request a new address (POST /subscriptions as JSON), and
// before it GET /health on the same process for the same time, so the ratio says what a signup costs.
const autocannon = require('autocannon');

function cannon(options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

function summary(result) {
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** `hooks.beforeSignup` / `hooks.afterSignup`: awaited around the signup burst alone (CPU accounting). */
async function runBurst(base, seconds, log, hooks = {}) {
  const health = summary(await cannon({ url: `${base}/health`, connections: 50, duration: seconds }));
  log(`GET /health: ${health.rps.toFixed(0)} req/s, p99 ${health.p99} ms`);
  let n = 0;
  await hooks.beforeSignup?.();
  const signup = summary(
    await cannon({
      url: base,
      connections: 50,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: '/subscriptions',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({ email: `burst${process.pid}-${++n}@example.org` }),
          }),
        },
      ],
    }),
  );
  await hooks.afterSignup?.(signup);
  log(`POST /subscriptions: ${signup.rps.toFixed(0)} req/s, p99 ${signup.p99} ms, ${signup.non2xx} non-2xx`);
  return { seconds, health, signup, ratio: signup.rps / health.rps };
}

module.exports = { runBurst };
