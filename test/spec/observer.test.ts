/**
 * socket.events (the Observer) against zeromq.js v6 as the reference.
 *
 * Each scenario runs twice, once with `zeromq` 6.8.0 sockets and once with
 * zmq-ts sockets, over tcp and over ipc, and the events every socket saw are
 * compared after normalising what legitimately differs between two runs: the
 * endpoint (a fresh port or path each run) becomes "<endpoint>", and a
 * connect:retry interval becomes "<interval>" when it lies in libzmq's range
 * [reconnectInterval, 2 * reconnectInterval) (any other value is kept, so the
 * comparison fails). Event order is compared per socket only: the order
 * between two sockets' event streams is not defined.
 *
 * Scenarios: connect to a bound peer; the connecting peer closes; the bound
 * peer closes; connect to an endpoint nothing listens on; bind twice on the
 * same endpoint; unbind. Then the two reading modes: on()/off() listeners
 * and `for await (const e of socket.events)`, which ends when the socket
 * closes, and receive() after on().
 *
 * Synchronisation is on events only: a recorder resolves when the n-th event
 * of a type arrives, with a snapshot of the events up to and including it.
 */
import assert from "node:assert/strict"
import { afterEach, test } from "node:test"
import * as zeromq from "zeromq"
import * as zmqts from "../../src/index.js"
import { freshAddress, unboundEndpoint } from "../helpers/transports.js"
import { scaled } from "../helpers/time.js"

// ---- the two libraries behind one structural interface ---------------------------

interface EventErrorLike {
  code?: string
  errno?: number
  message?: string
}

interface EventLike {
  type: string
  address?: string
  interval?: number
  error?: EventErrorLike
}

interface ObserverLike {
  readonly closed: boolean
  on(type: string, listener: (e: EventLike) => void): unknown
  off(type: string, listener: (e: EventLike) => void): unknown
  receive(): Promise<EventLike>
  [Symbol.asyncIterator](): AsyncIterator<EventLike, undefined>
}

interface SocketLike {
  readonly events: ObserverLike
  readonly lastEndpoint: string | null
  readonly closed: boolean
  bind(address: string): Promise<void>
  unbind(address: string): Promise<void>
  connect(address: string): void
  close(): void
}

interface SocketOptionsLike {
  linger?: number
  reconnectInterval?: number
}

interface Lib {
  name: "zeromq" | "zmq-ts"
  Push: new (options?: SocketOptionsLike) => SocketLike
  Pull: new (options?: SocketOptionsLike) => SocketLike
}

/** Every socket a test makes, closed after it however it ends. */
const opened: SocketLike[] = []
afterEach(() => {
  for (const s of opened.splice(0)) if (!s.closed) s.close()
})

function tracked(ctor: unknown): new (options?: SocketOptionsLike) => SocketLike {
  const C = ctor as new (options?: SocketOptionsLike) => SocketLike
  return class {
    constructor(options?: SocketOptionsLike) {
      const sock = new C(options)
      opened.push(sock)
      return sock
    }
  } as unknown as new (options?: SocketOptionsLike) => SocketLike
}

const ZEROMQ: Lib = { name: "zeromq", Push: tracked(zeromq.Push), Pull: tracked(zeromq.Pull) }
const ZMQ_TS: Lib = { name: "zmq-ts", Push: tracked(zmqts.Push), Pull: tracked(zmqts.Pull) }

type Transport = "tcp" | "ipc"
const TRANSPORTS: readonly Transport[] = ["tcp", "ipc"]

/** Every event type zeromq.js v6 defines. */
const EVENT_TYPES = [
  "accept",
  "accept:error",
  "bind",
  "bind:error",
  "connect",
  "connect:delay",
  "connect:retry",
  "close",
  "close:error",
  "disconnect",
  "end",
  "handshake",
  "handshake:error:protocol",
  "handshake:error:auth",
  "handshake:error:other",
  "unknown",
] as const

