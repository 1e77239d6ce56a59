/**
 * Helpers for the pattern-socket bad-input tests (patterns-bad-input.test.ts):
 *
 * - RawZmtp: a hand-driven ZMTP peer that completes the NULL handshake as any
 *   socket type, writes whatever frames a test wants, parses what the server
 *   sends back, and offers a PING/PONG barrier: once the PONG for a PING has
 *   come back, the server has decoded (and handed to its socket) everything
 *   this connection sent before the PING. The server answers one PING at a
 *   time (a PING that finds a PONG still queued gets none, as in libzmq), so
 *   a connection has at most one barrier in flight.
 * - BarrierProxy: a transparent TCP relay for a well-behaved SUB (zmq-ts or
 *   the `zeromq` package) that gives the same barrier for a real library peer:
 *   it sees the SUB's subscriptions go by, injects a PING after them and
 *   swallows the PONG. A PUB tells nobody when it has taken a subscription,
 *   so this is how a test knows, without sleeping, that the good SUB is
 *   subscribed.
 * - Scenarios that measure memory, run in a child `node --expose-gc` process
 *   (runChild / childMain) so that a full GC can be forced before each
 *   measurement.
 */
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import * as net from "node:net"
import { dirname, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as zmq from "zeromq"
import { Publisher, Subscriber, XPublisher } from "../../src/index.js"
import { EventLog, frame, greeting, readyFrame, tcpAddress } from "./raw-peer.js"

export const MORE = 0x01
export const COMMAND = 0x04

// ---- wire bytes ---------------------------------------------------------------------

/**
 * A command frame (RFC 37 "Commands": flags, size, name-size, name, data),
 * written here rather than by the project's encoder: independent of the code
 * under test, and fast enough for 100k of them.
 */
export function commandFrame(name: string, data: Buffer = Buffer.alloc(0)): Buffer {
  const size = 1 + name.length + data.length
  const long = size > 255
  const head = long ? 9 : 2
  const b = Buffer.allocUnsafe(head + size)
  b[0] = COMMAND | (long ? 0x02 : 0)
  if (long) b.writeBigUInt64BE(BigInt(size), 1)
  else b[1] = size
  b[head] = name.length
  b.write(name, head + 1, "latin1")
  data.copy(b, head + 1 + name.length)
  return b
}

/** A whole message: every frame but the last has MORE. */
export function messageFrames(...frames: (Buffer | string)[]): Buffer {
  return Buffer.concat(frames.map((f, i) => frame(f, i < frames.length - 1 ? MORE : 0)))
}

/** ZMTP 3.1 SUBSCRIBE command. */
export function subscribeCommand(topic: Buffer | string): Buffer {
  return commandFrame("SUBSCRIBE", Buffer.from(topic))
}

/** ZMTP 3.1 CANCEL command. */
export function cancelCommand(topic: Buffer | string): Buffer {
  return commandFrame("CANCEL", Buffer.from(topic))
}

/** ZMTP 3.0 subscription: a one-frame message "\x01topic". */
export function subscribeMessage(topic: Buffer | string): Buffer {
  return frame(Buffer.concat([Buffer.of(1), Buffer.from(topic)]))
}

/** ZMTP 3.0 cancel: a one-frame message "\x00topic". */
export function cancelMessage(topic: Buffer | string): Buffer {
  return frame(Buffer.concat([Buffer.of(0), Buffer.from(topic)]))
}

/** PING with a TTL of 0 and the given context (at most 16 octets, RFC 37). */
export function pingCommand(context: string): Buffer {
  return commandFrame("PING", Buffer.concat([Buffer.alloc(2), Buffer.from(context, "latin1")]))
}

/** n deterministic, non-periodic bytes (a topic nobody else would pick). */
export function patternBytes(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n)
  let x = (seed * 0x9e3779b1) >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    b[i] = x & 0xff
  }
  return b
}

// ---- incremental frame reader ----------------------------------------------------------

export interface RawFrame {
  flags: number
  body: Buffer
  /** The frame as it was on the wire (header and body). */
  raw: Buffer
}

/**
 * Splits a ZMTP byte stream into its greeting (passed through as it comes)
 * and whole frames. A frame spread over many chunks is joined once, when
 * its last byte is here.
 */
export class FrameReader {
  private parts: Buffer[] = []
  private size = 0
  /** Bytes (from the start of what is held) needed before progress is possible. */
  private need = 2
  private greetingLeft: number

  constructor(withGreeting = true) {
    this.greetingLeft = withGreeting ? 64 : 0
  }

  push(chunk: Buffer, onGreeting: (bytes: Buffer) => void, onFrame: (f: RawFrame) => void): void {
    if (this.greetingLeft > 0) {
      const take = Math.min(this.greetingLeft, chunk.length)
      onGreeting(chunk.subarray(0, take))
      this.greetingLeft -= take
      chunk = chunk.subarray(take)
      if (chunk.length === 0) return
    }
    this.parts.push(chunk)
    this.size += chunk.length
    if (this.size < this.need) return
    const buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size)
    let off = 0
    for (;;) {
      const avail = buf.length - off
      if (avail < 2) {
        this.need = 2
        break
      }
      const flags = buf[off]!
      const headerLen = flags & 0x02 ? 9 : 2
      if (avail < headerLen) {
        this.need = headerLen
        break
      }
      const size = headerLen === 9 ? Number(buf.readBigUInt64BE(off + 1)) : buf[off + 1]!
      if (avail < headerLen + size) {
        this.need = headerLen + size
        break
      }
      onFrame({ flags, body: buf.subarray(off + headerLen, off + headerLen + size), raw: buf.subarray(off, off + headerLen + size) })
      off += headerLen + size
    }
    const rest = buf.subarray(off)
    this.parts = rest.length > 0 ? [rest] : []
    this.size = rest.length
  }
}

