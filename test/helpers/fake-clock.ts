import { Clock } from '../../src/common/clock';

/** A clock tests move by hand. */
export class FakeClock extends Clock {
  constructor(private current = new Date('2026-11-24T04:00:00Z')) {
    super();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(date: Date | string): void {
    this.current = new Date(date);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
