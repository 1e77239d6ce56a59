// A worker: PULLs tasks from the ventilator, does a tiny bit of work on each,
// and PUSHes the result to the sink. It stops when main sends it
// { type: "stop" } over the fork IPC channel: closing the PULL socket ends the
// `for await` loop, then it closes the PUSH socket and exits.
//
// Started by main.mjs with child_process.fork:
//   worker.mjs --name worker-1 --sink tcp://127.0.0.1:PORT
//
// The worker binds its own PULL socket (on a port the OS picks) and reports
// the endpoint to main, and the ventilator connects to every worker. See
// main.mjs for why the ventilator connects rather than binds.

import { parseArgs } from "node:util"
import { zmq } from "./zmq.mjs"
import { decodeTask, encodeResult, workFor } from "./work.mjs"

const { values } = parseArgs({ options: { name: { type: "string" }, sink: { type: "string" } } })
const { name, sink } = values
if (!process.send || !name || !sink) {
  console.error("worker.mjs is started by main.mjs (child_process.fork), with --name NAME --sink ENDPOINT")
  process.exit(2)
}

let stopping = false
const pull = new zmq.Pull({ receiveHighWaterMark: 1000, linger: 0 })
// Results are all delivered by the time main says stop (the sink has counted
// them), so nothing is left to linger for when the socket closes.
const push = new zmq.Push({ sendHighWaterMark: 1000, linger: 0 })

function stop() {
  if (stopping) return
  stopping = true
  pull.close() // ends the for-await loop below
}
process.on("message", (msg) => {
  if (msg?.type === "stop") stop()
})
process.on("disconnect", () => {
  // main went away: stop anyway rather than linger as an orphan.
  if (!stopping) process.exitCode = 1
  stop()
})

await pull.bind("tcp://127.0.0.1:*")
push.connect(sink)
process.send({ type: "ready", endpoint: pull.lastEndpoint })

let processed = 0
try {
  for await (const [task] of pull) {
    const taskId = decodeTask(task)
    await push.send(encodeResult(name, taskId, workFor(taskId)))
    processed++
  }
} catch (err) {
  // A receive cut short by our own close() is the normal way out.
  if (!stopping) throw err
}

push.close()
if (process.connected) {
  process.send({ type: "stopped", processed }, () => process.disconnect())
}
