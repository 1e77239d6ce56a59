// "connections": what many tcp connections to one ROUTER cost, one DEALER
// socket per connection (as many separate clients would have), every socket
// end in its own process. See roles/connections.mjs for the worker side.
//
// "connections/idle-rss" (kind "memory"): a router process binds a ROUTER on
// tcp 127.0.0.1; a dealer process opens WARMUP connections (untimed, kept
// open), then both record their memory after a full gc; then the dealer
// process opens `count` more connections, each proved by a request/reply
// round trip (so every handshake completed and the ROUTER knows every peer),
// and both record their memory again with all connections open and idle.
// Result: RSS growth / count for each side (bytes per connection, lower is
// better), with the V8 heap growth per connection for information.
//
// "connections/router-10k" (kind "capacity"): CLIENT_PROCESSES client
// processes share `count` connections (10,000 by default), each connection a
// DEALER that sends one request and waits for the ROUTER's reply, which the
// ROUTER routes back by routing id. Result: wall time from the first client's
// start to the last reply anywhere (connect all + serve one round; all
// processes read the same monotonic clock), the ROUTER's RSS at the end (after
// gc) and the replies received. A missing or wrong reply fails the run.
//
// In both, each client process keeps at most IN_FLIGHT connections in their
// handshake + round trip at once, and the ROUTER's listen backlog is BACKLOG,
// so that no SYN is dropped (that would time the kernel's retransmission
// timer, 1 s, instead of the implementations). Sockets use linger 0.
import { BenchError } from "../lib/child.mjs"
import { bindEndpoint, closeWorkers } from "./common.mjs"

const IDLE_CONNECTIONS = 1_000
const IDLE_QUICK_CONNECTIONS = 200
/** Untimed connections opened before the baseline memory snapshot. */
const WARMUP = 20
const ROUTER_CONNECTIONS = 10_000
const ROUTER_QUICK_CONNECTIONS = 1_000
export const CLIENT_PROCESSES = 2
/** Connections being set up at once per client process. */
const IN_FLIGHT = 64
/** ROUTER listen backlog (ZMQ_BACKLOG; both default to 100): above CLIENT_PROCESSES x IN_FLIGHT. */
const BACKLOG = 1024

const fmt = (v) => v.toLocaleString("en-US")
const count = (base, opts) => Math.max(10, Math.round(base * opts.scale))
/** How long clients wait for their replies before reporting a shortfall: below the parent's own timeout. */
const deadlineMs = (opts) => Math.max(1_000, opts.timeoutMs - 5_000)

/** The memory fields of a "measured" event. */
const memoryOf = ({ rss, heapUsed, external, arrayBuffers }) => ({ rss, heapUsed, external, arrayBuffers })

/** Throws unless every connection of every client process got exactly its own reply. */
function checkReplies(results, expected) {
  const replied = results.reduce((n, r) => n + r.replied, 0)
  const bad = results.reduce((n, r) => n + r.bad, 0)
  if (bad) throw new BenchError(`${fmt(bad)} of ${fmt(expected)} replies differ from their request (routed to the wrong peer, or corrupted)`)
  if (replied !== expected) {
    const timedOut = results.some((r) => r.timedOut) ? " before the deadline" : ""
    const per = results.map((r) => `${r.replied}/${r.count}`).join(", ")
    throw new BenchError(`only ${fmt(replied)} of ${fmt(expected)} connections got their reply${timedOut} (per client process: ${per})`)
  }
  return replied
}

/** Throws unless the ROUTER received exactly `expected` well-formed requests. */
function checkServed(measured, expected) {
  if (measured.badFrames) throw new BenchError(`ROUTER received ${fmt(measured.badFrames)} requests with the wrong frame count`)
  if (measured.served !== expected) throw new BenchError(`ROUTER received ${fmt(measured.served)} requests, expected ${fmt(expected)}`)
}

