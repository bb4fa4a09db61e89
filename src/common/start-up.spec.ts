import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/app-config';
import { portProblem, safeUrl, startupBanner } from './start-up';

describe('start-up', () => {
  const varDir = mkdtempSync(join(tmpdir(), 'nashra-banner-'));

  it('safeUrl keeps scheme, host, port and database, never user or password', () => {
    expect(safeUrl('postgres://nashra:S3cret@db.internal:5433/news?sslmode=require')).toBe(
      'postgres://db.internal:5433/news',
    );
    expect(safeUrl('smtps://apikey:SG.xyz@smtp.example.net:465')).toBe('smtps://smtp.example.net:465');
    expect(safeUrl('not a url')).toBe('(unparsable URL)');
  });

  it('portProblem names the port and PORT for a busy or forbidden port, nothing for other errors', () => {
    const busy = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    const forbidden = Object.assign(new Error('listen EACCES'), { code: 'EACCES' });
    expect(portProblem(busy, 3000)).toBe(
      'Port 3000 is already in use: set PORT to another port, or stop the program using it',
    );
    expect(portProblem(forbidden, 80)).toMatch(/^Port 80 .*set PORT to a port above 1023$/);
    expect(portProblem(new Error('boom'), 3000)).toBeUndefined();
  });

  it('in production the banner points at no token file and names the external database', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      POSTAL_ADDRESS: 'شارع المتنبي 1، بغداد',
      VAR_DIR: varDir,
      SECRET_KEY: 'k'.repeat(40),
      EDITOR_TOKEN: 'TOKEN-in-the-environment-0123',
      DATABASE_URL: 'postgres://nashra:DbPass@db:5432/nashra',
      PUBLIC_BASE_URL: 'https://news.example.net/nashra/',
    });
    const banner = startupBanner(config, false);
    expect(banner).toContain('Newsroom:     https://news.example.net/nashra/admin');
    expect(banner).toContain('Database:     postgres://db:5432/nashra');
    expect(banner).not.toMatch(/API token|DbPass|TOKEN-in-the-environment/);
  });

  it('a worker has no URLs to show, only where mail and data go', () => {
    const config = loadConfig({ VAR_DIR: varDir, NASHRA_ROLE: 'worker', EDITOR_TOKEN: 'x'.repeat(24) });
    const banner = startupBanner(config, true);
    expect(banner.split('\n')[0]).toBe('nashra worker started (no HTTP)');
    expect(banner).not.toMatch(/Newsroom|Footer form/);
    expect(banner).toContain(`Outbox:       ${join(varDir, 'outbox')}`);
    expect(banner).toContain(`Database:     embedded PostgreSQL at ${join(varDir, 'postgres')}`);
  });
});
