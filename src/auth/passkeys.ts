import { Injectable, Logger } from '@nestjs/common';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { DataSource } from 'typeorm';
import { errorMessage } from '../common/error-message';
import { AppConfig } from '../config/app-config';
import { SignedInEditor } from './signed-in-editor';

export interface PasskeyRow {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

interface StoredPasskey {
  id: string;
  editorId: string;
  publicKey: Buffer;
  counter: string;
  transports: string[];
}

/**
 * Passkeys (WebAuthn, @simplewebauthn/server) in table `editor_passkeys`. Registered as discoverable
 * credentials, so one can serve as the second step after the password or, with user verification (the
 * device's PIN or fingerprint), as the whole sign-in. The relying party is PUBLIC_BASE_URL's host: a passkey
 * made for one address does not work on another. The caller keeps each challenge in the session.
 */
@Injectable()
export class Passkeys {
  private readonly logger = new Logger(Passkeys.name);
  private readonly origin: string;
  private readonly rpID: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {
    const base = new URL(config.publicBaseUrl);
    this.origin = base.origin;
    this.rpID = base.hostname;
  }

  async list(editorId: string): Promise<PasskeyRow[]> {
    return (await this.dataSource.query(
      `SELECT id, name, created_at AS "createdAt", last_used_at AS "lastUsedAt"
       FROM editor_passkeys WHERE editor_id = $1 ORDER BY created_at`,
      [editorId],
    )) as PasskeyRow[];
  }

  async count(editorId: string): Promise<number> {
    const [row] = (await this.dataSource.query(`SELECT count(*)::int AS n FROM editor_passkeys WHERE editor_id = $1`, [
      editorId,
    ])) as { n: number }[];
    return row.n;
  }

  async registrationOptions(editor: SignedInEditor): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.stored(editor.id);
    return generateRegistrationOptions({
      rpName: `${this.config.publication.name} · nashra`,
      rpID: this.rpID,
      userID: new TextEncoder().encode(editor.id),
      userName: editor.email,
      userDisplayName: editor.name,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({
        id: p.id,
        transports: p.transports as AuthenticatorTransportFuture[],
      })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    });
  }

  /** Verifies and stores a new passkey; false when the browser's answer does not check out. */
  async register(
    editor: SignedInEditor,
    response: RegistrationResponseJSON,
    expectedChallenge: string,
    name: string,
  ): Promise<boolean> {
    try {
      const result = await verifyRegistrationResponse({
        response,
        expectedChallenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpID,
        requireUserVerification: false,
      });
      if (!result.verified) {
        return false;
      }
      const { credential } = result.registrationInfo;
      await this.dataSource.query(
        `INSERT INTO editor_passkeys (id, editor_id, public_key, counter, transports, name) VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          credential.id,
          editor.id,
          Buffer.from(credential.publicKey),
          credential.counter,
          credential.transports ?? [],
          name.slice(0, 80),
        ],
      );
      return true;
    } catch (err) {
      this.logger.warn(`Passkey registration for editor ${editor.id} refused: ${errorMessage(err)}`);
      return false;
    }
  }

  /** Options for signing in: the editor's own passkeys after a password, or any discoverable one without. */
  async authenticationOptions(editorId?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allow = editorId ? await this.stored(editorId) : [];
    return generateAuthenticationOptions({
      rpID: this.rpID,
      allowCredentials: allow.map((p) => ({ id: p.id, transports: p.transports as AuthenticatorTransportFuture[] })),
      userVerification: editorId ? 'preferred' : 'required',
    });
  }

  /**
   * The editor a passkey answer proves, or undefined. With `editorId` (second step) the passkey must be one of
   * theirs; without it (passwordless) the device must also have verified its user.
   */
  async authenticate(
    response: AuthenticationResponseJSON,
    expectedChallenge: string,
    editorId?: string,
  ): Promise<string | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT id, editor_id AS "editorId", public_key AS "publicKey", counter, transports
       FROM editor_passkeys WHERE id = $1`,
      [String(response?.id ?? '').slice(0, 1024)],
    )) as StoredPasskey[];
    const stored = rows[0];
    if (!stored || (editorId && stored.editorId !== editorId)) {
      return undefined;
    }
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpID,
        credential: {
          id: stored.id,
          publicKey: new Uint8Array(stored.publicKey),
          counter: Number(stored.counter),
          transports: stored.transports as AuthenticatorTransportFuture[],
        },
        requireUserVerification: !editorId,
      });
      if (!result.verified) {
        return undefined;
      }
      await this.dataSource.query(`UPDATE editor_passkeys SET counter = $2, last_used_at = now() WHERE id = $1`, [
        stored.id,
        result.authenticationInfo.newCounter,
      ]);
      return stored.editorId;
    } catch (err) {
      this.logger.warn(`Passkey sign-in refused: ${errorMessage(err)}`);
      return undefined;
    }
  }

  async remove(editorId: string, id: string): Promise<boolean> {
    const rows = (await this.dataSource.query(`DELETE FROM editor_passkeys WHERE editor_id = $1 AND id = $2`, [
      editorId,
      id,
    ])) as [unknown[], number];
    return rows[1] === 1;
  }

  private async stored(editorId: string): Promise<StoredPasskey[]> {
    return (await this.dataSource.query(
      `SELECT id, editor_id AS "editorId", public_key AS "publicKey", counter, transports
       FROM editor_passkeys WHERE editor_id = $1`,
      [editorId],
    )) as StoredPasskey[];
  }
}
