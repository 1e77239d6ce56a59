/**
 * Tracing and metrics, zmq-ts's own (docs/tracing.md): the diagnostics
 * channels zmq-ts:connection, zmq-ts:handshake, zmq-ts:message and
 * zmq-ts:drop, and `socket.stats`.
 *
 * Each test subscribes through node:diagnostics_channel, as an
 * instrumentation library would, and waits on the events it expects; counts
 * are then compared exactly with what the test did. The last tests check
 * that publish() is never called while nobody subscribes (the counters
 * still count), and that the channels stay inert without the module.
 */
import assert from "node:assert/strict"
import * as dc from "node:diagnostics_channel"
import { test } from "node:test"
import { Dealer, Publisher, Pull, Push, Router, Subscriber, type EventError, type Socket } from "../../src/index.js"
import { TRACE_CHANNELS, type TraceDropEvent, type TraceMessageEvent } from "../../src/util.js"
import { openChannel } from "../../src/trace.js"
import { bindFresh, sockets, unboundEndpoint, type Transport } from "../helpers/transports.js"
import { scaled } from "../helpers/time.js"

/** Events of one channel from subscription until stop(); first() waits for a matching one. */
class Recorder<E> {
  readonly events: E[] = []
  private waiters: { match: (e: E) => boolean; resolve: (e: E) => void }[] = []
  private readonly listener = (message: unknown): void => {
    const e = message as E
    this.events.push(e)
    for (const w of [...this.waiters]) {
      if (!w.match(e)) continue
      this.waiters.splice(this.waiters.indexOf(w), 1)
      w.resolve(e)
    }
  }

  constructor(private readonly name: string) {
    dc.subscribe(name, this.listener)
  }

  /** The first event so far, or the next one, for which `match` holds. */
  first(match: (e: E) => boolean): Promise<E> {
    const seen = this.events.find(match)
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise((resolve) => this.waiters.push({ match, resolve }))
  }

  stop(): void {
    dc.unsubscribe(this.name, this.listener)
  }
}

function record<E>(ctx: { after(fn: () => void): void }, name: string): Recorder<E> {
  const r = new Recorder<E>(name)
  ctx.after(() => r.stop())
  return r
}

/** A zmq-ts:connection or zmq-ts:handshake event (TraceSocketEvent), with the fields these tests read. */
interface TraceSocketEvent {
  socket: Socket
  type: string
  address?: string
  error?: EventError
}

const on = (socket: Socket, type: string) => (e: TraceSocketEvent) => e.socket === socket && e.type === type

/**
 * sockets(ctx), and each socket also gets an Observer listener: sockets do
 * not keep the process alive, an observer with listeners does (as in
 * zeromq.js), and these tests wait on diagnostics channels, which do not.
 */
function held(ctx: Parameters<typeof sockets>[0]): <S extends Socket>(socket: S) => S {
  const own = sockets(ctx)
  return (socket) => {
    socket.events.on("end", () => undefined)
    return own(socket)
  }
}

void test("connect, accept and handshake are published with the socket and the endpoint [tcp]", { timeout: scaled(10_000) }, async (ctx) => {
  const own = held(ctx)
  const connections = record<TraceSocketEvent>(ctx, TRACE_CHANNELS.connection)
  const handshakes = record<TraceSocketEvent>(ctx, TRACE_CHANNELS.handshake)
  const pull = own(new Pull({ linger: 0 }))
  const endpoint = await bindFresh(pull, "tcp")
  const push = own(new Push({ linger: 0 }))
  push.connect(endpoint)

  const [pushShake, pullShake] = await Promise.all([handshakes.first(on(push, "handshake")), handshakes.first(on(pull, "handshake"))])
  assert.equal(pushShake.address, endpoint)
  assert.equal(pullShake.address, endpoint)
  // The handshake channel carries handshake results only; the rest of the lifecycle is on the connection channel.
  assert.deepEqual(handshakes.events.map((e) => e.type), ["handshake", "handshake"])
  const bind = await connections.first(on(pull, "bind"))
  const connect = await connections.first(on(push, "connect"))
  const accept = await connections.first(on(pull, "accept"))
  assert.deepEqual([bind.address, connect.address, accept.address], [endpoint, endpoint, endpoint])
  assert.ok(connections.events.every((e) => !e.type.startsWith("handshake")))
  // connect:delay (the tcp connect in progress) comes before connect, as the Observer has them.
  const pushTypes = connections.events.filter((e) => e.socket === push).map((e) => e.type)
  assert.deepEqual(pushTypes, ["connect:delay", "connect"])

  assert.equal(push.stats.connects, 1)
  assert.equal(push.stats.handshakes, 1)
  assert.equal(push.stats.accepts, 0)
  assert.equal(pull.stats.accepts, 1)
  assert.equal(pull.stats.handshakes, 1)
  assert.equal(pull.stats.pipes, 1)
  assert.equal(push.stats.handshakeFailures, 0)
})

