import { can, canSendToReaders, Permission, PERMISSIONS, ROLE_PERMISSIONS, ROLES } from './permissions';

const holders = (p: Permission) => ROLES.filter((role) => can({ role, grants: [] }, p));

describe('the role table', () => {
  it('gives owners everything and each other role what issue 22 names', () => {
    expect([...ROLE_PERMISSIONS.owner].sort()).toEqual([...PERMISSIONS].sort());
    expect(holders('edition.send')).toEqual(['owner', 'chief', 'editor']);
    expect(holders('alert.send')).toEqual(['owner', 'chief']);
    expect(holders('readers.view')).toEqual(['owner', 'chief']);
    expect(holders('readers.export')).toEqual(['owner', 'chief']);
    expect(holders('topics.manage')).toEqual(['owner', 'chief']);
    expect(holders('newsletters.manage')).toEqual(['owner', 'chief']);
    expect(holders('settings.manage')).toEqual(['owner']);
    expect(holders('editors.manage')).toEqual(['owner']);
    expect(holders('edition.prepare')).toEqual(['owner', 'chief', 'editor', 'writer']);
    expect(holders('stats.view')).toEqual(['owner', 'chief', 'editor', 'analyst']);
    expect(holders('newsroom.use')).toEqual([...ROLES]);
  });

  it('adds alert.send to an editor who was granted it, and to no other role', () => {
    expect(can({ role: 'editor', grants: ['alert.send'] }, 'alert.send')).toBe(true);
    expect(can({ role: 'writer', grants: ['alert.send'] }, 'alert.send')).toBe(false);
    expect(can({ role: 'analyst', grants: ['alert.send'] }, 'alert.send')).toBe(false);
    // Only grantable permissions are added: a stored grant of anything else changes nothing.
    expect(can({ role: 'editor', grants: ['editors.manage'] }, 'editors.manage')).toBe(false);
  });

  it('counts as sending to readers the roles a required second step applies to: owner, chief, editor', () => {
    expect(ROLES.filter((role) => canSendToReaders({ role, grants: [] }))).toEqual(['owner', 'chief', 'editor']);
    expect(canSendToReaders({ role: 'writer', grants: ['alert.send'] })).toBe(false);
  });
});
