import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

interface UploadedFileStream {
  stream: Readable;
}

/**
 * A multer storage engine that streams an upload straight to a temporary file: an import file is never held
 * in memory (multer's default memory storage would buffer all of it). The importer moves the file on.
 */
export const streamToTempFile = {
  _handleFile(
    _req: unknown,
    file: UploadedFileStream,
    callback: (error: Error | null, info?: { path: string; size: number }) => void,
  ): void {
    void (async () => {
      const dir = await mkdtemp(join(tmpdir(), 'nashra-upload-'));
      const path = join(dir, 'upload.csv');
      const out = createWriteStream(path);
      await pipeline(file.stream, out);
      return { path, size: out.bytesWritten };
    })().then(
      (info) => callback(null, info),
      (err: Error) => callback(err),
    );
  },
  _removeFile(_req: unknown, file: { path?: string }, callback: (error: Error | null) => void): void {
    if (!file.path) {
      return callback(null);
    }
    import('node:fs/promises')
      .then(({ rm }) => rm(file.path!, { force: true }))
      .then(
        () => callback(null),
        (err: Error) => callback(err),
      );
  },
};
