/** Percentiles of a sample (nearest-rank); `null` for an empty sample. Sorts `values` in place. */
export function percentiles(values: number[], ranks: readonly number[]): (number | null)[] {
  if (values.length === 0) return ranks.map(() => null);
  values.sort((a, b) => a - b);
  return ranks.map((p) => values[Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1))]!);
}
