import { Injectable } from '@nestjs/common';
import { toString } from 'qrcode';
import { Locale } from '../common/locale';

/**
 * The otpauth:// URI as a QR code, drawn on the server as inline SVG (the `qrcode` package): no image request,
 * no outside service ever sees the secret.
 */
@Injectable()
export class TotpQrCode {
  constructor(private readonly locale: Locale) {}

  async svg(uri: string): Promise<string> {
    const svg = await toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, color: { light: '#ffffff' } });
    const label = this.locale.t('signin.totp.qrLabel').replace(/[<>&"]/g, '');
    return svg.replace('<svg ', `<svg role="img" aria-label="${label}" class="qr" `);
  }
}
