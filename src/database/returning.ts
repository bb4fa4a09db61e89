/**
 * The rows of an `UPDATE … RETURNING` or `DELETE … RETURNING` run through `query()`. TypeORM's PostgreSQL
 * driver answers those statements with `[rows, affectedCount]` (and plain SELECTs, or statements wrapped in
 * `WITH … SELECT`, with the rows alone); this accepts either shape so callers do not each guess.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return (result ?? []) as T[];
}
