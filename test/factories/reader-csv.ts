import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GeneratedCsv {
  text: string;
  /** Line numbers (the header is line 1) of the rows that must be refused. */
  badLines: number[];
  /** Addresses of the good rows, in order. */
  good: string[];
}

/**
 * A plain `email,frequency` export with `rows` data rows, `bad` of them refused at known lines: half with an
 * address that is not one, half with a column too many. Addresses are unique per `tag`.
 */
export function readersCsv(tag: string, rows: number, bad: number): GeneratedCsv {
  const lines = ['email,frequency'];
  const badLines: number[] = [];
  const good: string[] = [];
  const every = Math.floor(rows / bad);
  for (let i = 0; i < rows; i++) {
    const line = i + 2;
    if (bad > 0 && i % every === 7 && badLines.length < bad) {
      badLines.push(line);
      lines.push(badLines.length % 2 ? `not-an-address-${i},daily` : `extra-${i}@${tag}.example.net,daily,oops`);
    } else {
      const email = `reader${i}@${tag}.example.net`;
      good.push(email);
      lines.push(`${email},${i % 3 ? 'daily' : 'weekly'}`);
    }
  }
  return { text: lines.join('\n') + '\n', badLines, good };
}

/** Writes text to a fresh temporary file (what an upload leaves on disk) and returns its path. */
export function uploadedFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'nashra-upload-'));
  const path = join(dir, 'upload.csv');
  writeFileSync(path, text);
  return path;
}
