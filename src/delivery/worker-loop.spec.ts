import { Logger } from '@nestjs/common';
import { WorkerLoop } from './worker-loop';

describe('WorkerLoop', () => {
  it('stops at once when stopped during a turn that then idles (no idle starts after stop)', async () => {
    let release!: () => void;
    const inTurn = new Promise<void>((resolve) => (release = resolve));
    let turns = 0;
    const loop: WorkerLoop = new WorkerLoop({
      name: 'test',
      logger: new Logger('test'),
      errorPauseMs: 60_000,
      onWork: () => () => undefined,
      cycle: async () => {
        turns++;
        await inTurn; // the turn is in flight when stop() comes
        await loop.idle(60_000); // nothing was due: a minute's idle
      },
    });
    loop.start();
    await new Promise((resolve) => setImmediate(resolve));
    const stopped = loop.stop();
    release();
    const outcome = await Promise.race([
      stopped.then(() => 'stopped'),
      new Promise((resolve) => setTimeout(() => resolve('still idling'), 2_000)),
    ]);
    expect(outcome).toBe('stopped');
    expect(turns).toBe(1);
  });
});
