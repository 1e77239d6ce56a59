// The cost of zmq-ts's diagnostics channels (docs/tracing.md): 16-byte
// PUSH -> PULL throughput over tcp and inproc, once with nobody subscribed
// and once with a counting listener on every zmq-ts channel, in both
// processes. zeromq has no such channels and runs the same cases as the
// reference: its two rows differ only by noise, which is what the zmq-ts
// "nobody subscribed" row must also show against the other push-pull/tcp and
// inproc rows (the hooks' cost when unused). Runs only when named:
// --scenario tracing.
import { throughputCount, warmupCount, MiB } from "./common.mjs"
import { inproc } from "./inproc.mjs"
import { runPushPull } from "./push-pull.mjs"

const BUDGET = { bytes: 512 * MiB, minCount: 1_000, maxCount: 400_000, quickFactor: 0.1 }

export const tracing = {
  id: "tracing",
  name: "tracing",
  kind: "throughput",
  title: "16 B PUSH -> PULL throughput with zmq-ts's diagnostics channels unsubscribed and subscribed",
  notes: [
    "subscribed: one counting listener on each of zmq-ts:connection, :handshake, :message, :drop in every process;",
    "each message is then published twice (sent, received). zeromq has no channels: its rows are the reference.",
  ],
  requires: ["Push", "Pull"],
  optIn: true,

  cases(opts) {
    const size = 16
    const count = throughputCount(size, BUDGET, opts)
    const warm = warmupCount(size, opts)
    return ["tcp", "inproc"].flatMap((transport) =>
      [false, true].map((trace) => ({ size, count, warm, trace, transport, label: `${transport} 16 B, ${trace ? "subscribed" : "nobody subscribed"}` })),
    )
  },

  run(impl, c, ctx) {
    return c.transport === "inproc" ? inproc.run(impl, c, ctx) : runPushPull("tcp", impl, c, ctx)
  },
}
