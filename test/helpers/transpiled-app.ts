import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type * as TS from 'typescript';

export const PROJECT_ROOT = join(__dirname, '..', '..');

/**
 * src/ and migrations/ transpiled once, as ts-node's transpile-only mode does on every start (TypeScript's
 * transpileModule, the project's compiler options), into a folder of the project laid out like dist/ (so
 * templates and node_modules are found as from dist/). A test that starts the app many times pays for the
 * compile once: a worker process then loads in ~0.6 s of CPU instead of ~3.7 s. `dispose` removes the folder.
 */
export class TranspiledApp {
  private constructor(readonly dir: string) {}

  /**
   * One transpiled copy for the whole test run, shared by every suite and jest worker that starts the app as a
   * process (AppProcess, WorkerProcess): the first to ask builds it, the others reuse it, so each of the run's
   * ~30 process starts costs the app's own start (~0.6 s of CPU) instead of ts-node's compile (~3.7 s). Its
   * folder is named by the run (NASHRA_TEST_RUN_ID, from test/global-setup.js), and test/global-teardown.js
   * removes it.
   */
  static shared(): TranspiledApp {
    const runId = process.env.NASHRA_TEST_RUN_ID;
    if (!runId) {
      throw new Error('NASHRA_TEST_RUN_ID is not set: test/global-setup.js should have set it');
    }
    const dir = join(PROJECT_ROOT, `.transpiled-run-${runId}`);
    if (!existsSync(dir)) {
      // Built aside, then renamed into place (atomic): a worker racing this one either wins the rename or
      // finds the folder already there and drops its own copy.
      const built = TranspiledApp.build();
      try {
        renameSync(built.dir, dir);
      } catch (err) {
        built.dispose();
        if (!existsSync(dir)) {
          throw err;
        }
      }
    }
    return new TranspiledApp(dir);
  }

  static build(): TranspiledApp {
    // Loaded here, not on import: TypeScript is large, and most suites that start a process never build.
    const ts = require('typescript') as typeof TS;
    const config = ts.readConfigFile(join(PROJECT_ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path));
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, PROJECT_ROOT);
    const compilerOptions: TS.CompilerOptions = {
      ...options,
      sourceMap: false,
      incremental: false,
      tsBuildInfoFile: undefined,
      outDir: undefined,
    };
    const dir = mkdtempSync(join(PROJECT_ROOT, '.transpiled-'));
    for (const file of ['src', 'migrations'].flatMap((folder) => sources(join(PROJECT_ROOT, folder)))) {
      const out = join(dir, relative(PROJECT_ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(out), { recursive: true });
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
      writeFileSync(out, outputText);
    }
    return new TranspiledApp(dir);
  }

  /** The transpiled src/main.ts. */
  get main(): string {
    return join(this.dir, 'src', 'main.js');
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function sources(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      return sources(path);
    }
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')
      ? [path]
      : [];
  });
}
