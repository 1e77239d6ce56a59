// CLIENT -> SERVER (RFC 41) round-trip latency between two processes, on
// `zmq-ts/draft` and `zeromq/draft`: the draft counterpart of req-rep. In the
// default run; each worker loading a draft entry prints its experimental-API
// warning to its own stderr, which the harness shows only with --verbose.
import { KiB, roundTrip } from "./common.mjs"

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

    ...roundTrip(transport, { sizes: SIZES, roundTrips: ROUND_TRIPS, quickRoundTrips: QUICK_ROUND_TRIPS, warmup: WARMUP, serverRole: "server-echo", clientRole: "client-rtt" }),
  }
}