void test("a failed handshake (mechanism mismatch) is published on zmq-ts:handshake and counted, on both sides [tcp]", { timeout: scaled(10_000) }, async (ctx) => {
  const own = held(ctx)
  const handshakes = record<TraceSocketEvent>(ctx, TRACE_CHANNELS.handshake)
  const pull = own(new Pull({ linger: 0, plainServer: true }))
  const endpoint = await bindFresh(pull, "tcp")
  const push = own(new Push({ linger: 0 }))
  push.connect(endpoint)

  const failed = (s: Socket) => (e: TraceSocketEvent) => e.socket === s && e.type === "handshake:error:protocol"
  const [mine, theirs] = await Promise.all([handshakes.first(failed(push)), handshakes.first(failed(pull))])
  for (const e of [mine, theirs]) {
    assert.equal(e.address, endpoint)
    assert.equal(e.error?.code, "ERR_ZMTP_MECHANISM_MISMATCH")
  }
  // A protocol error ends the connecting session without a retry (libzmq), so these stay as they are.
  for (const s of [push, pull]) {
    assert.equal(s.stats.handshakeFailures, 1)
    assert.equal(s.stats.handshakes, 0)
  }
})

for (const transport of ["tcp", "inproc"] as const satisfies readonly Transport[]) {
  void test(`every message sent and received is published with its size, and counted exactly [${transport}]`, { timeout: scaled(10_000) }, async (ctx) => {
    const own = held(ctx)
    const messages = record<TraceMessageEvent>(ctx, TRACE_CHANNELS.message)
    const pull = own(new Pull({ linger: 0 }))
    const endpoint = await bindFresh(pull, transport)
    const push = own(new Push({ linger: 0 }))
    push.connect(endpoint)

    const N = 50
    const sizes = Array.from({ length: N }, (_, i) => 5 + i * 7)
    for (let i = 0; i < N; i++) await push.send([Buffer.from("topic"), Buffer.alloc(i * 7, i)])
    const received: Buffer[][] = []
    for (let i = 0; i < N; i++) received.push(await pull.receive())
    // One more in each direction, through async iteration: it is traced too.
    await push.send("last")
    for await (const msg of pull) {
      received.push(msg)
      break
    }

    const sent = messages.events.filter((e) => e.socket === push)
    const got = messages.events.filter((e) => e.socket === pull)
    assert.deepEqual(sent.map((e) => e.direction), Array<string>(N + 1).fill("send"))
    assert.deepEqual(got.map((e) => e.direction), Array<string>(N + 1).fill("receive"))
    assert.deepEqual(sent.map((e) => e.bytes), [...sizes, 4])
    assert.deepEqual(got.map((e) => e.bytes), [...sizes, 4])
    assert.deepEqual(sent.map((e) => e.frames), [...Array<number>(N).fill(2), 1])
    // A receive event carries the very frames the application got.
    got.forEach((e, i) => assert.equal(e.message, received[i]))

    const total = sizes.reduce((a, b) => a + b, 0) + 4
    const out = push.stats
    const into = pull.stats
    assert.deepEqual([out.messagesSent, out.bytesSent, out.messagesReceived, out.bytesReceived], [N + 1, total, 0, 0])
    assert.deepEqual([into.messagesReceived, into.bytesReceived, into.messagesSent, into.bytesSent], [N + 1, total, 0, 0])
    // Everything was read: nothing waits in either socket's queues.
    assert.deepEqual([out.sendQueue, into.receiveQueue, out.drops], [0, 0, 0])
  })
}

/**
 * A PUB with sendHighWaterMark 2 bound on inproc and a SUB with
 * receiveHighWaterMark 3 connected to it, with a recorder on zmq-ts:drop.
 */
async function pubSubAtHwm(ctx: Parameters<typeof held>[0] & { after(fn: () => void): void }): Promise<{
  drops: Recorder<TraceDropEvent>
  pub: Publisher
  sub: Subscriber
  endpoint: string
}> {
  const own = held(ctx)
  const drops = record<TraceDropEvent>(ctx, TRACE_CHANNELS.drop)
  const pub = own(new Publisher({ linger: 0, sendHighWaterMark: 2 }))
  const endpoint = await bindFresh(pub, "inproc")
  const sub = own(new Subscriber({ linger: 0, receiveHighWaterMark: 3 }))
  sub.connect(endpoint)
  return { drops, pub, sub, endpoint }
}

