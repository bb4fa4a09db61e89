import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getMetadataStorage } from 'class-validator';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/app-config';
import { EnvDto } from '../../src/config/env.dto';
import { PROJECT_ROOT } from '../helpers/app-process';

// The variables nashra reads are the properties of EnvDto (each carries a validation rule). What a newcomer
// reads (.env.example, the README's table, docker-compose.yml) must name exactly those.
const envVariables = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(EnvDto, '', true, false)
      .map((m) => m.propertyName),
  ),
].sort();

const read = (file: string) => readFileSync(join(PROJECT_ROOT, file), 'utf8');

describe('.env.example', () => {
  const lines = read('.env.example').split('\n');
  const variableLine = /^#?\s*([A-Z][A-Z0-9_]*)=/;
  const listed = lines.map((l) => variableLine.exec(l)?.[1]).filter((n): n is string => !!n);

  it('lists exactly the variables of EnvDto, each once', () => {
    expect(envVariables.length).toBeGreaterThanOrEqual(9);
    expect([...listed].sort()).toEqual(envVariables);
  });

  it('gives every variable a one-line meaning on the line above it', () => {
    const undocumented = lines
      .map((line, i) => ({ name: variableLine.exec(line)?.[1], above: lines[i - 1] ?? '' }))
      .filter(({ name }) => name)
      .filter(({ above }) => !/^#\s*\S.{8,}/.test(above) || variableLine.test(above))
      .map(({ name }) => name);
    expect(undocumented).toEqual([]);
  });

  it('holds values that pass validation when used as they are', () => {
    // Active lines are the defaults; a copy of .env.example must start nashra, not stop it.
    const env: Record<string, string> = {};
    for (const line of lines) {
      const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      if (m) {
        env[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
      }
    }
    expect(Object.keys(env)).toContain('PORT');
    const varDir = mkdtempSync(join(tmpdir(), 'nashra-env-example-'));
    try {
      expect(loadConfig({ ...env, VAR_DIR: varDir }).env.PORT).toBe(Number(env.PORT));
    } finally {
      rmSync(varDir, { recursive: true, force: true });
    }
  });
});

describe('README.md', () => {
  const readme = read('README.md');

  it('gives the two commands of a newcomer', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });

  it('stays short enough for a newcomer to finish: at most 250 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
  });

  it('links a reference page for each capability, and every linked page exists', () => {
    for (const page of ['readers', 'articles', 'digests', 'delivery', 'newsroom', 'configuration', 'development']) {
      expect(readme).toContain(`(docs/${page}.md)`);
    }
    const linked = [...readme.matchAll(/\]\(((?:docs|bench|test)\/[^)#]+)\)/g)].map((m) => m[1]);
    expect(linked.filter((file) => !existsSync(join(PROJECT_ROOT, file)))).toEqual([]);
  });
});

describe('docs/configuration.md', () => {
  const page = read('docs/configuration.md');

  it('lists every variable in the configuration table, and nothing else', () => {
    const section = page.split(/^## /m).find((s) => s.startsWith('Configuration'));
    expect(section).toBeDefined();
    const inTable = [...section!.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/gm)].map((m) => m[1]);
    expect([...inTable].sort()).toEqual(envVariables);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, any> };
  const { postgres, mailpit, app } = compose.services;

  it('runs PostgreSQL, Mailpit and the app, each with a health check', () => {
    expect(postgres.image).toMatch(/^postgres:/);
    expect(postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(mailpit.image).toMatch(/^axllent\/mailpit/);
    expect(mailpit.healthcheck.test.length).toBeGreaterThan(0);
    expect(app.build.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
    expect(app.healthcheck.test.join(' ')).toContain('/health');
  });

  it('starts the app only once PostgreSQL and Mailpit are healthy, and wires them in', () => {
    expect(app.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      mailpit: { condition: 'service_healthy' },
    });
    const user = postgres.environment.POSTGRES_USER;
    const password = postgres.environment.POSTGRES_PASSWORD;
    const db = postgres.environment.POSTGRES_DB;
    expect(app.environment.DATABASE_URL).toBe(`postgres://${user}:${password}@postgres:5432/${db}`);
    expect(app.environment.SMTP_URL).toBe('smtp://mailpit:1025');
  });

  it('gives the app only variables that .env.example documents', () => {
    const documented = new Set(
      read('.env.example')
        .split('\n')
        .map((l) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(l)?.[1])
        .filter(Boolean),
    );
    const unknown = Object.keys(app.environment).filter((k) => !documented.has(k));
    expect(unknown).toEqual([]);
  });

  it('builds an image on a supported Node LTS line (22 or 24), as a non-root user with a health check', () => {
    const dockerfile = read('Dockerfile');
    const bases = [...dockerfile.matchAll(/^FROM node:(\d+)-bookworm-slim\b/gm)].map((m) => Number(m[1]));
    expect(bases.length).toBe(2);
    expect(bases.every((major) => major === 22 || major === 24)).toBe(true);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/nest build/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK [^\n]*\\\n[^\n]*\/health/m);
  });

  const compose_ = '/usr/bin/docker-compose';
  (existsSync(compose_) ? it : it.skip)('passes `docker-compose config -q`', async () => {
    await expect(promisify(execFile)(compose_, ['config', '-q'], { cwd: PROJECT_ROOT })).resolves.toBeDefined();
  });
});
