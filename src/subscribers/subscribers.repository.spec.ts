import { namedStatement } from '../database/named-sql';
import { allows, SIGNUP_STATEMENT, SUBSCRIBER_CHANGES } from './subscribers.repository';

describe('the signup statement', () => {
  it('is composed, in one place, into this one statement (a change here is a change to every signup)', () => {
    expect(SIGNUP_STATEMENT.text).toMatchSnapshot();
  });

  it('numbers its named parameters in one order', () => {
    expect(SIGNUP_STATEMENT.names.map((name, i) => `$${i + 1} ${name}`)).toMatchSnapshot();
  });

  it('writes the outbox only through the delivery module’s function, never its table', () => {
    expect(SIGNUP_STATEMENT.text).toContain('enqueue_transactional_message(');
    expect(SIGNUP_STATEMENT.text).not.toMatch(/insert\s+into\s+transactional_messages/i);
  });

  it('takes its allowed-from states from SUBSCRIBER_CHANGES', () => {
    expect(SIGNUP_STATEMENT.text).toContain(`subscribers.status IN ('unsubscribed')`);
    expect(SUBSCRIBER_CHANGES.resubscribe).toEqual({ from: ['unsubscribed'], to: 'pending' });
  });
});

describe('SUBSCRIBER_CHANGES', () => {
  it('lets a reader go pending → active → unsubscribed / bounced / complained, and back through a signup', () => {
    expect(allows('confirm', 'pending')).toBe(true);
    expect(allows('unsubscribe', 'active')).toBe(true);
    expect(allows('bounce', 'active')).toBe(true);
    expect(allows('complain', 'active')).toBe(true);
    expect(allows('resubscribe', 'unsubscribed')).toBe(true);
  });

  it('refuses the changes that must never happen', () => {
    // A bounced or complained address is never reactivated by a form, nor confirmed again.
    expect(allows('resubscribe', 'bounced')).toBe(false);
    expect(allows('resubscribe', 'complained')).toBe(false);
    expect(allows('confirm', 'active')).toBe(false);
    expect(allows('confirm', 'unsubscribed')).toBe(false);
    expect(allows('unsubscribe', 'complained')).toBe(false);
    expect(allows('bounce', 'complained')).toBe(false);
    expect(allows('complain', 'complained')).toBe(false);
    // The sunset rule leaves only active readers.
    expect(allows('unsubscribeInactive', 'pending')).toBe(false);
  });
});

describe('namedStatement', () => {
  it('numbers placeholders in the declared order and binds values by name', () => {
    const s = namedStatement(['b', 'a'], (p) => `SELECT ${p.a}::int + ${p.b}::int, ${p.a}`);
    expect(s.text).toBe('SELECT $2::int + $1::int, $2');
    expect(s.params({ a: 1, b: 2 })).toEqual([2, 1]);
  });

  it('refuses a declared parameter the text never uses, and one declared twice', () => {
    expect(() => namedStatement(['a', 'b'], (p) => `SELECT ${p.a}`)).toThrow(/never uses these parameters: b/);
    expect(() => namedStatement(['a', 'a'], (p) => `SELECT ${p.a}`)).toThrow(/twice/);
  });

  it('does not take $1 for used when only $10 is', () => {
    const names = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'p10'] as const;
    expect(() =>
      namedStatement(names, (p) =>
        names
          .slice(1)
          .map((n) => p[n])
          .join(','),
      ),
    ).toThrow(/: p1$/);
  });
});
