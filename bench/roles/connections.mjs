// Worker roles for the "connections" scenarios: many tcp connections to one
// ROUTER, measuring memory (RSS) and the time to connect and serve them.
//
// "conn-router": binds a ROUTER (mandatory, so an unroutable reply throws
// instead of vanishing) and echoes every request [routing id, body] back to
// its sender until "close". On each "measure" command (p.measurements of
// them) it collects garbage and reports its memory and how many requests it
// has received so far ("measured", as `served`).
//
// "conn-dealers": opens connections, one DEALER socket per connection (as N
// separate clients would; a second connect() of the same socket to the same
// endpoint is not a second client). Every connection is proved by a round
// trip: the DEALER sends its own index as the request and waits for the
// ROUTER's reply, which must be exactly that request (so it was routed back
// to the right peer). No sleeps: a connection counts once its reply arrived.
//   1. p.warmup connections (untimed, kept open: they take the one-time costs
//      such as the first socket, the I/O thread, code warm-up out of the
//      per-connection figures), then a memory snapshot and "ready"
//   2. wait for "go", then p.count connections with at most p.inFlight
//      connecting at once (so the listen backlog never overflows, which would
//      only measure kernel SYN retransmission timers)
//   3. "result": first start and last reply times, replies, memory (after gc,
//      with p.measure), or the shortfall if p.deadlineMs passed first
//   4. wait for "close", close every socket
// All sockets live in one Context whose maxSockets is raised to fit (libzmq's
// default of 1023 sockets per context would stop zeromq at 1,023).
import v8 from "node:v8"
import vm from "node:vm"
import { socketClass } from "../lib/impl.mjs"
import { nowSeconds } from "../lib/stats.mjs"

/**
 * A full garbage collection. Workers are forked without --expose-gc, so the
 * first call switches the flag on at run time and takes `gc` from a fresh V8
 * context (only in the workers that measure memory).
 */
let gcFn = typeof globalThis.gc === "function" ? globalThis.gc : null
function gc() {
  if (!gcFn) {
    v8.setFlagsFromString("--expose-gc")
    gcFn = vm.runInNewContext("gc")
  }
  gcFn()
}

/** Process memory after two full collections (bytes). */
export function memorySnapshot() {
  gc()
  gc()
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }
}

/** A Context from the implementation with room for `sockets` sockets. */
function contextFor(zmq, sockets) {
  if (typeof zmq.Context !== "function") return undefined
  return new zmq.Context({ maxSockets: Math.max(1023, sockets + 16) })
}

/** ROUTER side: bind, echo requests to their senders, report memory on "measure". */
export async function connRouter(zmq, p, control) {
  const Router = socketClass(zmq, "Router")
  const sock = new Router({ linger: 0, mandatory: true, ...(p.backlog ? { backlog: p.backlog } : {}), ...p.socketOptions })
  let served = 0
  let badFrames = 0
  let closing = false
  try {
    await sock.bind(p.endpoint)
    // Rejects if serving fails before "close"; never resolves otherwise.
    const serving = (async () => {
      try {
        for (;;) {
          const frames = await sock.receive()
          served++ // counted on receipt: the reply's arrival at the DEALER can beat this send's promise
          if (frames.length !== 2) badFrames++
          await sock.send(frames)
        }
      } catch (err) {
        if (!closing) throw err
      }
      return new Promise(() => {})
    })()
    serving.catch(() => {}) // raced below; keep it from counting as unhandled meanwhile
    await control.send("ready", { endpoint: sock.lastEndpoint })
    for (let i = 0; i < p.measurements; i++) {
      await Promise.race([control.next("measure"), serving])
      await control.send("measured", { served, badFrames, ...memorySnapshot() })
    }
    await Promise.race([control.next("close"), serving])
    return { served, badFrames }
  } finally {
    closing = true
    sock.close()
  }
}

/** DEALER side: `warmup` then `count` connections, each proved by a round trip. */
export async function connDealers(zmq, p, control) {
  const Dealer = socketClass(zmq, "Dealer")
  const context = contextFor(zmq, p.warmup + p.count)
  const sockets = []
  const options = { linger: 0, ...(context ? { context } : {}), ...p.socketOptions }
  let bad = 0

  /** One connection: new DEALER, connect, send its index, wait for the same bytes back. */
  const connectOne = async (index) => {
    // A fresh options object each time: zeromq.js deletes `context` from the one it is given.
    const sock = new Dealer({ ...options })
    sockets.push(sock)
    sock.connect(p.endpoint)
    const request = Buffer.alloc(8)
    request.writeUInt32BE(p.id ?? 0, 0)
    request.writeUInt32BE(index, 4)
    await sock.send(request)
    const reply = await sock.receive()
    if (reply.length !== 1 || !reply[0].equals(request)) bad++
  }

  /** Runs connections first..first+n-1, at most inFlight at once; resolves with replies and the last reply time. */
  const connectMany = (first, n) => {
    let next = 0
    let replied = 0
    let last = 0
    const lane = async () => {
      while (next < n) {
        const i = first + next++
        try {
          await connectOne(i)
        } catch (err) {
          err.message += ` (connection ${i + 1}, with ${sockets.length} DEALER sockets created and ${first + replied} replies so far)`
          throw err
        }
        replied++
        last = nowSeconds()
      }
    }
    const lanes = Array.from({ length: Math.min(p.inFlight, n) }, lane)
    return { all: Promise.all(lanes), progress: () => ({ replied, last }) }
  }

  try {
    const warm = connectMany(0, p.warmup)
    await warm.all
    const before = p.measure ? memorySnapshot() : undefined
    await control.send("ready", { before })
    await control.next("go")

    const start = nowSeconds()
    const run = connectMany(p.warmup, p.count)
    let timer
    const deadline = new Promise((resolve) => {
      timer = setTimeout(resolve, p.deadlineMs, "deadline")
    })
    // A lane that failed (not just waited) fails the role; the deadline reports a shortfall.
    const outcome = await Promise.race([run.all, deadline])
    clearTimeout(timer)
    run.all.catch(() => {}) // after a deadline the stuck lanes reject when their sockets close
    const { replied, last } = run.progress()
    const after = p.measure && outcome !== "deadline" ? memorySnapshot() : undefined
    await control.send("result", {
      count: p.count,
      replied,
      bad,
      timedOut: outcome === "deadline",
      start,
      end: last,
      sockets: sockets.length,
      before,
      after,
      rss: process.memoryUsage().rss,
    })
    await control.next("close")
    return { replied }
  } finally {
    for (const s of sockets) s.close()
  }
}
