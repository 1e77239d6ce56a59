/**
 * Guards (limits on how long a test may wait for an event before it counts as
 * hung) scaled for a saturated machine. `npm run test:stress` sets
 * ZMQ_TS_TIME_SCALE (default 4 there, 1 otherwise): with every core busy,
 * starting a child process or finishing a few hundred handshakes takes several
 * times longer, and a guard sized for an idle machine fails a correct test.
 * Only guards are scaled, never what a test measures (a linger, a heartbeat
 * interval, a minimum wait).
 */
export const TIME_SCALE = Math.max(1, Number(process.env.ZMQ_TS_TIME_SCALE ?? 1) || 1)

/** `ms` times TIME_SCALE. */
export function scaled(ms: number): number {
  return ms * TIME_SCALE
}

/**
 * Resolves once `cond()` holds, checked every 5 ms; fails naming `what` at the
 * deadline. For states no event announces (a kernel buffer filling up).
 */
export async function until(cond: () => boolean, what: string, deadlineMs = scaled(20_000)): Promise<void> {
  const end = Date.now() + deadlineMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
