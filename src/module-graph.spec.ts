import 'reflect-metadata';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamicModule, type ForwardReference, Module, type Type, forwardRef } from '@nestjs/common';
import { AppModule } from './app.module';
import { loadConfig } from './config/app-config';

type ModuleClass = Type<unknown>;
type ImportEntry = ModuleClass | DynamicModule | ForwardReference | Promise<DynamicModule> | undefined;

/** Stands for an import that was undefined when its @Module decorator ran (a circle of module files). */
class UNDEFINED_IMPORT {}

/** Where the application's feature modules live: every class a `src/**\/*.module.ts` file exports. */
function featureModules(dir = __dirname): Set<ModuleClass> {
  const found = new Set<ModuleClass>();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      featureModules(path).forEach((m) => found.add(m));
    } else if (name.endsWith('.module.ts')) {
      for (const value of Object.values(require(path) as Record<string, unknown>)) {
        // An empty @Module({}) (AppModule) stores no metadata at all: go by the name the layout gives modules.
        if (typeof value === 'function' && value.name.endsWith('Module')) {
          found.add(value as ModuleClass);
        }
      }
    }
  }
  return found;
}

/**
 * The module graph Nest builds, read from the `@Module` metadata: an edge for each import (static, dynamic or
 * `forwardRef`), from a module class to the module class it imports. An import that is undefined (two module
 * files importing each other: one sees the other before it is defined) is an edge to UNDEFINED_IMPORT.
 */
export function moduleGraph(root: ImportEntry): Map<ModuleClass, Set<ModuleClass>> {
  const graph = new Map<ModuleClass, Set<ModuleClass>>();
  const visit = (entry: ImportEntry): ModuleClass | undefined => {
    if (!entry) {
      return UNDEFINED_IMPORT;
    }
    if (entry instanceof Promise) {
      return undefined;
    }
    if ('forwardRef' in entry) {
      return visit(entry.forwardRef() as ImportEntry);
    }
    const isDynamic = 'module' in entry;
    const cls: ModuleClass = isDynamic ? entry.module : entry;
    const imports: ImportEntry[] = [
      ...((Reflect.getMetadata('imports', cls) as ImportEntry[] | undefined) ?? []),
      ...(isDynamic ? ((entry.imports ?? []) as ImportEntry[]) : []),
    ];
    const known = graph.has(cls);
    const edges = graph.get(cls) ?? new Set<ModuleClass>();
    graph.set(cls, edges);
    if (known && !isDynamic) {
      return cls;
    }
    for (const imported of imports) {
      const target = visit(imported);
      if (target && target !== cls) {
        edges.add(target);
      }
    }
    return cls;
  };
  visit(root);
  return graph;
}

/** The first import cycle among `within` (module names in import order, the first repeated last), or null. */
export function findCycle(graph: Map<ModuleClass, Set<ModuleClass>>, within?: Set<ModuleClass>): string[] | null {
  const state = new Map<ModuleClass, 'open' | 'done'>();
  const path: ModuleClass[] = [];
  const walk = (node: ModuleClass): ModuleClass[] | null => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (within && !within.has(next)) {
        continue;
      }
      if (state.get(next) === 'open') {
        return [...path.slice(path.indexOf(next)), next];
      }
      if (!state.has(next)) {
        const cycle = walk(next);
        if (cycle) {
          return cycle;
        }
      }
    }
    path.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    if ((!within || within.has(node)) && !state.has(node)) {
      const cycle = walk(node);
      if (cycle) {
        return cycle.map((m) => m.name);
      }
    }
  }
  return null;
}

describe('the module graph', () => {
  let varDir: string;
  let graph: Map<ModuleClass, Set<ModuleClass>>;
  const features = featureModules();

  beforeAll(() => {
    varDir = mkdtempSync(join(tmpdir(), 'nashra-module-graph-'));
    const config = loadConfig({ VAR_DIR: varDir, EDITOR_TOKEN: 'x'.repeat(24), LOG_LEVEL: 'error' });
    graph = moduleGraph(AppModule.forRoot({ config, databaseUrl: 'postgres://unused@127.0.0.1:1/none' }));
  });

  afterAll(() => rmSync(varDir, { recursive: true, force: true }));

  it('reaches every feature module from AppModule', () => {
    const unreached = [...features].filter((m) => m !== AppModule && !graph.has(m)).map((m) => m.name);
    expect(unreached).toEqual([]);
    expect(features.size).toBeGreaterThanOrEqual(10);
  });

  it('has no import cycle between feature modules (arrows point one way)', () => {
    expect(findCycle(graph, features)).toBeNull();
    const halfCircles = [...graph].filter(([, to]) => to.has(UNDEFINED_IMPORT)).map(([from]) => from.name);
    expect(halfCircles).toEqual([]);
  });

  it('keeps only config, common and auth global', () => {
    const global = [...features].filter((m) => Reflect.getMetadata('__module:global__', m) === true).map((m) => m.name);
    expect(global.sort()).toEqual(['AuthModule', 'CommonModule', 'ConfigModule']);
  });

  it('finds a cycle when one is introduced, through forwardRef or a dynamic module', () => {
    @Module({ imports: [forwardRef(() => Upper)] })
    class Lower {}
    @Module({ imports: [Lower] })
    class Upper {}
    @Module({})
    class Top {
      static forRoot(): DynamicModule {
        return { module: Top, imports: [Upper] };
      }
    }
    const withCycle = moduleGraph(Top.forRoot());
    expect(findCycle(withCycle, new Set([Lower, Upper, Top]))).toEqual(['Upper', 'Lower', 'Upper']);

    @Module({})
    class Plain {}
    @Module({ imports: [Plain] })
    class User {}
    expect(findCycle(moduleGraph({ module: Top, imports: [User] }))).toBeNull();
  });
});
