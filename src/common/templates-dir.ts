import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** templates/ at the project root, whether running from src/ (ts) or dist/src/ (compiled). */
export const TEMPLATES_DIR = [
  join(__dirname, '..', '..', 'templates'),
  join(__dirname, '..', '..', '..', 'templates'),
].find((dir) => existsSync(join(dir, 'locales'))) as string;
