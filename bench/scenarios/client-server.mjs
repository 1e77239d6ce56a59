// CLIENT -> SERVER (RFC 41) round-trip latency between two processes, on
// `zmq-ts/draft` and `zeromq/draft`: the draft counterpart of req-rep. In the
// default run; each worker loading a draft entry prints its experimental-API
// warning to its own stderr, which the harness shows only with --verbose.
import { BenchError } from "../lib/child.mjs"
import { bindEndpoint, closeWorkers, KiB } from "./common.mjs"

const SIZES = [16, 4 * KiB]
/**
 * Half of req-rep's: zeromq.js's CLIENT stalls for tens of milliseconds now
 * and then (p99 ~50 ms on a busy 2-core machine), and 10,000 warm-up round
 * trips at 4 KiB could outlast the 60 s step timeout there.
 */
const ROUND_TRIPS = 5_000
const QUICK_ROUND_TRIPS = 500
/** Enough for V8 to have optimised zmq-ts's hot path. */
const WARMUP = 2_000

export function clientServer(transport) {
  return {
    id: `client-server/${transport}`,
    name: "client-server",
    transport,
    kind: "latency",
    title: `CLIENT -> SERVER round-trip latency over ${transport} (draft sockets), client and server in separate processes`,
    requires: [],

    cases(opts) {
      const base = opts.quick ? QUICK_ROUND_TRIPS : ROUND_TRIPS
      const count = Math.max(100, Math.round(base * opts.scale))
      return SIZES.map((size) => ({ size, count }))
    },

    async run(impl, { size, count }, ctx) {
      const server = ctx.spawn(impl, "server")
      const client = ctx.spawn(impl, "client")
      const warmup = Math.min(WARMUP, count)
      server.start("server-echo", { endpoint: bindEndpoint(transport, ctx), warmup, count })
      const { endpoint } = await server.expect("ready")
      client.start("client-rtt", { endpoint, size, count, warmup })
      await client.expect("ready")
      client.post("go")
      const res = await client.expect("result")
      await server.expect("result")
      await closeWorkers(ctx, client, server)
      if (res.count !== count || res.badReplies) {
        throw new BenchError(`${res.count} round trips timed (expected ${count}), ${res.badReplies} bad replies`)
      }
      return { count, medianUs: res.medianUs, p99Us: res.p99Us, meanUs: res.meanUs }
    },
  }
}
