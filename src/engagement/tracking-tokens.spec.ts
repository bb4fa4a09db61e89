import { loadConfig } from '../config/app-config';
import { TrackingTokens } from './tracking-tokens';

const config = loadConfig({
  NODE_ENV: 'test',
  SECRET_KEY: 'spec-secret-key-0123456789-0123456789-abcdef',
  EDITOR_TOKEN: 'spec-editor-token-0123456789',
});
const tokens = new TrackingTokens(config);

describe('TrackingTokens', () => {
  it('names the delivery and link it was made for, in a short URL-safe token', () => {
    for (const [id, link] of [
      ['1', { kind: 'click', index: 1 }],
      ['9223372036854775807', { kind: 'click', index: 100 }],
      ['42', { kind: 'open' }],
    ] as const) {
      const token = tokens.sign(id, link);
      expect(token).toMatch(/^[A-Za-z0-9_-]{27}$/);
      expect(tokens.verify(token)).toEqual({ deliveryId: id, link });
    }
  });

  it('refuses altered, forged and malformed tokens', () => {
    const token = tokens.sign('77', { kind: 'click', index: 3 });
    const flipped = token.slice(0, 5) + (token[5] === 'A' ? 'B' : 'A') + token.slice(6);
    expect(tokens.verify(flipped)).toBeNull();
    const other = new TrackingTokens(
      loadConfig({ NODE_ENV: 'test', SECRET_KEY: 'x'.repeat(40), EDITOR_TOKEN: 'e'.repeat(20) }),
    );
    expect(tokens.verify(other.sign('77', { kind: 'click', index: 3 }))).toBeNull();
    for (const bad of ['', 'abc', token + 'A', token.slice(0, 26) + '!', '../../etc/passwd']) {
      expect(tokens.verify(bad)).toBeNull();
    }
  });
});
