// The sink: one PULL socket that every worker PUSHes its results to (fan-in,
// fair-queued). It counts results per worker, prints progress every 10 %,
// checks that every task came back exactly once, and when it has all of them
// tells main over the fork IPC channel, closes its socket and exits.
//
// Started by main.mjs with child_process.fork:  sink.mjs --tasks N

import { parseArgs } from "node:util"
import { performance } from "node:perf_hooks"
import { zmq } from "./zmq.mjs"
import { decodeResult, fmt } from "./work.mjs"

const { values } = parseArgs({ options: { tasks: { type: "string" } } })
const total = Number(values.tasks)
if (!process.send || !Number.isSafeInteger(total) || total < 1) {
  console.error("sink.mjs is started by main.mjs (child_process.fork), with --tasks N")
  process.exit(2)
}

let finished = false
process.on("disconnect", () => {
  // main went away before we were done: nothing left to report to.
  if (!finished) process.exit(1)
})

const pull = new zmq.Pull({ receiveHighWaterMark: 1000, linger: 0 })
await pull.bind("tcp://127.0.0.1:*") // port chosen by the OS
process.send({ type: "ready", endpoint: pull.lastEndpoint })

const perWorker = {}
const seen = new Uint8Array(total)
let received = 0
let unique = 0
let outOfRange = 0
let checksum = 0
let startedAt = 0
const step = Math.max(1, Math.ceil(total / 10))
let nextReport = step

for await (const frames of pull) {
  if (received === 0) startedAt = performance.now()
  const { worker, taskId, answer } = decodeResult(frames)
  received++
  perWorker[worker] = (perWorker[worker] ?? 0) + 1
  if (taskId >= total) {
    outOfRange++
  } else if (seen[taskId] === 0) {
    seen[taskId] = 1
    unique++
    checksum += answer
  }

  if (received >= nextReport || received === total) {
    const ms = performance.now() - startedAt
    const pct = Math.floor((received * 100) / total)
    const rate = ms > 0 ? fmt((received / ms) * 1000) : "-"
    console.log(
      `[sink]   ${String(pct).padStart(3)}%  ${fmt(received).padStart(12)} results  ${ms.toFixed(0).padStart(6)} ms  ${rate} results/s`,
    )
    nextReport += step
  }
  if (received === total) break
}

pull.close()
finished = true
process.send(
  {
    type: "done",
    received,
    unique,
    duplicates: received - unique - outOfRange,
    outOfRange,
    checksum,
    perWorker,
    // first result received -> last result received, as the sink saw it
    sinkElapsedMs: performance.now() - startedAt,
  },
  () => process.disconnect(), // lets the process exit once the message is out
)