/** reconnectInterval used wherever connect:retry is looked at. */
const RECONNECT_IVL = 50

// ---- recording and normalising ----------------------------------------------------

type Normal = Record<string, unknown>

interface Norms {
  /** The endpoint(s) of the run, each shown as "<endpoint>". */
  endpoints: string[]
  reconnectInterval: number
}

/** An event as a plain object that two runs can be compared on. */
function normalise(e: EventLike, n: Norms): Normal {
  const out: Normal = { type: e.type }
  const raw = e as unknown as Record<string, unknown>
  for (const key of Object.keys(raw).sort()) {
    const value = raw[key]
    if (key === "type") continue
    if (key === "address") {
      out.address = typeof value === "string" && n.endpoints.includes(value) ? "<endpoint>" : value
    } else if (key === "interval") {
      const ok = typeof value === "number" && value >= n.reconnectInterval && value < 2 * n.reconnectInterval
      out.interval = ok ? "<interval>" : value
    } else if (key === "error") {
      const err = value as EventErrorLike
      out.error = { code: err.code, errno: err.errno, message: err.message }
    } else {
      out[key] = value
    }
  }
  return out
}

/**
 * Records every event of a socket in on() mode. until(type, n) resolves when
 * the n-th event of `type` (counted from the start) arrives, with a snapshot
 * of everything recorded up to and including it; take() returns what was
 * recorded since the last take() and starts afresh.
 */
class Recorder {
  readonly all: EventLike[] = []
  private from = 0
  private readonly waiters: { type: string; n: number; resolve: (snap: EventLike[]) => void }[] = []

  constructor(sock: SocketLike) {
    const obs = sock.events
    for (const type of EVENT_TYPES) obs.on(type, (e) => this.push(e))
  }

  private push(e: EventLike): void {
    this.all.push(e)
    for (const w of [...this.waiters]) {
      if (this.count(w.type) >= w.n) {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        w.resolve(this.all.slice(this.from))
      }
    }
  }

  private count(type: string): number {
    return this.all.filter((e) => e.type === type).length
  }

  /** Events since the last take(), up to the n-th `type` event overall. */
  until(type: string, n = 1): Promise<EventLike[]> {
    if (this.count(type) >= n) {
      let seen = 0
      const end = this.all.findIndex((e) => e.type === type && ++seen === n)
      return Promise.resolve(this.all.slice(this.from, end + 1))
    }
    return new Promise((resolve) => this.waiters.push({ type, n, resolve }))
  }

  take(): EventLike[] {
    const out = this.all.slice(this.from)
    this.from = this.all.length
    return out
  }
}

/** Closes a socket and waits for its observer's "end" (zeromq.js reports it asynchronously). */
async function closeAndEnd(sock: SocketLike, rec: Recorder): Promise<void> {
  const end = rec.until("end")
  sock.close()
  await end
}

/** The outcome of a bind(): "ok", or the rejection's code, errno and address. */
async function bindOutcome(sock: SocketLike, address: string): Promise<Normal | "ok"> {
  try {
    await sock.bind(address)
    return "ok"
  } catch (err) {
    const e = err as { code?: string; errno?: number; address?: string }
    return { code: e.code, errno: e.errno, address: e.address }
  }
}

type ScenarioResult = Record<string, unknown>

/** Runs a scenario with both libraries and asserts zmq-ts saw what zeromq.js saw. */
async function compare(t: Transport, scenario: (lib: Lib, t: Transport) => Promise<ScenarioResult>): Promise<void> {
  const reference = await scenario(ZEROMQ, t)
  const actual = await scenario(ZMQ_TS, t)
  assert.deepEqual(actual, reference, `zmq-ts differs from zeromq.js over ${t}\n  zmq-ts:    ${render(actual)}\n  zeromq.js: ${render(reference)}`)
}

