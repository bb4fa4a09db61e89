/**
 * A statement written with named parameters, numbered for pg in one place: `compose` receives, for each declared
 * name, its placeholder (`$1`, `$2`, … in the order of `names`), and `params` turns a record of values into pg's
 * positional array in that same order. Parts of a long statement are plain functions of the placeholders, so they
 * can be written and read apart without counting positions (no `$${first + i}` arithmetic).
 *
 * The text is fixed when the statement is declared (a prepared statement's text never changes). A declared name
 * the text never uses is an error at once: PostgreSQL would refuse the statement ("could not determine data
 * type of parameter") on its first run, far from the cause.
 */
export interface NamedStatement<N extends string> {
  readonly text: string;
  readonly names: readonly N[];
  /** The values, in the order of the placeholders. */
  params(values: Readonly<Record<N, unknown>>): unknown[];
}

export function namedStatement<const N extends string>(
  names: readonly N[],
  compose: (p: Readonly<Record<N, string>>) => string,
): NamedStatement<N> {
  if (new Set(names).size !== names.length) {
    throw new Error(`A named statement declares a parameter twice: ${names.join(', ')}`);
  }
  const placeholders = Object.fromEntries(names.map((name, i) => [name, `$${i + 1}`])) as Record<N, string>;
  const text = compose(placeholders);
  const unused = names.filter((_, i) => !new RegExp(`\\$${i + 1}(?!\\d)`).test(text));
  if (unused.length > 0) {
    throw new Error(`A named statement never uses these parameters: ${unused.join(', ')}`);
  }
  return {
    text,
    names,
    params: (values) => names.map((name) => values[name]),
  };
}