export const idleRss = {
  id: "connections/idle-rss",
  name: "connections",
  transport: "tcp",
  kind: "memory",
  title: "memory per idle tcp connection: ROUTER (bound) in one process, one DEALER socket per connection in another, each connection proved by a round trip",
  requires: ["Router", "Dealer"],
  notes: [
    "ROUTER / DEALER B/conn = growth of that process's RSS from before to after opening the connections, divided by their number; " +
      "both snapshots after two full gc, with " + WARMUP + " connections already open at the first one (first-socket and warm-up costs excluded)",
    "heap B/conn = the same for V8 heapUsed, ROUTER / DEALER process (for information: RSS includes it and native memory)",
  ],

  cases(opts) {
    const n = count(opts.quick ? IDLE_QUICK_CONNECTIONS : IDLE_CONNECTIONS, opts)
    return [{ count: n, label: "idle, 1 round trip", deadlineMs: deadlineMs(opts) }]
  },

  async run(impl, c, ctx) {
    const router = ctx.spawn(impl, "router")
    const dealers = ctx.spawn(impl, "dealers")
    router.start("conn-router", { endpoint: bindEndpoint("tcp", ctx), backlog: BACKLOG, measurements: 2 })
    const { endpoint } = await router.expect("ready")
    dealers.start("conn-dealers", { endpoint, warmup: WARMUP, count: c.count, inFlight: IN_FLIGHT, measure: true, deadlineMs: c.deadlineMs })
    const { before: dealerBefore } = await dealers.expect("ready")
    router.post("measure")
    const routerBefore = await router.expect("measured")
    checkServed(routerBefore, WARMUP)

    dealers.post("go")
    const res = await dealers.expect("result")
    checkReplies([res], c.count)
    router.post("measure")
    const routerAfter = await router.expect("measured")
    checkServed(routerAfter, WARMUP + c.count)
    await closeWorkers(ctx, dealers, router)

    const perConn = (before, after, key) => (after[key] - before[key]) / c.count
    return {
      connections: c.count,
      routerBytesPerConn: perConn(routerBefore, routerAfter, "rss"),
      dealerBytesPerConn: perConn(dealerBefore, res.after, "rss"),
      routerHeapPerConn: perConn(routerBefore, routerAfter, "heapUsed"),
      dealerHeapPerConn: perConn(dealerBefore, res.after, "heapUsed"),
      router: { before: memoryOf(routerBefore), after: memoryOf(routerAfter) },
      dealer: { before: dealerBefore, after: res.after },
      seconds: res.end - res.start,
    }
  },
}

export const router10k = {
  id: "connections/router-10k",
  name: "connections",
  transport: "tcp",
  kind: "capacity",
  title: `${ROUTER_CONNECTIONS.toLocaleString("en-US")} tcp connections to one ROUTER, held and served: ${CLIENT_PROCESSES} client processes, one DEALER per connection, one request each, replies routed by routing id`,
  requires: ["Router", "Dealer"],
  notes: [
    "s = wall time from the first client process starting to connect to the last reply received anywhere: connect every DEALER + serve one request each " +
      `(at most ${IN_FLIGHT} connections being set up at once per client process; ROUTER backlog ${BACKLOG})`,
    "ROUTER RSS = RSS of the ROUTER process at the end, all connections open, after two full gc; replied = replies received (fewest in a round); " +
      "any missing or misrouted reply fails the run",
  ],

  cases(opts) {
    const n = count(opts.quick ? ROUTER_QUICK_CONNECTIONS : ROUTER_CONNECTIONS, opts)
    return [{ count: n, label: "connect + 1 request each", deadlineMs: deadlineMs(opts) }]
  },

  async run(impl, c, ctx) {
    const router = ctx.spawn(impl, "router")
    const clients = Array.from({ length: CLIENT_PROCESSES }, (_, i) => ctx.spawn(impl, `clients ${i + 1}`))
    router.start("conn-router", { endpoint: bindEndpoint("tcp", ctx), backlog: BACKLOG, measurements: 2 })
    const { endpoint } = await router.expect("ready")
    router.post("measure")
    const routerBefore = await router.expect("measured")

    const shares = clients.map((_, i) => Math.floor(c.count / CLIENT_PROCESSES) + (i < c.count % CLIENT_PROCESSES ? 1 : 0))
    clients.forEach((cl, i) => {
      cl.start("conn-dealers", { endpoint, id: i, warmup: 0, count: shares[i], inFlight: IN_FLIGHT, measure: false, deadlineMs: c.deadlineMs })
    })
    await Promise.all(clients.map((cl) => cl.expect("ready")))
    for (const cl of clients) cl.post("go")
    const results = await Promise.all(clients.map((cl) => cl.expect("result")))
    const replied = checkReplies(results, c.count)
    router.post("measure")
    const routerAfter = await router.expect("measured")
    checkServed(routerAfter, c.count)
    await closeWorkers(ctx, ...clients, router)

    return {
      connections: c.count,
      seconds: Math.max(...results.map((r) => r.end)) - Math.min(...results.map((r) => r.start)),
      routerRss: routerAfter.rss,
      replied,
      routerBytesPerConn: (routerAfter.rss - routerBefore.rss) / c.count,
      router: { before: memoryOf(routerBefore), after: memoryOf(routerAfter) },
      clientRss: results.map((r) => r.rss),
    }
  },
}