/** A scenario result on one line: `role: type(address, interval, error) ...`. */
function render(result: ScenarioResult): string {
  const one = (e: Normal): string => {
    const parts = Object.entries(e)
      .filter(([k]) => k !== "type")
      .map(([k, v]) => `${k}=${typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`)
    return parts.length > 0 ? `${String(e.type)}(${parts.join(", ")})` : String(e.type)
  }
  return Object.entries(result)
    .map(([role, v]) => `${role}: ${Array.isArray(v) ? (v as Normal[]).map(one).join(" ") : JSON.stringify(v)}`)
    .join(" | ")
}

const norm = (events: EventLike[], n: Norms): Normal[] => events.map((e) => normalise(e, n))

/** A bound PULL and a PUSH connected to it, both handshaken, with their recorders. */
async function connectedPair(lib: Lib, t: Transport) {
  const binder = new lib.Pull({ linger: 0 })
  const connecter = new lib.Push({ linger: 0, reconnectInterval: RECONNECT_IVL })
  const rb = new Recorder(binder)
  const rc = new Recorder(connecter)
  await binder.bind(freshAddress(t))
  const endpoint = binder.lastEndpoint
  assert.ok(endpoint !== null)
  const handshaken = Promise.all([rb.until("handshake"), rc.until("handshake")])
  connecter.connect(endpoint)
  const [binderEvents, connecterEvents] = await handshaken
  rb.take()
  rc.take()
  const n: Norms = { endpoints: [endpoint], reconnectInterval: RECONNECT_IVL }
  return { binder, connecter, rb, rc, endpoint, n, setup: { binder: norm(binderEvents, n), connecter: norm(connecterEvents, n) } }
}

// ---- scenarios -------------------------------------------------------------------

async function connectToBoundPeer(lib: Lib, t: Transport): Promise<ScenarioResult> {
  const p = await connectedPair(lib, t)
  await closeAndEnd(p.connecter, p.rc)
  await closeAndEnd(p.binder, p.rb)
  return p.setup
}

async function connectingPeerCloses(lib: Lib, t: Transport): Promise<ScenarioResult> {
  const p = await connectedPair(lib, t)
  const binderSaw = p.rb.until("disconnect")
  const connecterSaw = p.rc.until("end")
  p.connecter.close()
  const result = { binder: norm(await binderSaw, p.n), connecter: norm(await connecterSaw, p.n) }
  await closeAndEnd(p.binder, p.rb)
  return result
}

async function boundPeerCloses(lib: Lib, t: Transport): Promise<ScenarioResult> {
  const p = await connectedPair(lib, t)
  const binderSaw = p.rb.until("end")
  // The connecter loses its peer and schedules a reconnect.
  const connecterSaw = p.rc.until("connect:retry")
  p.binder.close()
  const result = { binder: norm(await binderSaw, p.n), connecter: norm(await connecterSaw, p.n) }
  await closeAndEnd(p.connecter, p.rc)
  return result
}

async function connectToNothing(lib: Lib, t: Transport): Promise<ScenarioResult> {
  const endpoint = await unboundEndpoint(t)
  const sock = new lib.Push({ linger: 0, reconnectInterval: RECONNECT_IVL })
  const rec = new Recorder(sock)
  const twoRetries = rec.until("connect:retry", 2)
  sock.connect(endpoint)
  const events = await twoRetries
  const endSaw = rec.until("end")
  sock.close()
  const after = await endSaw
  const n: Norms = { endpoints: [endpoint], reconnectInterval: RECONNECT_IVL }
  return { connecter: norm(events, n), last: after.at(-1)?.type }
}