void test("a PUB drops at the subscriber's high-water mark: zmq-ts:drop events and stats.drops match what did not arrive [inproc]", { timeout: scaled(10_000) }, async (ctx) => {
  const { drops, pub, sub, endpoint } = await pubSubAtHwm(ctx)
  // inproc joins the two sockets in connect(), and the subscription reaches
  // the PUB as it is written: it applies to the very next send.
  sub.subscribe("t")

  const N = 12
  for (let i = 0; i < N; i++) await pub.send(["t", String(i)])
  // An inproc pipe holds sendHighWaterMark + receiveHighWaterMark messages (libzmq's rule).
  const queued = 2 + 3
  assert.equal(sub.stats.receiveQueue, queued)
  assert.equal(pub.stats.messagesSent, N)
  assert.equal(pub.stats.drops, N - queued)
  assert.equal(drops.events.length, N - queued)
  for (const e of drops.events) {
    assert.equal(e.socket, pub)
    assert.equal(e.reason, "hwm")
    assert.equal(e.endpoint, endpoint)
    assert.equal(e.frames, 2)
    assert.equal(e.bytes, 1 + e.message[1]!.length)
  }
  // The dropped ones are the last ones; the first `queued` arrive, in order.
  assert.deepEqual(drops.events.map((e) => e.message[1]!.toString()), Array.from({ length: N - queued }, (_, i) => String(queued + i)))
  for (let i = 0; i < queued; i++) assert.deepEqual((await sub.receive()).map(String), ["t", String(i)])
  assert.equal(sub.stats.messagesReceived, queued)
  assert.equal(sub.stats.receiveQueue, 0)
})

void test("a PUB counts the drops of small one-frame messages (its send() fast path) as of any other [inproc]", { timeout: scaled(10_000) }, async (ctx) => {
  const { drops, pub, sub } = await pubSubAtHwm(ctx)
  sub.subscribe("t")

  const N = 12
  // Buffers of at most 128 bytes take the small-message path (Socket.xsendSmall).
  for (let i = 0; i < N; i++) await pub.send(Buffer.from(`t${i}`))
  const queued = 2 + 3
  assert.equal(sub.stats.receiveQueue, queued)
  assert.equal(pub.stats.drops, N - queued)
  assert.deepEqual(drops.events.map((e) => e.message[0]!.toString()), Array.from({ length: N - queued }, (_, i) => `t${queued + i}`))
  for (let i = 0; i < queued; i++) assert.deepEqual((await sub.receive()).map(String), [`t${i}`])
})

void test("a ROUTER without mandatory drops for a full peer: counted and published [inproc]", { timeout: scaled(10_000) }, async (ctx) => {
  const own = held(ctx)
  const drops = record<TraceDropEvent>(ctx, TRACE_CHANNELS.drop)
  const router = own(new Router({ linger: 0, sendHighWaterMark: 1 }))
  const endpoint = await bindFresh(router, "inproc")
  const dealer = own(new Dealer({ linger: 0, routingId: "d", receiveHighWaterMark: 1 }))
  dealer.connect(endpoint)
  const N = 6
  for (let i = 0; i < N; i++) await router.send(["d", String(i)])
  // 1 + 1 messages fit the inproc pipe; the rest is dropped, none blocks.
  assert.equal(router.stats.drops, N - 2)
  assert.deepEqual(drops.events.map((e) => [e.socket === router, e.message.map(String).join(",")]), [2, 3, 4, 5].map((i) => [true, `d,${i}`]))
  assert.deepEqual((await dealer.receive()).map(String), ["0"])
  assert.deepEqual((await dealer.receive()).map(String), ["1"])
  assert.equal(dealer.stats.receiveQueue, 0)
})

void test("reconnection attempts are published on zmq-ts:connection and counted as they happen [tcp]", { timeout: scaled(10_000) }, async (ctx) => {
  const own = held(ctx)
  const endpoint = await unboundEndpoint("tcp")
  const push = own(new Push({ linger: 0, reconnectInterval: 5 }))
  const counted: number[] = []
  let second!: () => void
  const done = new Promise<void>((resolve) => (second = resolve))
  const listener = (message: unknown): void => {
    const e = message as TraceSocketEvent
    if (e.socket !== push || e.type !== "connect:retry") return
    // Read in the subscriber: the counter already includes this attempt.
    counted.push(push.stats.reconnects)
    assert.equal(e.address, endpoint)
    if (counted.length === 2) second()
  }
  dc.subscribe(TRACE_CHANNELS.connection, listener)
  ctx.after(() => dc.unsubscribe(TRACE_CHANNELS.connection, listener))
  push.connect(endpoint)
  await done
  assert.deepEqual(counted.slice(0, 2), [1, 2])
  assert.equal(push.stats.connects, 0)
  assert.equal(push.stats.handshakes, 0)
})

