import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** Longest line (record) an import reads, in bytes; a longer one is one bad row, never held in memory. */
export const MAX_RECORD_BYTES = 64 * 1024;

/** One physical line of a CSV file: its cells, or why it is not a record. `line` counts from 1. */
export type CsvLine = { line: number; cells: string[] } | { line: number; error: 'too_long' | 'bad_quotes' };

/**
 * The records of a CSV file, one per physical line, streamed: memory stays at one chunk plus one line of at most
 * MAX_RECORD_BYTES whatever the file. Each line is parsed on its own (RFC 4180 quoting within the line), so a
 * broken quote spoils only its line and reading resumes at the next; a quoted cell spanning lines is not
 * supported (it reports its first line as bad). Empty lines are skipped; a UTF-8 BOM is dropped.
 */
export async function* csvLines(input: Readable): AsyncGenerator<CsvLine> {
  const decoder = new StringDecoder('utf8');
  let current = '';
  let currentBytes = 0;
  let tooLong = false;
  let line = 1;

  const finish = (): CsvLine | null => {
    const text = current.endsWith('\r') ? current.slice(0, -1) : current;
    const result: CsvLine | null = tooLong
      ? { line, error: 'too_long' }
      : text.trim() === ''
        ? null
        : toLine(line, text);
    current = '';
    currentBytes = 0;
    tooLong = false;
    line++;
    return result;
  };

  const take = (bytes: Buffer, text: string) => {
    if (tooLong) {
      return;
    }
    currentBytes += bytes.length;
    if (currentBytes > MAX_RECORD_BYTES) {
      tooLong = true;
      current = '';
      return;
    }
    current += text;
  };

  for await (const chunk of input as AsyncIterable<Buffer>) {
    let from = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, from)) {
      const part = chunk.subarray(from, nl);
      take(part, decoder.write(part) + decoder.end());
      from = nl + 1;
      const done = finish();
      if (done) {
        yield done;
      }
    }
    const rest = chunk.subarray(from);
    take(rest, decoder.write(rest));
  }
  take(Buffer.alloc(0), decoder.end());
  const last = finish();
  if (last) {
    yield last;
  }
}

function toLine(line: number, text: string): CsvLine {
  // A UTF-8 byte order mark opens the first line of files Excel writes.
  const cells = parseCsvLine(line === 1 ? text.replace(/^\uFEFF/, '') : text);
  return cells ? { line, cells } : { line, error: 'bad_quotes' };
}

/**
 * The cells of one CSV line (comma-separated, `"…"` quoting with `""` for a quote), or null when a quote is not
 * closed or a closing quote is followed by anything but a comma. A quote inside an unquoted cell is kept as text.
 * One pass, no backtracking.
 */
export function parseCsvLine(text: string): string[] | null {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let cell = '';
      let j = i + 1;
      for (;;) {
        const close = text.indexOf('"', j);
        if (close < 0) {
          return null;
        }
        cell += text.slice(j, close);
        if (text[close + 1] === '"') {
          cell += '"';
          j = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      cells.push(cell);
      if (i === text.length) {
        return cells;
      }
      if (text[i] !== ',') {
        return null;
      }
      i++;
    } else {
      const comma = text.indexOf(',', i);
      if (comma < 0) {
        cells.push(text.slice(i));
        return cells;
      }
      cells.push(text.slice(i, comma));
      i = comma + 1;
    }
  }
}