function commandName(body: Buffer): string {
  return body.length > 0 ? body.toString("latin1", 1, 1 + body[0]!) : ""
}

function commandData(body: Buffer): Buffer {
  return body.subarray(1 + (body[0] ?? 0))
}

// ---- raw ZMTP peer -------------------------------------------------------------------------

export interface RawZmtpOptions {
  /** Socket-Type announced in READY. */
  socketType: string
  /** ZMTP minor version in the greeting: 1 (3.1, default) or 0 (3.0). */
  minor?: number
  /** Identity property in READY (what a ROUTER uses as routing id). */
  identity?: string
}

export interface RawZmtpClosed {
  /** The server, not we, ended the connection (FIN or reset). */
  byServer: boolean
}

/**
 * A raw ZMTP client. open() sends greeting + READY at once and resolves once
 * the server's READY is in; from then on every frame the test writes is
 * post-handshake traffic.
 */
export class RawZmtp {
  readonly socket: net.Socket
  readonly closed: Promise<RawZmtpClosed>
  /** Called for every PONG, with its context (tests that count their own PINGs). */
  onPong: ((context: string) => void) | null = null
  private readonly reader = new FrameReader(true)
  private partial: Buffer[] = []
  private readonly inbox: Buffer[][] = []
  private inboxWaiter: { resolve: (m: Buffer[]) => void; reject: (e: Error) => void } | null = null
  private readonly pongWaiters = new Map<string, { resolve: () => void; reject: (e: Error) => void }>()
  private readonly pongsSeen = new Set<string>()
  private pingSeq = 0
  private barrierInFlight = false
  private serverReady = false
  private readyWaiter: { resolve: () => void; reject: (e: Error) => void } | null = null
  private isClosed = false
  private gotEnd = false
  private error: NodeJS.ErrnoException | null = null

  private constructor(socket: net.Socket) {
    this.socket = socket
    socket.on("data", (chunk: Buffer) => this.onData(chunk))
    socket.on("end", () => {
      this.gotEnd = true
    })
    socket.on("error", (err: NodeJS.ErrnoException) => {
      this.error ??= err
    })
    this.closed = new Promise((res) => {
      socket.on("close", () => {
        this.isClosed = true
        const err = new Error("raw connection closed")
        this.readyWaiter?.reject(err)
        this.inboxWaiter?.reject(err)
        for (const w of this.pongWaiters.values()) w.reject(err)
        this.readyWaiter = this.inboxWaiter = null
        this.pongWaiters.clear()
        res({ byServer: this.gotEnd || this.error?.code === "ECONNRESET" })
      })
    })
  }

  /** Connects, handshakes as `opts.socketType`, and resolves once the server's READY arrived. */
  static async open(endpoint: string, opts: RawZmtpOptions): Promise<RawZmtp> {
    const raw = await RawZmtp.connect(endpoint)
    const extra: [string, string][] = opts.identity !== undefined ? [["Identity", opts.identity]] : []
    raw.write(Buffer.concat([greeting({ minor: opts.minor ?? 1 }), readyFrame(opts.socketType, extra)]))
    await raw.ready()
    return raw
  }

