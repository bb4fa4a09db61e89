/**
 * src/main.ts, started on a signal: compiles and loads every module main.ts needs (ts-node's cost, seconds
 * on a busy machine), says `standby ready`, and runs main.ts when a line arrives on stdin. So a test that kills
 * and restarts a worker many times (test/delivery/kill-repeats.e2e-spec.ts) prepares the next process while
 * the current one sends, and a restart costs only the app's own start.
 */
import '../../src/app.module';
import '../../src/app.setup';
import '../../src/common/logging';
import '../../src/common/start-up';

process.stdout.write('standby ready\n');
process.stdin.once('data', () => {
  process.stdin.destroy();
  require('../../src/main');
});
