// Subscribes to zmq-ts's diagnostics channels (docs/tracing.md) in a worker,
// as a minimal instrumentation would: one listener per channel that counts
// the events and the message bytes they report. For the "tracing" scenario.
// zeromq has no such channels: subscribing there costs nothing, and counts 0.
import * as dc from "node:diagnostics_channel"

const NAMES = ["zmq-ts:connection", "zmq-ts:handshake", "zmq-ts:message", "zmq-ts:drop"]

/** Subscribes when `on`; returns the counts, read into the role's result. */
export function traceSubscribers(on) {
  const counts = { events: 0, bytes: 0 }
  if (!on) return counts
  for (const name of NAMES) {
    dc.subscribe(name, (e) => {
      counts.events++
      if (typeof e.bytes === "number") counts.bytes += e.bytes
    })
  }
  return counts
}
