import { Injectable } from '@nestjs/common';

/** The one source of "now". Tests replace it (test/helpers/fake-clock.ts) instead of touching the database. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