  /** Only the TCP connection; the caller writes the handshake. */
  static connect(endpoint: string): Promise<RawZmtp> {
    const { host, port } = tcpAddress(endpoint)
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host, port, noDelay: true })
      socket.once("error", reject)
      socket.once("connect", () => {
        socket.off("error", reject)
        resolve(new RawZmtp(socket))
      })
    })
  }

  /** Resolves once the server's READY has arrived. */
  ready(): Promise<void> {
    if (this.serverReady) return Promise.resolve()
    if (this.isClosed) return Promise.reject(new Error("raw connection closed before the server's READY"))
    return new Promise((resolve, reject) => {
      this.readyWaiter = { resolve, reject }
    })
  }

  get isOpen(): boolean {
    return !this.isClosed
  }

  /** Writes bytes; returns what net.Socket.write returned (false: wait for drain()). */
  write(bytes: Buffer): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false
    return this.socket.write(bytes)
  }

  /** Resolves once everything written so far has been handed to the kernel. */
  drained(): Promise<void> {
    if (this.socket.writableLength === 0 || this.socket.destroyed) return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off("drain", done)
        this.socket.off("close", done)
        resolve()
      }
      this.socket.on("drain", done)
      this.socket.on("close", done)
    })
  }

  /** Sends one message. */
  send(...frames: (Buffer | string)[]): void {
    this.write(messageFrames(...frames))
  }

  /**
   * PING, then wait for its PONG: once it is back, the server's engine has
   * decoded everything we sent before the PING and handed it to the socket.
   */
  barrier(): Promise<void> {
    if (this.barrierInFlight) return Promise.reject(new Error("one barrier at a time: the server may drop a second PING"))
    const context = `b${++this.pingSeq}`
    this.barrierInFlight = true
    const p = this.expectPong(context).finally(() => {
      this.barrierInFlight = false
    })
    this.write(pingCommand(context))
    return p
  }

  /** Resolves when the PONG carrying `context` arrives. */
  expectPong(context: string): Promise<void> {
    if (this.pongsSeen.has(context)) return Promise.resolve()
    if (this.isClosed) return Promise.reject(new Error("raw connection closed"))
    return new Promise((resolve, reject) => this.pongWaiters.set(context, { resolve, reject }))
  }

  /** The next message the server sent us. */
  next(): Promise<Buffer[]> {
    const m = this.inbox.shift()
    if (m !== undefined) return Promise.resolve(m)
    if (this.isClosed) return Promise.reject(new Error("raw connection closed"))
    return new Promise((resolve, reject) => {
      this.inboxWaiter = { resolve, reject }
    })
  }

  /** Messages received and not yet taken by next(). */
  get queued(): number {
    return this.inbox.length
  }

  destroy(): void {
    this.socket.destroy()
  }

  private onData(chunk: Buffer): void {
    this.reader.push(
      chunk,
      () => undefined,
      (f) => this.onFrame(f),
    )
  }

  private onFrame(f: RawFrame): void {
    if (f.flags & COMMAND) {
      const name = commandName(f.body)
      if (name === "READY" && !this.serverReady) {
        this.serverReady = true
        const w = this.readyWaiter
        this.readyWaiter = null
        w?.resolve()
      } else if (name === "PONG") {
        const context = commandData(f.body).toString("latin1")
        this.onPong?.(context)
        const w = this.pongWaiters.get(context)
        if (w) {
          this.pongWaiters.delete(context)
          w.resolve()
        } else {
          this.pongsSeen.add(context)
        }
      }
      return
    }
    // Copy: the body is a view of a chunk that may be large.
    this.partial.push(Buffer.from(f.body))
    if (f.flags & MORE) return
    const msg = this.partial
    this.partial = []
    const w = this.inboxWaiter
    if (w) {
      this.inboxWaiter = null
      w.resolve(msg)
    } else {
      this.inbox.push(msg)
    }
  }
}

// ---- barrier proxy --------------------------------------------------------------------------

const PROXY_PING = "proxy:"

/**
 * A TCP relay between one well-behaved SUB and the publisher under test.
 * It forwards bytes unchanged (whole frames at a time, after the greetings),
 * watches the SUB's subscriptions go by (SUBSCRIBE / CANCEL commands or
 * \x01 / \x00 messages), and can inject a PING towards the publisher whose
 * PONG it swallows: barrier() resolves once the publisher has processed
 * everything the SUB sent before it.
 */
export class BarrierProxy {
  readonly endpoint: string
  private up: net.Socket | null = null
  private down: net.Socket | null = null
  private readonly watched = new Map<string, (() => void)[]>()
  private readonly pongs = new Map<string, () => void>()
  private pingSeq = 0

  private constructor(
    private readonly server: net.Server,
    target: string,
  ) {
    const addr = server.address() as net.AddressInfo
    this.endpoint = `tcp://127.0.0.1:${addr.port}`
    const { host, port } = tcpAddress(target)
    server.on("connection", (down: net.Socket) => {
      if (this.down !== null) {
        down.destroy()
        return
      }
      this.down = down
      down.setNoDelay(true)
      down.pause()
      const up = net.createConnection({ host, port, noDelay: true }, () => down.resume())
      this.up = up
      const fromSub = new FrameReader(true)
      const fromPub = new FrameReader(true)
      down.on("data", (chunk: Buffer) => {
        const out: Buffer[] = []
        fromSub.push(
          chunk,
          (g) => out.push(g),
          (f) => {
            out.push(f.raw)
            this.sawUpstream(f)
          },
        )
        if (out.length > 0) up.write(out.length === 1 ? out[0]! : Buffer.concat(out))
      })
      up.on("data", (chunk: Buffer) => {
        const out: Buffer[] = []
        fromPub.push(
          chunk,
          (g) => out.push(g),
          (f) => {
            if (!this.ownPong(f)) out.push(f.raw)
          },
        )
        if (out.length > 0) down.write(out.length === 1 ? out[0]! : Buffer.concat(out))
      })
      down.on("error", () => undefined)
      up.on("error", () => undefined)
      down.on("close", () => up.destroy())
      up.on("close", () => down.destroy())
    })
  }

