/**
 * Who may do what in the newsroom and the admin API: the named permissions, and each role as a set of them.
 * This table is the only place a role's powers are written; the guards and the screens read it through `can()`.
 *
 * Added to the ten named in issue 22, each because a role needs a line between two powers the ten do not draw:
 * - `newsroom.use`: open the newsroom at all (dashboard, one's own account, sign out, step-up). Every role.
 * - `edition.prepare`: arrange the next edition, preview it, send a test to oneself. A writer has it and not
 *   `edition.send`; an analyst has neither.
 * - `stats.view`: dashboards and statistics (editions and their progress, engagement, reader counts). An analyst's
 *   whole job, without `readers.view` (no addresses).
 * - `articles.write`: push articles through `POST /admin/articles`: the one power the CMS token's
 *   `articles:write` scope gives.
 */
export const PERMISSIONS = [
  'newsroom.use',
  'stats.view',
  'edition.prepare',
  'edition.send',
  'alert.send',
  'readers.view',
  'readers.export',
  'readers.erase',
  'readers.import',
  'topics.manage',
  'newsletters.manage',
  'settings.manage',
  'editors.manage',
  'articles.write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['owner', 'chief', 'editor', 'writer', 'analyst'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  owner: PERMISSIONS,
  // Everything but the owner's own two: the newsroom's settings and who its editors are.
  chief: PERMISSIONS.filter((p) => p !== 'settings.manage' && p !== 'editors.manage'),
  editor: ['newsroom.use', 'stats.view', 'edition.prepare', 'edition.send', 'articles.write'],
  writer: ['newsroom.use', 'edition.prepare'],
  analyst: ['newsroom.use', 'stats.view'],
};

/** What an owner may add to one editor beyond the role (stored in `editors.grants`), and to which roles. */
export const GRANTABLE: Readonly<Partial<Record<Permission, readonly Role[]>>> = { 'alert.send': ['editor'] };

/** Scopes of machine tokens (`npm run token:create -- --scope …`) and the permissions each one gives. */
export const TOKEN_SCOPES: Readonly<Record<string, readonly Permission[]>> = { 'articles:write': ['articles.write'] };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

/** Someone who holds permissions: a signed-in editor's role plus the extra grants an owner gave. */
export interface PermissionHolder {
  role: Role;
  grants: readonly string[];
}

export function can(holder: PermissionHolder, permission: Permission): boolean {
  if (ROLE_PERMISSIONS[holder.role]?.includes(permission)) {
    return true;
  }
  return Boolean(GRANTABLE[permission]?.includes(holder.role) && holder.grants.includes(permission));
}

/**
 * The permissions that mail readers. The newsroom's "require a second step" (newsroom_settings) applies to the
 * editors who hold one of them: a phished password there could mail every reader; a writer's or an analyst's
 * could not.
 */
export const READER_SEND_PERMISSIONS: readonly Permission[] = ['edition.send', 'alert.send'];

export function canSendToReaders(holder: PermissionHolder): boolean {
  return READER_SEND_PERMISSIONS.some((permission) => can(holder, permission));
}

/** Every permission of a holder as a map, e.g. for templates: `{ 'edition.send': true, … }`. */
export function permissionsOf(holder: PermissionHolder): Record<Permission, boolean> {
  return Object.fromEntries(PERMISSIONS.map((p) => [p, can(holder, p)])) as Record<Permission, boolean>;
}
