// Small statistics helpers shared by the worker roles and the runner.

/** Median of a list of numbers (mean of the two middle values for an even count). */
export function median(values) {
  if (values.length === 0) return NaN
  const sorted = Float64Array.from(values).sort()
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * Nearest-rank percentile (p in 0..100) of an already sorted array:
 * the smallest value with at least p% of the samples at or below it.
 */
export function percentileSorted(sorted, p) {
  if (sorted.length === 0) return NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

/** Summary of latency samples in microseconds. */
export function latencySummary(samplesUs) {
  const sorted = Float64Array.from(samplesUs).sort()
  let sum = 0
  for (const v of sorted) sum += v
  return {
    count: sorted.length,
    medianUs: median(sorted),
    p99Us: percentileSorted(sorted, 99),
    meanUs: sum / sorted.length,
    minUs: sorted[0],
    maxUs: sorted[sorted.length - 1],
  }
}

/** Monotonic clock in seconds (CLOCK_MONOTONIC, high resolution). */
export function nowSeconds() {
  return Number(process.hrtime.bigint()) / 1e9
}