  static async start(target: string): Promise<BarrierProxy> {
    const server = net.createServer()
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen({ host: "127.0.0.1", port: 0 }, () => {
        server.off("error", reject)
        resolve()
      })
    })
    return new BarrierProxy(server, target)
  }

  /**
   * Resolves when the SUB's subscription (`subscribe`) or cancel for `topic`
   * has been forwarded. Call it before the SUB acts, so it cannot be missed.
   */
  expect(subscribe: boolean, topic: Buffer | string): Promise<void> {
    const key = (subscribe ? "+" : "-") + Buffer.from(topic).toString("latin1")
    return new Promise((resolve) => {
      const list = this.watched.get(key) ?? []
      list.push(resolve)
      this.watched.set(key, list)
    })
  }

  /** Resolves once the publisher has processed everything forwarded to it so far. */
  barrier(): Promise<void> {
    const up = this.up
    if (up === null) return Promise.reject(new Error("proxy: no connection yet"))
    if (this.pongs.size > 0) return Promise.reject(new Error("proxy: one barrier at a time"))
    const context = `${PROXY_PING}${++this.pingSeq}`
    // Frames are forwarded whole, so this lands on a frame boundary.
    const p = new Promise<void>((resolve) => this.pongs.set(context, resolve))
    up.write(pingCommand(context))
    return p
  }

  close(): void {
    this.up?.destroy()
    this.down?.destroy()
    this.server.close()
  }

  private sawUpstream(f: RawFrame): void {
    if (this.watched.size === 0) return
    let key: string | null = null
    if (f.flags & COMMAND) {
      const name = commandName(f.body)
      if (name === "SUBSCRIBE" || name === "CANCEL") key = (name === "SUBSCRIBE" ? "+" : "-") + commandData(f.body).toString("latin1")
    } else if (!(f.flags & MORE) && f.body.length > 0 && f.body[0]! <= 1) {
      key = (f.body[0] === 1 ? "+" : "-") + f.body.toString("latin1", 1)
    }
    if (key === null) return
    const list = this.watched.get(key)
    if (list === undefined) return
    this.watched.delete(key)
    for (const fn of list) fn()
  }

  private ownPong(f: RawFrame): boolean {
    if (!(f.flags & COMMAND) || commandName(f.body) !== "PONG") return false
    const context = commandData(f.body).toString("latin1")
    if (!context.startsWith(PROXY_PING)) return false
    const fn = this.pongs.get(context)
    this.pongs.delete(context)
    fn?.()
    return true
  }
}

// ---- publisher fixture ------------------------------------------------------------------------

export type PubKind = "PUB" | "XPUB"
type AnySub = Subscriber | zmq.Subscriber

/** A well-behaved subscriber: zmq-ts or the `zeromq` package, relayed by a BarrierProxy. */
export interface GoodSubscriber {
  readonly tag: "zmq-ts" | "zeromq"
  /** The only topic it subscribes to. */
  readonly topic: string
  readonly socket: AnySub
  readonly proxy: BarrierProxy
}

/**
 * Connects a zmq-ts SUB and a zeromq SUB (each through its own proxy) to
 * `endpoint`, subscribes each to its own topic, and resolves once the
 * publisher has processed both subscriptions.
 */
export async function connectGoodSubscribers(endpoint: string): Promise<GoodSubscriber[]> {
  const goods: GoodSubscriber[] = []
  for (const tag of ["zmq-ts", "zeromq"] as const) {
    const proxy = await BarrierProxy.start(endpoint)
    const socket: AnySub = tag === "zmq-ts" ? new Subscriber({ linger: 0 }) : new zmq.Subscriber({ linger: 0 })
    const topic = `good/${tag}`
    const seen = proxy.expect(true, topic)
    socket.connect(proxy.endpoint)
    socket.subscribe(topic)
    await seen
    await proxy.barrier()
    goods.push({ tag, topic, socket, proxy })
  }
  return goods
}

/** Publishes [topic, label] to each good subscriber and checks each gets exactly its own, next. */
export async function assertGoodServed(pub: Publisher | XPublisher, goods: GoodSubscriber[], label: string): Promise<void> {
  for (const g of goods) await pub.send([g.topic, label])
  for (const g of goods) {
    const msg = await g.socket.receive()
    assert.deepEqual(
      msg.map((b) => b.toString()),
      [g.topic, label],
      `the ${g.tag} SUB receives its publication "${label}"`,
    )
  }
}

export function closeGood(goods: GoodSubscriber[]): void {
  for (const g of goods) {
    g.socket.close()
    g.proxy.close()
  }
}

export interface PubFixture {
  readonly kind: PubKind
  readonly pub: Publisher | XPublisher
  /** The XPUB, or null for PUB. */
  readonly xpub: XPublisher | null
  readonly endpoint: string
  readonly log: EventLog
  readonly goods: GoodSubscriber[]
  readonly raws: RawZmtp[]
  /** Opens a raw peer against the publisher (closed by close()). */
  raw(opts: RawZmtpOptions): Promise<RawZmtp>
  close(): void
}

/**
 * A zmq-ts PUB or XPUB bound on tcp, with its Observer logged and both good
 * subscribers connected and subscribed (for XPUB their two notifications
 * have been received). A first publication has reached both.
 */
export async function openPublisher(kind: PubKind, options: { maxMessageSize?: number } = {}): Promise<PubFixture> {
  const pub = kind === "PUB" ? new Publisher({ linger: 0, ...options }) : new XPublisher({ linger: 0, ...options })
  await pub.bind("tcp://127.0.0.1:*")
  const endpoint = pub.lastEndpoint!
  const log = new EventLog(pub.events)
  const goods = await connectGoodSubscribers(endpoint)
  const xpub = pub instanceof XPublisher ? pub : null
  if (xpub !== null) {
    const got = [await xpub.receive(), await xpub.receive()].map((m) => m.map((b) => b.toString("latin1")))
    assert.deepEqual(
      got.sort(),
      goods.map((g) => [`\x01${g.topic}`]).sort(),
      "XPUB hands up the good subscribers' subscriptions",
    )
  }
  await assertGoodServed(pub, goods, "setup")
  const raws: RawZmtp[] = []
  return {
    kind,
    pub,
    xpub,
    endpoint,
    log,
    goods,
    raws,
    async raw(opts) {
      const r = await RawZmtp.open(endpoint, opts)
      raws.push(r)
      return r
    },
    close() {
      for (const r of raws) r.destroy()
      closeGood(goods)
      pub.close()
    },
  }
}

