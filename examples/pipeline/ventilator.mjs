// The ventilator: one PUSH socket that hands tasks out to the workers,
// round-robin (PUSH load-balances over its connected peers). main.mjs runs it
// in its own process once every worker is up.

import { performance } from "node:perf_hooks"
import { zmq } from "./zmq.mjs"
import { encodeTask, fmt } from "./work.mjs"

/**
 * Connects to every worker and sends tasks 0..total-1.
 * Resolves with the socket (still open, so that nothing queued is dropped
 * before the sink has seen all results) and the time the first task was sent.
 */
export async function runVentilator({ workerEndpoints, total }) {
  const push = new zmq.Push({ sendHighWaterMark: 1000, linger: 0 })
  // Connecting (unlike binding) creates the pipe to each peer at once, before
  // the TCP handshake is done, so round-robin covers all workers from the
  // very first task: no "slow joiner" gets left out of the first burst.
  for (const endpoint of workerEndpoints) push.connect(endpoint)

  const startedAt = performance.now()
  for (let taskId = 0; taskId < total; taskId++) {
    // Resolves at once while there is room under the high-water mark and
    // waits (back-pressure) when every worker's queue is full.
    await push.send(encodeTask(taskId))
  }
  const ms = performance.now() - startedAt
  console.log(`[vent]   sent all ${fmt(total)} tasks in ${ms.toFixed(0)} ms`)
  return { push, startedAt }
}
