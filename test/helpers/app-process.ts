import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, TranspiledApp } from './transpiled-app';

export { PROJECT_ROOT };

/**
 * The real `src/main.ts` in its own Node process, transpiled as ts-node's transpile-only mode would (once per
 * test run, shared: TranspiledApp.shared), run with plain node as `npm start` runs the built app. Used to prove what only a whole process can show: exit codes, signals, restarts
 * after SIGKILL, what is written to stdout.
 */
export class AppProcess {
  private output = '';
  private readonly exitPromise: Promise<number | null>;
  private listeners: Array<() => void> = [];
  exitCode: number | null | undefined;

  private constructor(readonly child: ChildProcess) {
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
      this.listeners.forEach((l) => l());
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    this.exitPromise = new Promise((resolve) => {
      child.on('exit', (code) => {
        this.exitCode = code;
        this.listeners.forEach((l) => l());
        resolve(code);
      });
    });
  }

  /**
   * Starts the app with exactly `env` plus PATH/HOME (never the test run's DATABASE_URL unless passed).
   */
  static start(env: Record<string, string | undefined>): AppProcess {
    const child = spawn(process.execPath, [TranspiledApp.shared().main], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'development', ...env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new AppProcess(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get log(): string {
    return this.output;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs = 90_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${pattern} in:\n${this.output.slice(-3000)}`));
      }, timeoutMs);
      const check = () => {
        const match = pattern.exec(this.output);
        if (match) {
          done();
          resolve(match);
        } else if (!this.running) {
          done();
          reject(new Error(`process exited (${this.exitCode}) before ${pattern}:\n${this.output.slice(-3000)}`));
        }
      };
      const done = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
      };
      this.listeners.push(check);
      check();
    });
  }

  /** The process's exit code (null when a signal ended it). */
  async exited(timeoutMs = 60_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`process ${this.pid} did not exit:\n${this.output.slice(-3000)}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exitPromise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the process if it still runs (SIGKILL): for afterAll. */
  async kill(): Promise<void> {
    if (this.running) {
      this.child.kill('SIGKILL');
      await this.exitPromise;
    }
  }
}

/** A temporary VAR_DIR the embedded server's own user (postgres, when running as root) can enter. */
export function temporaryVarDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nashra-process-'));
  chmodSync(dir, 0o777);
  return dir;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
