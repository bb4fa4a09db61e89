import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { hashToken, newToken } from '../common/secure-token';
import { EditorRow, EditorsRepository } from './editors.repository';
import { GRANTABLE, Permission, Role } from './permissions';
import { SignedInEditor } from './signed-in-editor';

export const MIN_PASSWORD_LENGTH = 10;
export const INVITE_TTL_DAYS = 7;

export class DuplicateEditorError extends Error {
  constructor(readonly email: string) {
    super(`An editor with the email ${email} already exists`);
  }
}

/** Argon2id (@node-rs/argon2's default algorithm and parameters: 19 MiB, 2 passes). */
/** A role change that would leave the newsroom without an owner who can sign in. */
export class LastOwnerError extends Error {
  constructor() {
    super('The newsroom needs at least one owner');
  }
}

const signedIn = (row: EditorRow): SignedInEditor => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  grants: row.grants,
});

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** A password to print once: 18 random bytes, URL-safe (24 characters). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** Arabic reason a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string, confirm: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return `كلمة المرور الجديدة قصيرة: ${MIN_PASSWORD_LENGTH} أحرف على الأقل.`;
  }
  if (password.length > 200) {
    return 'كلمة المرور الجديدة أطول من اللازم.';
  }
  if (password !== confirm) {
    return 'تأكيد كلمة المرور لا يطابقها.';
  }
  return undefined;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Editor accounts: creation, passwords, invitations. Sessions and throttling live elsewhere. */
@Injectable()
export class EditorAccounts {
  // A hash to verify against when the account does not exist, so a wrong email costs as long as a wrong password.
  private readonly decoy = hashPassword(generatePassword());

  constructor(private readonly editors: EditorsRepository) {}

  count(): Promise<number> {
    return this.editors.count();
  }

  list(): Promise<EditorRow[]> {
    return this.editors.list();
  }

  async find(id: string): Promise<SignedInEditor | undefined> {
    const row = await this.editors.findById(id);
    return row && row.passwordHash ? signedIn(row) : undefined;
  }

  /** Creates an account with a password; the first editor is an owner unless a role is given. */
  async create(input: { email: string; name?: string; password: string; role?: Role }): Promise<SignedInEditor> {
    const email = normaliseEmail(input.email);
    const role = input.role ?? ((await this.editors.count()) === 0 ? 'owner' : undefined);
    if (!role) {
      throw new Error('A role is required: the newsroom already has editors');
    }
    const created = await this.editors.insert({
      email,
      name: input.name?.trim() || email.split('@')[0],
      passwordHash: await hashPassword(input.password),
      role,
    });
    if (!created) {
      throw new DuplicateEditorError(email);
    }
    return created;
  }

  /** The editor when email and password match, else undefined (same work either way). */
  async authenticate(email: string, password: string): Promise<SignedInEditor | undefined> {
    const row = await this.editors.findByEmail(normaliseEmail(email));
    const ok = await verify(row?.passwordHash ?? (await this.decoy), password).catch(() => false);
    if (!row || !row.passwordHash || !ok) {
      return undefined;
    }
    await this.editors.touchSignIn(row.id);
    return signedIn(row);
  }

  /** True when the password is this editor's (the step-up page asks it again before a loud send). */
  async verifyPassword(id: string, password: string): Promise<boolean> {
    const row = await this.editors.findById(id);
    const ok = await verify(row?.passwordHash ?? (await this.decoy), password).catch(() => false);
    return Boolean(row?.passwordHash && ok);
  }

  /**
   * Gives an editor a role, and the extra grants an owner chose that this role may receive (others are dropped:
   * `alert.send` means something only for an editor). Throws LastOwnerError rather than leave no owner.
   */
  async setRole(id: string, role: Role, grants: readonly string[] = []): Promise<SignedInEditor | undefined> {
    if (!(await this.editors.findById(id))) {
      return undefined;
    }
    const kept = grants.filter((g) => GRANTABLE[g as Permission]?.includes(role));
    const changed = await this.editors.setRole(id, role, [...new Set(kept)].sort());
    if (!changed) {
      throw new LastOwnerError();
    }
    return changed;
  }

  /** Changes a password after checking the current one; false when the current one is wrong. */
  async changePassword(id: string, current: string, next: string): Promise<boolean> {
    const row = await this.editors.findById(id);
    if (!row?.passwordHash || !(await verify(row.passwordHash, current).catch(() => false))) {
      return false;
    }
    await this.editors.setPassword(id, await hashPassword(next));
    return true;
  }

  /**
   * Creates an account without a password and returns the one-time token that lets its owner choose one.
   * Only the token's hash is stored; it expires after INVITE_TTL_DAYS. Inviting an address again whose
   * invitation is still unused issues a fresh token.
   */
  async invite(
    input: { email: string; name?: string; role: Role },
    invitedBy: SignedInEditor,
  ): Promise<{ editor: SignedInEditor; token: string; expiresAt: Date }> {
    const email = normaliseEmail(input.email);
    const token = newToken();
    const expiresAt = new Date(Date.now() + INVITE_TTL_DAYS * 24 * 3600_000);
    const existing = await this.editors.findByEmail(email);
    if (existing) {
      if (existing.passwordHash) {
        throw new DuplicateEditorError(email);
      }
      await this.editors.renewInvite(existing.id, hashToken(token), expiresAt, input.role);
      return { editor: { ...signedIn(existing), role: input.role, grants: [] }, token, expiresAt };
    }
    const created = await this.editors.insert({
      email,
      name: input.name?.trim() || email.split('@')[0],
      passwordHash: null,
      role: input.role,
      inviteTokenHash: hashToken(token),
      inviteExpiresAt: expiresAt,
      invitedBy: invitedBy.id,
    });
    if (!created) {
      throw new DuplicateEditorError(email);
    }
    return { editor: created, token, expiresAt };
  }

  /** The invited editor a live token belongs to (for the set-password form). */
  async findInvite(token: string): Promise<SignedInEditor | undefined> {
    const row = await this.editors.findByInviteToken(hashToken(token));
    return row ? signedIn(row) : undefined;
  }

  /**
   * The editor single sign-on vouched for, made on first sign-in when absent with the given role
   * (OIDC_DEFAULT_ROLE, even for the first account: being first through the issuer must not make an owner) and a
   * random password nobody knows, so the account is the ordinary kind and only SSO or a reset opens it. An
   * invitation still open for the address is taken as accepted, with the role it was made with.
   */
  async forSingleSignOn(input: {
    email: string;
    name?: string;
    role: Role;
  }): Promise<{ editor: SignedInEditor; created: boolean }> {
    const email = normaliseEmail(input.email);
    const existing = await this.editors.findByEmail(email);
    if (existing) {
      if (!existing.passwordHash) {
        await this.editors.setPassword(existing.id, await hashPassword(generatePassword()));
      }
      return { editor: signedIn(existing), created: false };
    }
    const editor = await this.create({ email, name: input.name, password: generatePassword(), role: input.role });
    return { editor, created: true };
  }

  /** Sets the invited editor's password and spends the token; undefined when it is unknown, used or expired. */
  async acceptInvite(token: string, password: string): Promise<SignedInEditor | undefined> {
    return this.editors.acceptInvite(hashToken(token), await hashPassword(password));
  }
}
