import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { hashToken, newToken } from '../common/secure-token';
import { ApiTokenRow, ApiTokensRepository } from './api-tokens.repository';
import { Permission, TOKEN_SCOPES } from './permissions';

/** The prefix of scoped tokens, so a leaked one is recognisable (and never mistaken for EDITOR_TOKEN). */
export const API_TOKEN_PREFIX = 'nsh_';

export class DuplicateTokenNameError extends Error {
  constructor(readonly tokenName: string) {
    super(`A live token named ${tokenName} already exists`);
  }
}

export class UnknownScopeError extends Error {
  constructor(readonly scope: string) {
    super(`Unknown scope ${scope}; known scopes: ${Object.keys(TOKEN_SCOPES).join(', ')}`);
  }
}

export interface ScopedToken extends ApiTokenRow {
  permissions: Permission[];
}

/**
 * Scoped machine tokens: unlike EDITOR_TOKEN (full access), each carries scopes (`articles:write`) that give
 * named permissions and nothing else. Only the token's SHA-256 is stored; the token is shown once.
 */
@Injectable()
export class ApiTokens {
  constructor(private readonly tokens: ApiTokensRepository) {}

  async create(name: string, scopes: string[]): Promise<{ token: string; row: ApiTokenRow }> {
    for (const scope of scopes) {
      if (!Object.hasOwn(TOKEN_SCOPES, scope)) {
        throw new UnknownScopeError(scope);
      }
    }
    const token = API_TOKEN_PREFIX + newToken();
    const row = await this.tokens.insert(name.trim(), hashToken(token), [...new Set(scopes)].sort());
    if (!row) {
      throw new DuplicateTokenNameError(name.trim());
    }
    return { token, row };
  }

  /** The live scoped token a request's `Authorization: Bearer nsh_…` names, or undefined. */
  async fromRequest(req: Request): Promise<ScopedToken | undefined> {
    const match = /^Bearer\s+(nsh_[A-Za-z0-9_-]{43})$/i.exec(req.headers.authorization ?? '');
    if (!match) {
      return undefined;
    }
    const row = await this.tokens.use(hashToken(match[1]));
    return row ? { ...row, permissions: row.scopes.flatMap((s) => TOKEN_SCOPES[s] ?? []) } : undefined;
  }

  list(): Promise<ApiTokenRow[]> {
    return this.tokens.list();
  }

  revoke(id: string): Promise<ApiTokenRow | undefined> {
    return this.tokens.revoke(id);
  }
}
