import { Readable } from 'node:stream';
import { csvLines, MAX_RECORD_BYTES, parseCsvLine } from './csv-lines';

async function read(chunks: Array<string | Buffer>) {
  const out = [];
  for await (const line of csvLines(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))))) {
    out.push(line);
  }
  return out;
}

describe('parseCsvLine', () => {
  it('reads plain and quoted cells, doubled quotes and commas inside quotes', () => {
    expect(parseCsvLine('a@b.net,daily')).toEqual(['a@b.net', 'daily']);
    expect(parseCsvLine('"a@b.net","Name, Jr.","say ""hi"""')).toEqual(['a@b.net', 'Name, Jr.', 'say "hi"']);
    expect(parseCsvLine('a,,')).toEqual(['a', '', '']);
    expect(parseCsvLine('ab"c,d')).toEqual(['ab"c', 'd']);
  });

  it('refuses an unclosed quote or text after a closing quote', () => {
    expect(parseCsvLine('a@b.net,"broken')).toBeNull();
    expect(parseCsvLine('"a"b,c')).toBeNull();
  });
});

describe('csvLines', () => {
  it('numbers physical lines, skips empty ones, drops a BOM and handles CRLF and split UTF-8', async () => {
    const arabic = Buffer.from('قارئ@example.net,يومي\r\n');
    const lines = await read(['\uFEFFemail,frequency\r\n\r\n', arabic.subarray(0, 3), arabic.subarray(3), 'x@y.net']);
    expect(lines).toEqual([
      { line: 1, cells: ['email', 'frequency'] },
      { line: 3, cells: ['قارئ@example.net', 'يومي'] },
      { line: 4, cells: ['x@y.net'] },
    ]);
  });

  it('reports a broken quote as its line and goes on at the next', async () => {
    expect(await read(['email\na@b.net,"broken\nc@d.net\n'])).toEqual([
      { line: 1, cells: ['email'] },
      { line: 2, error: 'bad_quotes' },
      { line: 3, cells: ['c@d.net'] },
    ]);
  });

  it('reports a line longer than the record limit as one bad line, without keeping it', async () => {
    const chunk = 'x'.repeat(1024 * 1024);
    const lines = await read(['email\n', ...Array.from({ length: 5 }, () => chunk), '\nc@d.net\n']);
    expect(lines).toEqual([
      { line: 1, cells: ['email'] },
      { line: 2, error: 'too_long' },
      { line: 3, cells: ['c@d.net'] },
    ]);
    expect(MAX_RECORD_BYTES).toBe(65536);
  });
});
