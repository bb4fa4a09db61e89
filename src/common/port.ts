/**
 * One implementation a lower module needs from a higher one, supplied at start-up: the lower module declares the
 * interface and holds the Port; the higher module, which imports the lower one, supplies its implementation
 * from its module class's constructor (Nest builds every provider and module before any lifecycle hook or
 * request runs). Arrows between modules stay one way and no module needs to be global; `supply` calls name the
 * implementations, so "find references" on a port leads from its users to the class that does the work.
 */
export class Port<T extends object> {
  private implementation?: T;

  /** `name` is the interface, `supplier` the module expected to supply it (both only for error messages). */
  constructor(
    private readonly name: string,
    private readonly supplier: string,
  ) {}

  supply(implementation: T): void {
    if (this.implementation && this.implementation !== implementation) {
      throw new Error(`${this.name} is supplied twice`);
    }
    this.implementation = implementation;
  }

  /** The implementation; a wiring mistake (the supplying module is not part of the app) fails loudly. */
  get(): T {
    if (!this.implementation) {
      throw new Error(`No ${this.name} was supplied: is ${this.supplier} imported by the application module?`);
    }
    return this.implementation;
  }

  /** The implementation, or undefined for a port that is optional (nothing more happens without it). */
  find(): T | undefined {
    return this.implementation;
  }
}