void test("stats stay readable after close()", { timeout: scaled(10_000) }, async (ctx) => {
  const own = held(ctx)
  const pull = own(new Pull({ linger: 0 }))
  const endpoint = await bindFresh(pull, "inproc")
  const push = own(new Push({ linger: 0 }))
  push.connect(endpoint)
  await push.send(["a", "bc"])
  push.close()
  assert.deepEqual((await pull.receive()).map(String), ["a", "bc"])
  pull.close()
  assert.deepEqual([push.stats.messagesSent, push.stats.bytesSent, pull.stats.messagesReceived, pull.stats.bytesReceived], [1, 3, 1, 3])
  assert.equal(pull.stats.pipes, 0)
})

void test("with nobody subscribed nothing is published, and the counters still count", { timeout: scaled(10_000) }, async (ctx) => {
  const own = held(ctx)
  const names = Object.values(TRACE_CHANNELS)
  const calls = new Map<string, number>(names.map((n) => [n, 0]))
  for (const name of names) {
    // The channels are process-wide: this is the very object zmq-ts publishes on.
    const channel = dc.channel(name) as dc.Channel & { publish(m: unknown): void }
    assert.equal(channel.hasSubscribers, false)
    Object.defineProperty(channel, "publish", {
      configurable: true,
      value(this: dc.Channel, message: unknown): void {
        calls.set(name, calls.get(name)! + 1)
        ;(Object.getPrototypeOf(this) as { publish(m: unknown): void }).publish.call(this, message)
      },
    })
    ctx.after(() => delete (channel as { publish?: unknown }).publish)
  }

  // Connection, handshake, messages both ways, a handshake failure and drops.
  const pull = own(new Pull({ linger: 0 }))
  const endpoint = await bindFresh(pull, "tcp")
  const push = own(new Push({ linger: 0 }))
  push.connect(endpoint)
  for (let i = 0; i < 10; i++) await push.send(String(i))
  for (let i = 0; i < 10; i++) await pull.receive()
  const secure = own(new Pull({ linger: 0, plainServer: true }))
  const secureEndpoint = await bindFresh(secure, "tcp")
  const failed = new Promise<void>((resolve) => secure.events.on("handshake:error:protocol", () => resolve()))
  own(new Push({ linger: 0 })).connect(secureEndpoint)
  await failed
  const pub = own(new Publisher({ linger: 0, sendHighWaterMark: 1 }))
  const pubEndpoint = await bindFresh(pub, "inproc")
  const sub = own(new Subscriber({ linger: 0, receiveHighWaterMark: 1 }))
  sub.connect(pubEndpoint)
  sub.subscribe("")
  for (let i = 0; i < 5; i++) await pub.send("x")

  assert.deepEqual([...calls.values()], [0, 0, 0, 0])
  assert.deepEqual([push.stats.messagesSent, pull.stats.messagesReceived, pull.stats.handshakes, secure.stats.handshakeFailures, pub.stats.drops], [10, 10, 1, 1, 3])

  // The same wrapper does see publishing once someone listens.
  const noop = (): void => undefined
  dc.subscribe(TRACE_CHANNELS.message, noop)
  try {
    await push.send("traced")
    await pull.receive()
  } finally {
    dc.unsubscribe(TRACE_CHANNELS.message, noop)
  }
  assert.equal(calls.get(TRACE_CHANNELS.message), 2)
})

void test("without node:diagnostics_channel (an empty shim in a bundle) a channel is inert", () => {
  const channel = openChannel({}, TRACE_CHANNELS.message)
  assert.equal(channel.hasSubscribers, false)
  assert.doesNotThrow(() => channel.publish({}))
  // With the module, it is Node's own, process-wide channel.
  assert.equal(openChannel(dc, TRACE_CHANNELS.message), dc.channel(TRACE_CHANNELS.message))
})

void test("small Buffer sends that go straight into the batch are counted and traced like the rest", { timeout: scaled(10_000) }, async (ctx) => {
  const own = held(ctx)
  const pull = own(new Pull({ linger: 0 }))
  const endpoint = await bindFresh(pull, "tcp")
  const push = own(new Push({ linger: 0 }))
  push.connect(endpoint)
  // The first message goes through the queue (no connection yet); the rest can take the batch path.
  await push.send(Buffer.from("first"))
  await pull.receive()
  const traced: number[] = []
  const listener = (m: unknown): void => {
    const e = m as TraceMessageEvent
    if (e.direction === "send") traced.push(e.bytes)
  }
  dc.subscribe(TRACE_CHANNELS.message, listener)
  try {
    for (let i = 0; i < 20; i++) await push.send(Buffer.alloc(16, i))
    for (let i = 0; i < 20; i++) assert.equal((await pull.receive())[0]!.length, 16)
  } finally {
    dc.unsubscribe(TRACE_CHANNELS.message, listener)
  }
  assert.deepEqual(traced, Array<number>(20).fill(16))
  assert.deepEqual([push.stats.messagesSent, push.stats.bytesSent, pull.stats.messagesReceived, pull.stats.bytesReceived], [21, 5 + 320, 21, 5 + 320])
})