/** The XPUB's next notification as a latin1 string (asserting it is one frame). */
export async function nextNotification(xpub: XPublisher): Promise<string> {
  const msg = await xpub.receive()
  assert.equal(msg.length, 1, "a subscription notification is one frame")
  return msg[0]!.toString("latin1")
}

// ---- memory, in a child process -----------------------------------------------------------------

/**
 * heapUsed + external after forced full GCs (child processes run with
 * --expose-gc). `external` counts Buffers and also the external strings Node
 * makes of long latin1 decodes, which live outside the V8 heap.
 */
export async function settledMemory(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error("settledMemory() needs node --expose-gc")
  for (let i = 0; i < 4; i++) {
    gc()
    // Let finalizers and freed backing stores be accounted.
    await new Promise<void>((r) => setImmediate(r))
  }
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}

const MiB = 1 << 20
export { MiB }

function progress(step: string): void {
  process.stderr.write(`step: ${step} (${Math.round(performance.now())} ms)\n`)
}

/**
 * Checks a message is one frame of `size` bytes: `head` then the 1 MiB topic
 * of `seed` then `tail`. (Only a verdict is kept: nothing big stays referenced.)
 */
function isBig(msg: Buffer[], head: number | null, seed: number, tail: string): boolean {
  const topic = patternBytes(MiB, seed)
  const expected = Buffer.concat([head === null ? Buffer.alloc(0) : Buffer.of(head), topic, Buffer.from(tail)])
  return msg.length === 1 && msg[0]!.equals(expected)
}

/**
 * Scenario 1: 1 MiB subscriptions, each way (a 3.1 SUBSCRIBE command, a 3.0
 * \x01 message) from its own raw SUB: memory after one, after 31 repeats,
 * and after both are cancelled. The scenario itself keeps no reference to a
 * topic, a notification or a publication while it measures.
 */
async function bigSubscription(args: { kind: PubKind }): Promise<Record<string, number>> {
  const REPEAT = 32
  const fx = await openPublisher(args.kind)
  try {
    const xpub = fx.xpub
    const out: Record<string, number> = {}
    const ways = [
      { name: "command", minor: 1, sub: subscribeCommand, cancel: cancelCommand, seed: 1 },
      { name: "message", minor: 0, sub: subscribeMessage, cancel: cancelMessage, seed: 2 },
    ]
    const raws: RawZmtp[] = []
    for (const way of ways) raws.push(await fx.raw({ socketType: "SUB", minor: way.minor }))
    const base = await settledMemory()
    for (const [i, way] of ways.entries()) {
      const raw = raws[i]!
      progress(`${way.name}: subscribe once`)
      const m0 = await settledMemory()
      raw.write(way.sub(patternBytes(MiB, way.seed)))
      await raw.barrier()
      if (xpub) assert.ok(isBig(await xpub.receive(), 1, way.seed, ""), `${way.name}: XPUB hands up \\x01 + the 1 MiB topic`)
      const m1 = await settledMemory()
      progress(`${way.name}: subscribe ${REPEAT - 1} more times`)
      for (let k = 1; k < REPEAT; k++) raw.write(way.sub(patternBytes(MiB, way.seed)))
      await raw.barrier()
      if (xpub) assert.equal(xpub.readable, false, `${way.name}: a repeated subscription is not handed up again`)
      const m2 = await settledMemory()
      out[`${way.name}.first`] = m1 - m0
      out[`${way.name}.repeats`] = m2 - m1

      progress(`${way.name}: publish to the 1 MiB topic`)
      // The subscription matches: the raw peer gets each publication once.
      for (const tag of ["#1", "#2"]) await fx.pub.send([Buffer.concat([patternBytes(MiB, way.seed), Buffer.from(tag)])])
      for (const tag of ["#1", "#2"]) assert.ok(isBig(await raw.next(), null, way.seed, tag), `${way.name}: publication ${tag} reaches the raw SUB, once`)
      await assertGoodServed(fx.pub, fx.goods, `after ${way.name}`)
    }
    progress("cancel both")
    for (const [i, way] of ways.entries()) raws[i]!.write(way.cancel(patternBytes(MiB, way.seed)))
    await Promise.all(raws.map((r) => r.barrier()))
    if (xpub) {
      const verdicts = [await xpub.receive(), await xpub.receive()].map((m) => ways.findIndex((w) => isBig(m, 0, w.seed, "")))
      assert.deepEqual(verdicts.sort(), [0, 1], "XPUB hands up \\x00 + each 1 MiB topic, once")
      assert.equal(xpub.readable, false)
    }
    out.cancelled = (await settledMemory()) - base
    await assertGoodServed(fx.pub, fx.goods, "after cancel")
    for (const raw of raws) assert.equal(raw.queued, 0, "nothing else reached the raw SUBs")
    return out
  } finally {
    fx.close()
  }
}

/**
 * Scenario 1c: a 1 MiB subscription, then a 16-byte prefix of it, then the
 * 1 MiB one cancelled: what stays subscribed is 16 bytes.
 */
