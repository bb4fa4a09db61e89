import { byMostRead } from './weekly-readership';

const recent = ['9', '8', '7', '6'].map((id) => ({ id }));

describe('byMostRead', () => {
  it('puts the most-read first, keeping recency among equals and unread ones', () => {
    const readers = new Map([
      ['7', 5],
      ['6', 5],
      ['8', 9],
    ]);
    expect(byMostRead(recent, readers).map((a) => a.id)).toEqual(['8', '7', '6', '9']);
  });

  it('falls back to recency when nothing was clicked', () => {
    expect(byMostRead(recent, new Map()).map((a) => a.id)).toEqual(['9', '8', '7', '6']);
    expect(byMostRead(recent, new Map([['7', 0]])).map((a) => a.id)).toEqual(['9', '8', '7', '6']);
  });
});
