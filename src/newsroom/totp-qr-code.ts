import { Injectable } from '@nestjs/common';
import { toString } from 'qrcode';

/**
 * The otpauth:// URI as a QR code, drawn on the server as inline SVG (the `qrcode` package): no image request,
 * no outside service ever sees the secret.
 */
@Injectable()
export class TotpQrCode {
  async svg(uri: string): Promise<string> {
    const svg = await toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, color: { light: '#ffffff' } });
    return svg.replace('<svg ', '<svg role="img" aria-label="QR" class="qr" ');
  }
}
