import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestApp } from './test-app';
import { TranspiledApp } from './transpiled-app';
import { waitFor } from './wait-for';

const ROOT = join(__dirname, '..', '..');

/** A real `NASHRA_ROLE=worker` process (src/main.ts, transpiled: TranspiledApp), as deployed, on the test database. */
export class WorkerProcess {
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly varDir = mkdtempSync(join(tmpdir(), 'nashra-worker-'));

  /** `main`: the transpiled main.js to run with plain node (default: the run's shared one, TranspiledApp.shared). */
  constructor(t: TestApp, smtpUrl: string, env: Record<string, string>, options: { main?: string } = {}) {
    this.child = spawn(process.execPath, [options.main ?? TranspiledApp.shared().main], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        NASHRA_ROLE: 'worker',
        DATABASE_URL: t.database.url,
        SMTP_URL: smtpUrl,
        // Same secret and public address as the test app, so links in mail are ones it accepts.
        SECRET_KEY: 'test-secret-key-0123456789-0123456789-abcdef',
        EDITOR_TOKEN: 'test-editor-token-0123456789',
        PUBLIC_BASE_URL: t.baseUrl,
        MAIL_FROM: 'نشرة الحل نت <newsletter@nashra.test>',
        VAR_DIR: this.varDir,
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => this.output.push(...chunk.toString().split('\n').filter(Boolean));
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  started(): Promise<unknown> {
    return waitFor(
      async () => this.output.some((l) => l.includes('Delivery worker started')),
      (ok) => ok,
      60_000,
      'worker process start',
    );
  }

  /** How many messages the process reported sending when it stopped. */
  sentOnStop(): number {
    const line = this.output.find((l) => /Delivery worker stopped \(sent \d+ messages\)/.test(l));
    return line ? Number(/sent (\d+) messages/.exec(line)![1]) : -1;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  cleanup(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
    rmSync(this.varDir, { recursive: true, force: true });
  }
}
