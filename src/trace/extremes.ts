// Smallest and largest of a list, by a loop: Math.min(...list) throws RangeError (too many arguments)
// on the hundreds of thousands of events of a SYN flood or a port-exhaustion run.

/** The largest value, or `floor` if the list is empty or everything is below it. */
export function maximum(values: readonly number[], floor: number): number {
  let m = floor;
  for (const v of values) if (v > m) m = v;
  return m;
}

/** The smallest value, or `empty` for an empty list. */
export function minimum(values: readonly number[], empty: number): number {
  if (values.length === 0) return empty;
  let m = Infinity;
  for (const v of values) if (v < m) m = v;
  return m;
}
