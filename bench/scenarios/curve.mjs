// CURVE (RFC 26) scenarios over tcp, every socket in its own process.
//
// "curve": PUSH -> PULL throughput with CURVE on both ends, run exactly like
// push-pull/tcp (see push-pull.mjs): the PULL is the CURVE server (binds),
// the PUSH the CURVE client (connects). Every message is encrypted by the
// sender and decrypted by the receiver (crypto_box_afternm, RFC 26 MESSAGE).
//
// "curve-handshake": CURVE handshakes per second. A server process binds a
// PULL with curveServer; a client process repeatedly creates a PUSH with the
// CURVE client options, connects, waits for its "handshake" event and closes
// it (linger 0); see roles/curve.mjs. Two cases: one connection at a time, and
// PARALLEL connections in flight at once.
//
// Keys come from each implementation's own curveKeyPair(), in the workers.
import { BenchError } from "../lib/child.mjs"
import { bindEndpoint, closeWorkers, throughputCount, warmupCount, KiB, MiB } from "./common.mjs"
import { runPushPull } from "./push-pull.mjs"

const SIZES = [64, 1 * KiB, 64 * KiB]
/**
 * Byte budget per throughput run, below push-pull's (CURVE costs per message
 * and per byte). On a 2-core machine one run takes about 0.2-1 s with zeromq
 * and 0.3-4 s with zmq-ts; the two scenarios together add about a minute to
 * the default `npm run bench`.
 */
const BUDGET = { bytes: 96 * MiB, minCount: 1_000, maxCount: 24_000, quickFactor: 0.1 }

export const curve = {
  id: "curve/tcp",
  name: "curve",
  transport: "tcp",
  kind: "throughput",
  title: "PUSH -> PULL throughput over tcp with CURVE (PULL = server, PUSH = client), sender and receiver in separate processes",
  requires: ["Push", "Pull"],

  cases(opts) {
    return SIZES.map((size) => ({ size, count: throughputCount(size, BUDGET, opts), warm: warmupCount(size, opts) }))
  },

  run(impl, c, ctx) {
    return runPushPull("tcp", impl, c, ctx, { curve: true })
  },
}

/** Connections in flight at once in the parallel case. */
export const PARALLEL = 8
const HANDSHAKES = 400
const QUICK_HANDSHAKES = 60
const WARMUP = 20

export const curveHandshake = {
  id: "curve-handshake/tcp",
  name: "curve-handshake",
  transport: "tcp",
  kind: "handshake",
  title: "CURVE handshakes per second over tcp: a client process creates a PUSH, connects, waits for \"handshake\", closes it (linger 0); the server (PULL, bound) in another process",
  requires: ["Push", "Pull"],
  notes: [
    "handshakes/s = handshakes completed / wall time of the timed loop (socket creation, connect, full CURVE handshake, close)",
    "ms each = median time from creating the socket to its \"handshake\" event; with several in flight it includes waiting for the others",
    `one client key pair per client process; each connection makes fresh transient keys; ${WARMUP} untimed handshakes first`,
  ],

  cases(opts) {
    const base = opts.quick ? QUICK_HANDSHAKES : HANDSHAKES
    const count = Math.max(PARALLEL, Math.round(base * opts.scale))
    return [1, PARALLEL].map((parallel) => ({ count, parallel, label: parallel === 1 ? "1 at a time" : `${parallel} at once` }))
  },

  async run(impl, { count, parallel }, ctx) {
    const server = ctx.spawn(impl, "server")
    const client = ctx.spawn(impl, "client")
    server.start("curve-handshake-server", { endpoint: bindEndpoint("tcp", ctx) })
    const { endpoint, serverKey } = await server.expect("ready")
    client.start("curve-handshake-client", { endpoint, serverKey, count, parallel, warmup: WARMUP })
    await client.expect("ready")
    client.post("go")
    const res = await client.expect("result")
    await closeWorkers(ctx, client, server)
    if (res.count !== count) throw new BenchError(`${res.count} handshakes timed, expected ${count}`)
    return res
  },
}