async function bindTwice(lib: Lib, t: Transport): Promise<ScenarioResult> {
  const first = new lib.Pull({ linger: 0 })
  const r1 = new Recorder(first)
  await first.bind(freshAddress(t))
  const endpoint = first.lastEndpoint
  assert.ok(endpoint !== null)
  const second = new lib.Pull({ linger: 0 })
  const r2 = new Recorder(second)
  const outcome = await bindOutcome(second, endpoint)
  // tcp: EADDRINUSE. ipc: libzmq removes the other socket's file and binds (zmq-ts does too).
  const secondEvents = await r2.until(outcome === "ok" ? "bind" : "bind:error")
  const n: Norms = { endpoints: [endpoint], reconnectInterval: RECONNECT_IVL }
  const firstEvents = await r1.until("bind")
  const normOutcome = outcome === "ok" ? outcome : { ...outcome, address: outcome.address === endpoint ? "<endpoint>" : outcome.address }
  await closeAndEnd(second, r2)
  await closeAndEnd(first, r1)
  return { first: norm(firstEvents, n), second: norm(secondEvents, n), secondBind: normOutcome }
}

async function unbind(lib: Lib, t: Transport): Promise<ScenarioResult> {
  const sock = new lib.Pull({ linger: 0 })
  const rec = new Recorder(sock)
  await sock.bind(freshAddress(t))
  const endpoint = sock.lastEndpoint
  assert.ok(endpoint !== null)
  await rec.until("bind")
  const closed = rec.until("close")
  await sock.unbind(endpoint)
  await closed
  await closeAndEnd(sock, rec)
  return { sock: norm(rec.take(), { endpoints: [endpoint], reconnectInterval: RECONNECT_IVL }) }
}

const SCENARIOS: readonly [string, (lib: Lib, t: Transport) => Promise<ScenarioResult>][] = [
  ["connect to a bound peer: bind, accept, connect, handshake", connectToBoundPeer],
  ["the connecting peer closes: disconnect on the binder, end on the closed socket", connectingPeerCloses],
  ["the bound peer closes: its own events to end, disconnect and connect:retry on the connecter", boundPeerCloses],
  ["connect to an endpoint nothing listens on: connect:delay / connect:retry with interval, then end", connectToNothing],
  ["bind twice on the same endpoint: bind:error EADDRINUSE on tcp, a second bind on ipc", bindTwice],
  ["unbind: close with the address, then end after close()", unbind],
]

for (const [name, scenario] of SCENARIOS) {
  for (const t of TRANSPORTS) {
    // A documented difference: on a failed tcp bind libzmq 4.3.5 also emits a
    // "close" without an address and gives bind:error the address without
    // "tcp://"; zmq-ts emits bind:error alone, with the endpoint as written.
    // The tcp case is checked on its own below.
    if (scenario === bindTwice && t === "tcp") continue
    void test(`events as zeromq.js gives them: ${name} [${t}]`, { timeout: scaled(10_000) }, () => compare(t, scenario))
  }
}

void test("bind twice on one tcp endpoint: as zeromq.js, a close without address, then bind:error EADDRINUSE with the address after tcp:// (zmq-ts)", { timeout: scaled(10_000) }, async () => {
  const result = await bindTwice(ZMQ_TS, "tcp")
  assert.deepEqual(result.secondBind, { code: "EADDRINUSE", errno: 98, address: "<endpoint>" })
  const second = result.second as Normal[]
  assert.deepEqual(
    second.map((e) => e.type),
    ["close", "bind:error"],
  )
  assert.equal(second[0]!.address, undefined)
  assert.match(String(second[1]!.address), /^[^:/]+:\d+$/)
})

// ---- zmq-ts on its own: every event carries the socket's address ---------------------

