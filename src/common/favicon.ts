import { crc32, deflateSync } from 'node:zlib';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Express, Request, Response } from 'express';

/** nashra's mark: a white envelope on the pages' link blue (#0b5cad), as SVG for modern browsers. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
  '<rect width="32" height="32" rx="7" fill="#0b5cad"/>' +
  '<rect x="6" y="9" width="20" height="14" rx="2" fill="#fff"/>' +
  '<path d="M7 10l9 7 9-7" fill="none" stroke="#0b5cad" stroke-width="2"/></svg>';

const SIZE = 32;
const BLUE = [0x0b, 0x5c, 0xad];

/** The same mark as a 32×32 RGBA bitmap: blue rounded square, white envelope, blue flap. */
function pixel(x: number, y: number): number[] {
  const inCorner = (cx: number, cy: number) => (x - cx) ** 2 + (y - cy) ** 2 > 49;
  if ((x < 7 && y < 7 && inCorner(7, 7)) || (x > 24 && y < 7 && inCorner(24, 7))) {
    return [0, 0, 0, 0];
  }
  if ((x < 7 && y > 24 && inCorner(7, 24)) || (x > 24 && y > 24 && inCorner(24, 24))) {
    return [0, 0, 0, 0];
  }
  const inEnvelope = x >= 6 && x < 26 && y >= 9 && y < 23;
  const onFlap = Math.abs(y - (10 + (x < 16 ? (x - 7) * (7 / 9) : (25 - x) * (7 / 9)))) < 1.1 && x >= 7 && x <= 25;
  return inEnvelope && !onFlap ? [255, 255, 255, 255] : [...BLUE, 255];
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function png(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const rows: number[] = [];
  for (let y = 0; y < SIZE; y++) {
    rows.push(0); // filter: none
    for (let x = 0; x < SIZE; x++) {
      rows.push(...pixel(x, y));
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.from(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A .ico holding one 32×32 PNG image (what every browser accepts at /favicon.ico). */
export function faviconIco(): Buffer {
  const image = png();
  const header = Buffer.alloc(22);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  header.writeUInt8(SIZE, 6);
  header.writeUInt8(SIZE, 7);
  header.writeUInt16LE(1, 10); // colour planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(image.length, 14);
  header.writeUInt32LE(22, 18); // offset of the image
  return Buffer.concat([header, image]);
}

/**
 * GET /favicon.ico and /favicon.svg, cached for a day: browsers ask for the icon on every page, and a 404
 * each time filled the logs with warnings.
 */
export function serveFavicon(app: NestExpressApplication): void {
  const ico = faviconIco();
  const send = (type: string, body: Buffer | string) => (_req: Request, res: Response) => {
    res.set({ 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' }).send(body);
  };
  const express = app.getHttpAdapter().getInstance() as Express;
  express.get('/favicon.ico', send('image/x-icon', ico));
  express.get('/favicon.svg', send('image/svg+xml', FAVICON_SVG));
}