async function prefixRetention(args: { kind: PubKind; rounds: number }): Promise<Record<string, number>> {
  const fx = await openPublisher(args.kind)
  try {
    const raw = await fx.raw({ socketType: "SUB" })
    const base = await settledMemory()
    for (let i = 0; i < args.rounds; i++) {
      raw.write(subscribeCommand(patternBytes(MiB, 100 + i)))
      raw.write(subscribeCommand(patternBytes(16, 100 + i)))
      raw.write(cancelCommand(patternBytes(MiB, 100 + i)))
    }
    await raw.barrier()
    if (fx.xpub) {
      for (let i = 0; i < args.rounds; i++) {
        assert.ok(isBig(await fx.xpub.receive(), 1, 100 + i, ""))
        assert.deepEqual(await fx.xpub.receive(), [Buffer.concat([Buffer.of(1), patternBytes(16, 100 + i)])])
        assert.ok(isBig(await fx.xpub.receive(), 0, 100 + i, ""))
      }
      assert.equal(fx.xpub.readable, false)
    }
    const after = (await settledMemory()) - base
    // The short prefixes are still in force.
    for (let i = 0; i < args.rounds; i++) {
      const prefix = patternBytes(16, 100 + i)
      await fx.pub.send([Buffer.concat([prefix, Buffer.from("tail")])])
      const got = await raw.next()
      assert.ok(got[0]!.subarray(0, 16).equals(prefix), "the 16-byte prefix subscription still matches")
    }
    await assertGoodServed(fx.pub, fx.goods, "after")
    return { after }
  } finally {
    fx.close()
  }
}

/** Topic i of the 100k: "feed.<i>" (many share prefixes: feed.1, feed.10, feed.100 ...). */
export function manyTopic(i: number): string {
  return `feed.${i}`
}

/**
 * Reads an XPUB continuously and checks each notification against what is
 * expected next: `n` subscriptions "\x01feed.0" .. in order, then `n` cancels.
 */
class NotificationCounter {
  subs = 0
  unsubs = 0
  unexpected: string[] = []
  /** Why receive() failed, if it did. */
  error: Error | null = null
  private waiter: { subs: number; unsubs: number; resolve: () => void; reject: (e: Error) => void } | null = null

  constructor(
    private readonly xpub: XPublisher,
    private readonly n: number,
  ) {
    void this.run()
  }

  private async run(): Promise<void> {
    // Stops by itself after the last expected cancel, so no receive() stays outstanding.
    while (this.unsubs < this.n) {
      let msg: Buffer[]
      try {
        msg = await this.xpub.receive()
      } catch (err) {
        this.error = err instanceof Error ? err : new Error(String(err))
        this.check()
        return
      }
      const s = msg.map((b) => b.toString("latin1")).join("|")
      if (this.subs < this.n && s === `\x01${manyTopic(this.subs)}`) this.subs++
      else if (this.subs === this.n && this.unsubs < this.n && s === `\x00${manyTopic(this.unsubs)}`) this.unsubs++
      else if (this.unexpected.length < 10) this.unexpected.push(JSON.stringify(s))
      this.check()
    }
  }

  waitFor(subs: number, unsubs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiter = { subs, unsubs, resolve, reject }
      this.check()
    })
  }

  private check(): void {
    const w = this.waiter
    if (w === null) return
    if (this.error !== null) {
      this.waiter = null
      w.reject(new Error(`XPUB receive() failed after ${this.subs} \\x01 and ${this.unsubs} \\x00 notifications: ${this.error.message}`))
    } else if (this.unexpected.length > 0) {
      // Stop at the first surprise: waiting on would only time out.
      this.waiter = null
      w.reject(new Error(`after ${this.subs} \\x01 and ${this.unsubs} \\x00 notifications in order, got ${this.unexpected[0]}`))
    } else if (this.subs >= w.subs && this.unsubs >= w.unsubs) {
      this.waiter = null
      w.resolve()
    }
  }
}

/**
 * A zeromq (libzmq) SUB with ZMQ_SNDHWM 0. libzmq's SUB silently drops the
 * subscriptions that find its pipe at the send high-water mark (measured:
 * 999 of 100k reach even a libzmq XPUB with the default of 1000), and
 * zeromq.js offers sendHighWaterMark on writable sockets only, so the
 * option is set the way zeromq.js sets it itself (option 23 = ZMQ_SNDHWM).
 */
function unboundedLibzmqSub(): zmq.Subscriber {
  const sub = new zmq.Subscriber({ linger: 0 })
  const native = sub as unknown as { setInt32Option?: (id: number, value: number) => void }
  if (typeof native.setInt32Option !== "function") throw new Error("zeromq.js no longer has setInt32Option: set ZMQ_SNDHWM another way")
  native.setInt32Option(23, 0)
  return sub
}

/**
 * Scenario 2: 100k distinct topics subscribed, then all cancelled, from a
 * raw peer and from a library SUB (zeromq for XPUB, zmq-ts for PUB).
 */