for (const t of TRANSPORTS) {
  void test(`every zmq-ts event but end carries the endpoint as address, connect:retry an interval in range [${t}]`, { timeout: scaled(10_000) }, async () => {
    const p = await connectedPair(ZMQ_TS, t)
    const retry = p.rc.until("connect:retry")
    const binderEnd = p.rb.until("end")
    p.binder.close()
    await Promise.all([retry, binderEnd])
    await closeAndEnd(p.connecter, p.rc)
    const seen = [...p.rb.all, ...p.rc.all]
    for (const type of ["bind", "accept", "connect", "handshake", "disconnect", "connect:retry", "end"]) {
      assert.ok(
        seen.some((e) => e.type === type),
        `saw a ${type} event`,
      )
    }
    for (const e of seen) {
      if (e.type === "end") {
        assert.deepEqual(Object.keys(e), ["type"])
        continue
      }
      assert.equal(e.address, p.endpoint, `${e.type} carries the endpoint`)
      if (e.type === "connect:retry") {
        assert.ok(typeof e.interval === "number" && e.interval >= RECONNECT_IVL && e.interval < 2 * RECONNECT_IVL, `interval ${e.interval}`)
      }
    }
  })
}

// ---- the two reading modes ---------------------------------------------------------

/**
 * Reads a bound socket's events with `for await` through: a peer connects,
 * the peer closes, unbind, close. The loop must end by itself after close().
 */
async function iterateLifetime(lib: Lib, t: Transport): Promise<ScenarioResult> {
  const sock = new lib.Pull({ linger: 0 })
  const obs = sock.events
  const seen: EventLike[] = []
  const waiters: { type: string; resolve: () => void }[] = []
  const loop = (async () => {
    for await (const e of obs) {
      seen.push(e)
      for (const w of waiters.filter((x) => x.type === e.type)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve()
      }
    }
  })()
  const next = (type: string): Promise<void> => new Promise((resolve) => waiters.push({ type, resolve }))

  await sock.bind(freshAddress(t))
  const endpoint = sock.lastEndpoint
  assert.ok(endpoint !== null)
  const peer = new lib.Push({ linger: 0 })
  const handshake = next("handshake")
  peer.connect(endpoint)
  await handshake
  const disconnect = next("disconnect")
  peer.close()
  await disconnect
  const closed = next("close")
  await sock.unbind(endpoint)
  await closed
  sock.close()
  await loop // ends by itself once the socket has closed
  return { events: norm(seen, { endpoints: [endpoint], reconnectInterval: RECONNECT_IVL }), observerClosed: obs.closed }
}

for (const t of TRANSPORTS) {
  void test(`for await over socket.events yields what zeromq.js yields and ends when the socket closes [${t}]`, { timeout: scaled(10_000) }, async () => {
    await compare(t, iterateLifetime)
    const own = await iterateLifetime(ZMQ_TS, t)
    assert.deepEqual(
      (own.events as Normal[]).map((e) => e.type),
      ["bind", "accept", "handshake", "disconnect", "close", "end"],
    )
    assert.equal(own.observerClosed, true)
  })
}

for (const lib of [ZEROMQ, ZMQ_TS]) {
  void test(`${lib.name}: on() listeners get events, off() stops them, receive() after on() rejects`, { timeout: scaled(10_000) }, async () => {
    const sock = new lib.Pull({ linger: 0 })
    const obs = sock.events
    const removed: EventLike[] = []
    const kept: EventLike[] = []
    const removedListener = (e: EventLike): void => void removed.push(e)
    const keptListener = (e: EventLike): void => void kept.push(e)
    obs.on("bind", removedListener)
    obs.on("bind", keptListener)
    const firstBind = new Promise<void>((resolve) => obs.on("bind", () => resolve()))
    await sock.bind(freshAddress("tcp"))
    await firstBind
    assert.equal(removed.length, 1)
    assert.equal(kept.length, 1)

    obs.off("bind", removedListener)
    const secondBind = new Promise<void>((resolve) => obs.on("bind", () => kept.length === 2 && resolve()))
    await sock.bind(freshAddress("tcp"))
    await secondBind
    assert.equal(removed.length, 1, "a listener removed with off() is not called again")
    assert.equal(kept.length, 2)
    assert.equal(kept[1]?.address, sock.lastEndpoint)

    // zeromq.js throws from the `receive` getter, zmq-ts returns a rejected promise:
    // either way `await events.receive()` fails with this message.
    await assert.rejects(async () => obs.receive(), {
      message: "Observer is in event emitter mode. After a call to events.on() it is not possible to read events with events.receive().",
    })

    const ended = new Promise<void>((resolve) => obs.on("end", () => resolve()))
    sock.close()
    await ended
  })
}

