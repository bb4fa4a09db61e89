import { Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { type BaseClient, generators, Issuer } from 'openid-client';
import { errorMessage } from '../common/error-message';
import { AppConfig } from '../config/app-config';
import { isRole, Role, ROLES } from './permissions';

/** What the issuer says about the person, once every check passed. */
export interface SsoIdentity {
  email: string;
  name?: string;
  /** The issuer reports a multi-factor sign-in (`amr` holds mfa, otp, hwk or similar). */
  multiFactor: boolean;
}

export interface SsoChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Why single sign-on refused someone; `reason` is a locale key under signin.sso. */
export class SsoRefusal extends Error {
  constructor(readonly reason: 'failed' | 'unverified' | 'domain') {
    super(`Single sign-on refused: ${reason}`);
  }
}

const MULTI_FACTOR_AMR = new Set(['mfa', 'otp', 'hwk', 'swk', 'sms', 'fpt', 'face', 'iris', 'pin']);

/**
 * OpenID Connect sign-in (openid-client 5: CommonJS, so jest and the CommonJS build load it as they are;
 * version 6 is ESM-only). Authorization code flow with PKCE, state and nonce; the issuer is discovered once,
 * at first use, so a newsroom whose issuer is briefly unreachable still starts. Only verified addresses of
 * OIDC_ALLOWED_DOMAINS are let in.
 */
@Injectable()
export class OidcSignIn {
  private readonly logger = new Logger(OidcSignIn.name);
  private client?: Promise<BaseClient>;
  private readonly domains: Set<string>;

  constructor(private readonly config: AppConfig) {
    this.domains = new Set(config.signIn.oidcAllowedDomains);
  }

  get enabled(): boolean {
    return Boolean(this.config.signIn.oidcIssuer);
  }

  /** The issuer's host, for the "sign in with …" button. */
  get label(): string {
    return this.enabled ? new URL(this.config.signIn.oidcIssuer!).host : '';
  }

  /**
   * The role stored for an account single sign-on makes (OIDC_DEFAULT_ROLE, checked at start-up; checked again
   * against the role table here so a value the table does not know can never reach the role column).
   */
  get defaultRole(): Role {
    const role = this.config.signIn.oidcDefaultRole;
    if (!isRole(role)) {
      throw new Error(`OIDC_DEFAULT_ROLE must be one of ${ROLES.join(', ')}`);
    }
    return role;
  }

  get redirectUri(): string {
    return this.config.url('/admin/login/sso/callback');
  }

  /** Where to send the browser, and the checks to keep in the session until it comes back. */
  async start(): Promise<{ url: string; checks: SsoChecks }> {
    const checks = { state: generators.state(), nonce: generators.nonce(), codeVerifier: generators.codeVerifier() };
    const url = (await this.oidcClient()).authorizationUrl({
      scope: 'openid email profile',
      redirect_uri: this.redirectUri,
      code_challenge: generators.codeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
    });
    return { url, checks };
  }

  /** Completes the code exchange and checks the address; throws SsoRefusal otherwise. */
  async finish(req: IncomingMessage, checks: SsoChecks): Promise<SsoIdentity> {
    let claims: Record<string, unknown>;
    try {
      const client = await this.oidcClient();
      const tokens = await client.callback(this.redirectUri, client.callbackParams(req), {
        state: checks.state,
        nonce: checks.nonce,
        code_verifier: checks.codeVerifier,
      });
      claims = tokens.claims() as unknown as Record<string, unknown>;
      // Providers that keep the ID token small (oidc-provider by default) give the address at userinfo only.
      if (typeof claims.email !== 'string' && tokens.access_token) {
        const info = (await client.userinfo(tokens)) as Record<string, unknown>;
        if (info.sub === claims.sub) {
          claims = { ...info, ...claims, email: info.email, email_verified: info.email_verified };
        }
      }
    } catch (err) {
      this.logger.warn(`Single sign-on failed: ${errorMessage(err)}`);
      throw new SsoRefusal('failed');
    }
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
    if (!email || claims.email_verified !== true) {
      throw new SsoRefusal('unverified');
    }
    if (!this.domains.has(email.slice(email.lastIndexOf('@') + 1))) {
      throw new SsoRefusal('domain');
    }
    const amr = Array.isArray(claims.amr) ? (claims.amr as unknown[]) : [];
    return {
      email,
      name: typeof claims.name === 'string' ? claims.name.slice(0, 120) : undefined,
      multiFactor: amr.some((m) => typeof m === 'string' && MULTI_FACTOR_AMR.has(m)),
    };
  }

  private oidcClient(): Promise<BaseClient> {
    this.client ??= Issuer.discover(this.config.signIn.oidcIssuer!).then(
      (issuer) =>
        new issuer.Client({
          client_id: this.config.signIn.oidcClientId!,
          client_secret: this.config.signIn.oidcClientSecret!,
          redirect_uris: [this.redirectUri],
          response_types: ['code'],
        }),
      (err: unknown) => {
        this.client = undefined;
        throw err;
      },
    );
    return this.client;
  }
}