async function manyTopics(args: { kind: PubKind; n: number }): Promise<Record<string, number>> {
  const N = args.n
  const fx = await openPublisher(args.kind)
  const out: Record<string, number> = {}
  try {
    const xpub = fx.xpub
    // ---- from a raw peer ----
    {
      const raw = await fx.raw({ socketType: "SUB" })
      raw.write(subscribeCommand("sentinel"))
      await raw.barrier()
      if (xpub) assert.equal(await nextNotification(xpub), "\x01sentinel")
      const counter = xpub ? new NotificationCounter(xpub, N) : null
      const base = await settledMemory()
      progress("raw: subscribe")
      const subs: Buffer[] = []
      for (let i = 0; i < N; i++) subs.push(subscribeCommand(manyTopic(i)))
      raw.write(Buffer.concat(subs))
      subs.length = 0
      // Together: if the XPUB stops handing notifications up, the barrier never comes.
      await Promise.all([raw.barrier(), counter?.waitFor(N, 0)])
      progress("raw: subscribed")
      out["raw.peak"] = (await settledMemory()) - base
      progress("raw: cancel")
      const cancels: Buffer[] = []
      for (let i = 0; i < N; i++) cancels.push(cancelCommand(manyTopic(i)))
      raw.write(Buffer.concat(cancels))
      cancels.length = 0
      await Promise.all([raw.barrier(), counter?.waitFor(N, N)])
      progress("raw: cancelled")
      out["raw.after"] = (await settledMemory()) - base
      if (counter) {
        out["raw.subs"] = counter.subs
        out["raw.unsubs"] = counter.unsubs
        assert.deepEqual(counter.unexpected, [], "no other notification")
      }
      // The cancels took effect: a publication to one of the topics no longer reaches the raw peer.
      await fx.pub.send([manyTopic(42)])
      await fx.pub.send(["sentinel"])
      assert.deepEqual((await raw.next()).map(String), ["sentinel"], "cancelled topics are no longer delivered")
      await assertGoodServed(fx.pub, fx.goods, "after raw")
      raw.destroy()
      if (xpub) assert.equal(await nextNotification(xpub), "\x00sentinel", "the raw peer's last topic goes with it")
    }
    // ---- from a library SUB over tcp ----
    {
      const proxy = await BarrierProxy.start(fx.endpoint)
      // zeromq for XPUB (its notifications are the barrier); zmq-ts for PUB (the proxy is).
      const sub: AnySub = xpub ? unboundedLibzmqSub() : new Subscriber({ linger: 0 })
      const tag = xpub ? "zeromq" : "zmq-ts"
      try {
        const hello = proxy.expect(true, "hello")
        sub.connect(proxy.endpoint)
        sub.subscribe("hello")
        await hello
        await proxy.barrier()
        if (xpub) assert.equal(await nextNotification(xpub), "\x01hello")
        const counter = xpub ? new NotificationCounter(xpub, N) : null
        const base = await settledMemory()
        progress(`${tag}: subscribe`)
        const topics = Array.from({ length: N }, (_, i) => manyTopic(i))
        let seen = proxy.expect(true, manyTopic(N - 1))
        for (const t of topics) sub.subscribe(t)
        await Promise.all([seen.then(() => proxy.barrier()), counter?.waitFor(N, 0)])
        out[`${tag}.peak`] = (await settledMemory()) - base
        progress(`${tag}: cancel`)
        seen = proxy.expect(false, manyTopic(N - 1))
        for (const t of topics) sub.unsubscribe(t)
        topics.length = 0
        await Promise.all([seen.then(() => proxy.barrier()), counter?.waitFor(N, N)])
          out[`${tag}.after`] = (await settledMemory()) - base
        if (counter) {
          out[`${tag}.subs`] = counter.subs
          out[`${tag}.unsubs`] = counter.unsubs
          assert.deepEqual(counter.unexpected, [], "no other notification")
        }
        await fx.pub.send([manyTopic(42)])
        await fx.pub.send(["hello"])
        assert.deepEqual((await sub.receive()).map(String), ["hello"], "cancelled topics are no longer delivered")
        await assertGoodServed(fx.pub, fx.goods, `after ${tag}`)
      } finally {
        sub.close()
        proxy.close()
      }
    }
    return out
  } finally {
    fx.close()
  }
}

/**
 * Scenario 6: a raw SUB pours subscriptions (bursts of 10k distinct topics,
 * written as fast as the kernel takes them) into an XPUB whose application
 * does not read. PINGs placed in the stream say how far the XPUB's engine
 * got: one at 2 x HWM - 250 (it must be answered while nobody reads) and one
 * at the end of each burst. They are far enough apart never to be decoded in
 * the same turn (the engine answers one PING at a time, as libzmq does).
 * At every PONG the engine may be no further ahead of what the application
 * read than the receive high-water mark (the XPUB's notification queue)
 * plus the pipe's (the engine's queue).
 */