/** Reads events with receive() until "end" (inclusive). */
async function receiveUntilEnd(obs: ObserverLike): Promise<EventLike[]> {
  const out: EventLike[] = []
  for (;;) {
    const e = await obs.receive()
    out.push(e)
    if (e.type === "end") return out
  }
}

for (const lib of [ZEROMQ, ZMQ_TS]) {
  void test(`${lib.name}: receive() gives the events in order, one receive() at a time (EBUSY), end last`, { timeout: scaled(10_000) }, async () => {
    const sock = new lib.Pull({ linger: 0 })
    const obs = sock.events
    const first = obs.receive()
    // zeromq.js throws at once, zmq-ts returns a rejected promise.
    await assert.rejects(async () => obs.receive(), { code: "EBUSY" })
    await sock.bind(freshAddress("ipc"))
    assert.deepEqual(await first, { type: "bind", address: sock.lastEndpoint })
    const rest = receiveUntilEnd(obs)
    sock.close()
    const events = await rest
    assert.deepEqual(events.at(-1), { type: "end" })
  })
}

for (const lib of [ZEROMQ, ZMQ_TS]) {
  // The guard (timeout) is the failure mode: without "end" the close never completes.
  void test(`${lib.name}: close() from an accept listener completes: end on the socket, disconnect on the peer`, { timeout: scaled(5_000) }, async () => {
    const binder = new lib.Pull({ linger: 0 })
    const rb = new Recorder(binder)
    binder.events.on("accept", () => binder.close())
    await binder.bind(freshAddress("tcp"))
    const endpoint = binder.lastEndpoint
    assert.ok(endpoint !== null)
    const peer = new lib.Push({ linger: 0, reconnectInterval: RECONNECT_IVL })
    const rp = new Recorder(peer)
    const ended = rb.until("end")
    const dropped = rp.until("disconnect")
    peer.connect(endpoint)
    await Promise.all([ended, dropped])
    assert.equal(binder.closed, true)
  })
}

// ---- after close: zmq-ts against zeromq.js ---------------------------------------------

/** What reading the observer looks like once its socket has closed and "end" was read. */
async function afterEnd(lib: Lib): Promise<ScenarioResult> {
  const sock = new lib.Pull({ linger: 0 })
  const obs = sock.events
  await sock.bind(freshAddress("tcp"))
  assert.equal((await obs.receive()).type, "bind")
  sock.close()
  await receiveUntilEnd(obs)
  const again = await Promise.resolve()
    .then(() => obs.receive())
    .then(
      (e) => ({ resolved: e.type }),
      (err: { code?: string }) => ({ rejected: err.code }),
    )
  return { closed: obs.closed, receiveAgain: again }
}

/** What `socket.events` does when first read after close(). */
function eventsAfterClose(lib: Lib): ScenarioResult {
  const sock = new lib.Pull({ linger: 0 })
  sock.close()
  try {
    const obs = sock.events
    return { returned: typeof obs }
  } catch (err) {
    return { threw: (err as { code?: string }).code }
  }
}

void test("after end, receive() on the observer rejects as zeromq.js's does", { timeout: scaled(10_000) }, async () => {
  assert.deepEqual(await afterEnd(ZMQ_TS), await afterEnd(ZEROMQ))
})

void test("socket.events read after close() behaves as zeromq.js's", () => {
  assert.deepEqual(eventsAfterClose(ZMQ_TS), eventsAfterClose(ZEROMQ))
})
