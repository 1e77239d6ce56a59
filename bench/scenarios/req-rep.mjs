// REQ -> REP round-trip latency between two processes (tcp or ipc).
//
// The client makes warm-up round trips (covering connection setup), then times
// each of `count` round trips; the result is the median and p99 in microseconds.
import { KiB, roundTrip } from "./common.mjs"

const SIZES = [16, 4 * KiB]
const ROUND_TRIPS = 10_000
const QUICK_ROUND_TRIPS = 1_000
// Steady state, not JIT warm-up: V8 optimises a JavaScript hot path only
// after thousands of calls, and while it does, round trips take milliseconds.
// With 200 warm-up round trips zmq-ts's p99 was 3-4x zeromq's (whose path is
// mostly C++); with 10,000 the tail is the steady state of both.
const WARMUP = 10_000

export function reqRep(transport) {
  return {
    id: `req-rep/${transport}`,
    name: "req-rep",
    transport,
    kind: "latency",
    title: `REQ -> REP round-trip latency over ${transport}, client and server in separate processes`,
    requires: ["Request", "Reply"],
    // tcp and ipc run by default: latency runs are short; ws only with --ws.
    optIn: transport === "ws" ? "ws" : undefined,

    ...roundTrip(transport, { sizes: SIZES, roundTrips: ROUND_TRIPS, quickRoundTrips: QUICK_ROUND_TRIPS, warmup: WARMUP, serverRole: "rep-server", clientRole: "req-client" }),
  }
}