async function burst(args: { total: number; burst: number }): Promise<Record<string, number>> {
  const fx = await openPublisher("XPUB")
  const xpub = fx.xpub!
  try {
    const hwm = xpub.receiveHighWaterMark
    const bound = 2 * hwm
    const stallProbe = bound - 250
    const raw = await fx.raw({ socketType: "SUB" })
    const base = await settledMemory()
    let read = 0
    let furthest = 0
    const violations: string[] = []
    const stalled = raw.expectPong(`p${stallProbe}`)
    raw.onPong = (context) => {
      if (!context.startsWith("p")) return
      const at = Number(context.slice(1))
      furthest = Math.max(furthest, at)
      // +1: the notification whose receive() is resolving right now.
      if (at > read + 1 + bound) violations.push(`PONG after subscription ${at} with ${read} read`)
    }
    // The attacker: the next burst only once the kernel took the previous
    // one, so that its own buffers stay small.
    let written = 0
    const attack = (async () => {
      while (written < args.total) {
        const parts: Buffer[] = []
        const end = Math.min(args.total, written + args.burst)
        for (let i = written; i < end; i++) {
          parts.push(subscribeCommand(`burst.${i}`))
          if (i + 1 === stallProbe || i + 1 === end) parts.push(pingCommand(`p${i + 1}`))
        }
        written = end
        if (!raw.write(Buffer.concat(parts))) await raw.drained()
      }
    })()
    progress("wait for the XPUB to reach its high-water mark")
    await stalled
    // The application has read nothing: the XPUB holds what it has taken.
    const stalledMemory = (await settledMemory()) - base
    const furthestAtStall = furthest
    const writtenAtStall = written
    const kernelAtStall = raw.socket.bytesWritten - raw.socket.writableLength
    progress(`stalled: engine at subscription ${furthestAtStall}, ${stalledMemory} bytes over the baseline, ${writtenAtStall} subscriptions written`)
    assert.equal(xpub.readable, true, "notifications are waiting")
    // Publishing is unaffected while the XPUB is not reading its subscribers.
    await assertGoodServed(xpub, fx.goods, "during the burst")
    progress("the application reads")
    const lastPong = raw.expectPong(`p${args.total}`)
    lastPong.catch(() => undefined) // awaited below, unless reading fails first
    for (let i = 0; i < args.total; i++) {
      const n = await nextNotification(xpub)
      if (n !== `\x01burst.${i}`) assert.fail(`notification ${i}: got ${JSON.stringify(n.slice(0, 40))}`)
      read++
    }
    await attack
    await lastPong
    assert.deepEqual(violations.slice(0, 5), [], "the XPUB's engine never ran more than 2 x HWM ahead of the application")
    assert.equal(xpub.readable, false, "no other notification")
    await assertGoodServed(xpub, fx.goods, "after the burst")
    return {
      hwm,
      stalledMemory,
      furthestAtStall,
      writtenAtStall,
      kernelAtStall,
      furthest,
    }
  } finally {
    fx.close()
  }
}

const SCENARIOS: Record<string, (args: never) => Promise<Record<string, number>>> = {
  bigSubscription,
  prefixRetention,
  manyTopics,
  burst,
}

export interface ChildReport {
  ok: boolean
  result?: Record<string, number>
  error?: string
  crashes: string[]
}

/** Entry point of a child process: runs one scenario and prints its report as the last stdout line. */
export async function childMain(name: string, argsJson: string): Promise<void> {
  const crashes: string[] = []
  let reported = false
  const finish = (report: ChildReport): void => {
    if (reported) return
    reported = true
    process.stdout.write(`\nREPORT ${JSON.stringify(report)}\n`, () => process.exit(0))
  }
  // A crash ends the scenario at once: what it waited for may never come.
  const onCrash = (err: unknown): void => {
    crashes.push(err instanceof Error ? (err.stack ?? err.message).split("\n").slice(0, 12).join("\n") : String(err))
    finish({ ok: false, error: "crashed", crashes })
  }
  process.on("uncaughtException", onCrash)
  process.on("unhandledRejection", onCrash)
  let report: ChildReport
  try {
    const fn = SCENARIOS[name]
    if (fn === undefined) throw new Error(`no scenario ${name}`)
    const result = await fn(JSON.parse(argsJson) as never)
    report = { ok: true, result, crashes }
  } catch (err) {
    report = { ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err), crashes }
  }
  // Let closing sockets finish their callbacks, so a late crash is seen too.
  await new Promise<void>((r) => setImmediate(r))
  finish(report)
}

const HERE = fileURLToPath(import.meta.url)
const REPO = resolve(dirname(HERE), "../..")

/**
 * Runs a scenario in `node --expose-gc --import tsx` and returns its numbers.
 * Fails with the child's error (and its last progress steps) if it failed,
 * crashed, or ran out of time (it is killed after `timeoutMs`).
 */
export function runChild(name: string, args: object, timeoutMs: number): Promise<Record<string, number>> {
  const code = `import(${JSON.stringify(pathToFileURL(HERE).href)}).then((m) => m.childMain(${JSON.stringify(name)}, ${JSON.stringify(JSON.stringify(args))}))`
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "-e", code], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s))
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s))
    child.on("error", reject)
    child.on("close", (status, signal) => {
      const line = stdout.split("\n").find((l) => l.startsWith("REPORT "))
      const tail = stderr.split("\n").slice(-12).join("\n")
      if (line === undefined) {
        reject(new Error(`child ${name} ended (status ${status}, signal ${signal}) without a report; stderr:\n${tail}`))
        return
      }
      const report = JSON.parse(line.slice("REPORT ".length)) as ChildReport
      if (report.crashes.length > 0) {
        reject(new Error(`child ${name}: uncaught exception or unhandled rejection:\n${report.crashes.join("\n")}`))
      } else if (!report.ok) {
        reject(new Error(`child ${name} failed: ${report.error}\nstderr:\n${tail}`))
      } else {
        resolveRun(report.result!)
      }
    })
  })
}
