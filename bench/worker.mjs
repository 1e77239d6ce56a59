// Benchmark worker: a child process forked by bench/run.mjs.
//
//   node bench/worker.mjs <zmq-ts|zeromq>
//
// The implementation is chosen by the argument. Everything else arrives over
// the fork IPC channel, as small JSON messages:
//
//   parent -> worker  { cmd: "run", role, params }   start a role (see roles/index.mjs)
//                     { cmd: "go" } / { cmd: "close" } / { cmd: "measure" }  steps that a role waits for
//   worker -> parent  { ev: "ready" | "warm" | "result" | "measured", ... }   sent by the role
//                     { ev: "done", result }   the role returned; its sockets are closed
//                     { ev: "error", message, unsupported, ... }   the role threw
//
// After "done" the worker disconnects the IPC channel and lets the event loop
// drain: if the implementation leaked a handle (an unclosed socket or timer),
// the process does not exit and the parent reports it.
import { loadImplementation, isUnsupportedError } from "./lib/impl.mjs"
import { roles as commonRoles } from "./roles/index.mjs"
import { connRouter, connDealers } from "./roles/connections.mjs"

/** Every role by name: roles/index.mjs, plus the "connections" scenarios' roles. */
const roles = { ...commonRoles, "conn-router": connRouter, "conn-dealers": connDealers }

const impl = process.argv[2]

/** The worker's side of the IPC channel: queued inbound commands and awaited sends. */
const control = (() => {
  const inbox = []
  const waiting = []
  process.on("message", (msg) => {
    const i = waiting.findIndex((w) => w.cmd === msg.cmd)
    if (i >= 0) waiting.splice(i, 1)[0].resolve(msg)
    else inbox.push(msg)
  })
  // If the parent goes away there is nobody to report to: do not linger as an orphan.
  process.on("disconnect", () => {
    if (!control.finished) process.exit(2)
  })
  return {
    finished: false,
    /** Sends an event to the parent; resolves once it is handed to the channel. */
    send(ev, data = {}) {
      return new Promise((resolve, reject) => {
        process.send({ ev, ...data }, (err) => (err ? reject(err) : resolve()))
      })
    },
    /** Resolves with the next command named `cmd` (commands may arrive before they are awaited). */
    next(cmd) {
      const i = inbox.findIndex((m) => m.cmd === cmd)
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0])
      return new Promise((resolve) => waiting.push({ cmd, resolve }))
    },
  }
})()

function describeError(err) {
  return {
    message: String(err?.message ?? err),
    code: err?.code,
    stack: err?.stack,
    unsupported: isUnsupportedError(err),
  }
}

async function main() {
  const { role, params } = await control.next("run")
  try {
    const fn = roles[role]
    if (!fn) throw new Error(`unknown worker role "${role}"`)
    const zmq = await loadImplementation(impl)
    const result = await fn(zmq, params ?? {}, control)
    control.finished = true
    await control.send("done", { result: result ?? null })
    process.disconnect()
  } catch (err) {
    control.finished = true
    await control.send("error", describeError(err)).catch(() => {})
    // Sockets may still be open after a failure: exit hard rather than hang.
    process.exit(1)
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
