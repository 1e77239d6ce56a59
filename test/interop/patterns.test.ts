/**
 * Request-reply, publish-subscribe and STREAM between zmq-ts and libzmq.
 *
 * Request-reply and pub-sub run from one table: every compatible pair of
 * socket types (REQ-REP, REQ-ROUTER, DEALER-REP, DEALER-ROUTER, DEALER-DEALER,
 * ROUTER-ROUTER, PUB-SUB, XPUB-SUB, PUB-XSUB, XPUB-XSUB), with zmq-ts on
 * either side of the pair, zmq-ts binding or connecting, over tcp (ipc for a
 * subset), against libzmq in this process (the `zeromq` package, libzmq
 * 4.3.5) and, for a smaller table, in a python3-zmq child (libzmq 4.3.4,
 * test/helpers/peers/pattern_peer.py). Every exchange checks content, order
 * and routing ids, and ends with a sentinel that must be the next message.
 * Pub-sub also checks prefix filtering, unsubscribing, and (with an XPUB
 * welcome message) that XSUB, unlike SUB, does not filter what it receives.
 *
 * STREAM: a zmq-ts Stream with raw `net` peers, bound and connecting; each
 * scenario also runs on the zeromq Stream, as the reference for what libzmq
 * does.
 *
 * Nothing here sleeps: tests wait on messages (subscriptions reaching an
 * XPUB, a readiness message reaching a SUB, a ROUTER's probe) and each test
 * is bounded by a guard that releases its sockets and children.
 */
import assert from "node:assert/strict"
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process"
import { once } from "node:events"
import { mkdtempSync, rmSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { createInterface } from "node:readline"
import { after, describe, test } from "node:test"
import { fileURLToPath } from "node:url"
import { inspect } from "node:util"
import * as zeromq from "zeromq"
import * as zmqts from "../../src/index.js"
import { scaled } from "../helpers/time.js"

type Peer = "zeromq" | "pyzmq"
type Impl = "zmq-ts" | Peer
type Role = "zmq-ts binds" | "zmq-ts connects"
type Transport = "tcp" | "ipc"
type ClientType = "REQ" | "DEALER" | "ROUTER"
type ServerType = "REP" | "ROUTER" | "DEALER"
type PubType = "PUB" | "XPUB"
type SubType = "SUB" | "XSUB"
type SocketType = ClientType | ServerType | PubType | SubType

/** Per-test guard: on expiry the test fails and its sockets and children are released. */
const GUARD_MS = scaled(10_000)
const NODE_TIMEOUT_MS = GUARD_MS + 5_000
/** How long a python peer may take to exit once its stdin is closed, before it is killed. */
const PY_EXIT_MS = scaled(5_000)
const PYTHON = "/usr/bin/python3"
const PY_PEER = join(dirname(fileURLToPath(import.meta.url)), "../helpers/peers/pattern_peer.py")

const b = (s: string): Buffer => Buffer.from(s)
const EMPTY = Buffer.alloc(0)
/** The routing id a client announces in the "named" cases. */
const CLIENT_ID = "peer-A"
/** The routing id of a bound ROUTER that a connecting ROUTER addresses. */
const SERVER_ID = "server-R"

// ---- guard, endpoints, assertions ------------------------------------------------------

type Release = () => void | Promise<void>

/**
 * Runs `body` with a time limit, then releases (in reverse order) everything
 * it registered, however it ended. Release errors (a python peer that failed
 * or would not exit) fail the test too.
 */
async function guarded(body: (own: (release: Release) => void) => Promise<void>): Promise<void> {
  const releases: Release[] = []
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`guard: test did not finish within ${GUARD_MS} ms`)), GUARD_MS)
  })
  let failure: unknown = null
  try {
    await Promise.race([body((r) => releases.push(r)), timeout])
  } catch (err) {
    failure = err
  } finally {
    clearTimeout(timer)
  }
  const errors: unknown[] = []
  for (const release of releases.reverse()) {
    try {
      await release()
    } catch (err) {
      errors.push(err)
    }
  }
  const first = failure ?? errors[0]
  if (first !== undefined) throw first instanceof Error ? first : new Error(inspect(first))
}

let ipcDir: string | null = null
let ipcCount = 0
after(() => {
  if (ipcDir !== null) rmSync(ipcDir, { recursive: true, force: true })
})

function bindAddress(transport: Transport): string {
  if (transport === "tcp") return "tcp://127.0.0.1:*"
  ipcDir ??= mkdtempSync(join(tmpdir(), "zmq-ts-patterns-"))
  return `ipc://${ipcDir}/${++ipcCount}.sock`
}

function show(msg: readonly Buffer[] | undefined): string {
  if (msg === undefined) return "(nothing)"
  const frame = (f: Buffer): string =>
    f.length > 24 ? `<${f.length} bytes>` : /^[\x20-\x7e]*$/.test(f.toString("latin1")) ? JSON.stringify(f.toString("latin1")) : `<${f.toString("hex")}>`
  return `[${msg.map(frame).join(", ")}]`
}

function sameFrames(a: readonly Buffer[], e: readonly Buffer[]): boolean {
  return a.length === e.length && a.every((f, i) => f.equals(e[i]!))
}

function assertFrames(actual: readonly Buffer[], expected: readonly Buffer[], what: string): void {
  if (!sameFrames(actual, expected)) assert.fail(`${what}: got ${show(actual)}, expected ${show(expected)}`)
}

function assertMessages(actual: readonly Buffer[][], expected: readonly Buffer[][], what: string): void {
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    const a = actual[i]
    const e = expected[i]
    if (a === undefined || e === undefined || !sameFrames(a, e)) {
      assert.fail(`${what}: message ${i} of ${actual.length} before the sentinel is ${show(a)}, expected ${show(e)}`)
    }
  }
}

function assertGeneratedId(id: Buffer | undefined, what: string): Buffer {
  assert.ok(id !== undefined && id.length === 5 && id[0] === 0, `${what}: a generated routing id is 5 bytes starting with 0, got ${show(id && [id])}`)
  return id
}

// ---- sides: one socket of either implementation behind one interface ------------------

/** What a test does with a socket, whichever implementation it is. */
interface Side {
  readonly label: string
  /** The endpoint bound (the real one) or connected to. */
  readonly endpoint: string
  send(frames: Buffer[]): Promise<void>
  receive(): Promise<Buffer[]>
  /** SUB only. */
  subscribe(prefix: Buffer): Promise<void>
  unsubscribe(prefix: Buffer): Promise<void>
  /** Lets the sides make progress once: a turn of the event loop, or a round trip to the python peer. */
  tick(): Promise<void>
  close(): Promise<void>
}

/** Messages that arrived before anyone asked for them, and the one receive waiting for the next. */
class Inbox {
  private readonly queue: Buffer[][] = []
  private waiter: { resolve: (m: Buffer[]) => void; reject: (e: Error) => void } | null = null
  private failure: Error | null = null

  push(msg: Buffer[]): void {
    const w = this.waiter
    this.waiter = null
    if (w !== null) w.resolve(msg)
    else this.queue.push(msg)
  }

  /** No more messages: what is queued can still be read, then `err`. */
  fail(err: Error): void {
    this.failure ??= err
    this.waiter?.reject(err)
    this.waiter = null
  }

  next(): Promise<Buffer[]> {
    const msg = this.queue.shift()
    if (msg !== undefined) return Promise.resolve(msg)
    if (this.failure !== null) return Promise.reject(this.failure)
    if (this.waiter !== null) return Promise.reject(new Error("a receive is already pending"))
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
  }
}

/**
 * libzmq sockets only act on their command mailbox (a new peer's pipe, a
 * pipe's activation or termination) inside an API call, e.g. while the
 * application waits in a receive. So a zeromq DEALER, ROUTER, SUB, XSUB or
 * XPUB peer always has a receive pending, as a real application (and the
 * python peer's poll loop) would; otherwise a bound libzmq SUB would never
 * send its subscriptions to a new publisher, nor a bound ROUTER its probe.
 * REQ and REP cannot: their state machine decides when they may receive.
 */
const PUMPED: ReadonlySet<SocketType> = new Set(["DEALER", "ROUTER", "SUB", "XSUB", "XPUB"])

function pump(receive: () => Promise<Buffer[]>): Inbox {
  const inbox = new Inbox()
  void (async () => {
    try {
      for (;;) inbox.push(await receive())
    } catch (err) {
      inbox.fail(err instanceof Error ? err : new Error(inspect(err)))
    }
  })()
  return inbox
}

interface SideOptions {
  routingId?: string
  probeRouter?: boolean
  /** XPUB only. */
  welcomeMessage?: string
}

type Mode = "bind" | "connect"

/** The subset of the zeromq.js v6 API these tests use; zmq-ts and zeromq sockets both have it. */
interface ApiSocket {
  readonly lastEndpoint: string | null
  bind(address: string): Promise<void>
  connect(address: string): void
  close(): void
  send?(message: Buffer[]): Promise<void>
  receive?(): Promise<Buffer[]>
  subscribe?(...prefixes: Buffer[]): void
  unsubscribe?(...prefixes: Buffer[]): void
}

const idOption = (o: SideOptions): { routingId?: string } => (o.routingId === undefined ? {} : { routingId: o.routingId })

function zmqtsSocket(type: SocketType, o: SideOptions): ApiSocket {
  const linger = 0
  switch (type) {
    case "REQ":
      return new zmqts.Request({ linger, ...idOption(o) })
    case "REP":
      return new zmqts.Reply({ linger })
    case "DEALER":
      return new zmqts.Dealer({ linger, ...idOption(o) })
    case "ROUTER":
      return new zmqts.Router({ linger, ...idOption(o), probeRouter: o.probeRouter ?? false })
    case "PUB":
      return new zmqts.Publisher({ linger })
    case "SUB":
      return new zmqts.Subscriber({ linger })
    case "XPUB":
      return new zmqts.XPublisher({ linger, welcomeMessage: o.welcomeMessage ?? null })
    case "XSUB":
      return new zmqts.XSubscriber({ linger })
  }
}

function zeromqSocket(type: SocketType, o: SideOptions): ApiSocket {
  const linger = 0
  switch (type) {
    case "REQ":
      return new zeromq.Request({ linger, ...idOption(o) })
    case "REP":
      return new zeromq.Reply({ linger })
    case "DEALER":
      return new zeromq.Dealer({ linger, ...idOption(o) })
    case "ROUTER":
      return new zeromq.Router({ linger, ...idOption(o), probeRouter: o.probeRouter ?? false })
    case "PUB":
      return new zeromq.Publisher({ linger })
    case "SUB":
      return new zeromq.Subscriber({ linger })
    case "XPUB":
      return new zeromq.XPublisher({ linger, welcomeMessage: o.welcomeMessage ?? null })
    case "XSUB":
      return new zeromq.XSubscriber({ linger })
  }
}

async function openInProcess(impl: "zmq-ts" | "zeromq", type: SocketType, o: SideOptions, mode: Mode, address: string): Promise<Side> {
  const label = `${impl === "zmq-ts" ? "zmq-ts" : "libzmq (zeromq)"} ${type}`
  const s = impl === "zmq-ts" ? zmqtsSocket(type, o) : zeromqSocket(type, o)
  let endpoint = address
  try {
    if (mode === "bind") {
      await s.bind(address)
      endpoint = s.lastEndpoint ?? address
    } else {
      s.connect(address)
    }
  } catch (err) {
    s.close()
    throw err
  }
  const missing = (what: string): Promise<never> => Promise.reject(new Error(`${label} cannot ${what}`))
  const receive = s.receive?.bind(s)
  const inbox = impl === "zeromq" && PUMPED.has(type) && receive ? pump(receive) : null
  return {
    label,
    endpoint,
    send: (frames) => (s.send ? s.send(frames) : missing("send")),
    receive: () => (inbox ? inbox.next() : receive ? receive() : missing("receive")),
    subscribe: (prefix) => (s.subscribe ? Promise.resolve(s.subscribe(prefix)) : missing("subscribe")),
    unsubscribe: (prefix) => (s.unsubscribe ? Promise.resolve(s.unsubscribe(prefix)) : missing("unsubscribe")),
    tick: () => new Promise<void>((resolve) => setImmediate(resolve)),
    close: () => Promise.resolve(s.close()),
  }
}

/** A python3-zmq socket in a child process (pattern_peer.py), driven over stdio. */
class PyzmqSide implements Side {
  readonly label: string
  endpoint = ""
  private readonly child: ChildProcessWithoutNullStreams
  private readonly exited: Promise<void>
  private exitInfo: string | null = null
  private stderr = ""
  private readonly inbox = new Inbox()
  private endpointWaiter: { resolve: (ep: string) => void; reject: (e: Error) => void } | null = null
  private readonly pongs = new Map<number, { resolve: () => void; reject: (e: Error) => void }>()
  private pings = 0
  private closing: Promise<void> | null = null

  private constructor(type: SocketType, o: SideOptions, mode: Mode, address: string) {
    this.label = `libzmq (pyzmq) ${type}`
    const opts = { ...(o.routingId === undefined ? {} : { routing_id: o.routingId }), ...(o.probeRouter ? { probe_router: true } : {}) }
    this.child = spawn(PYTHON, [PY_PEER, type, mode, address, JSON.stringify(opts)], { stdio: ["pipe", "pipe", "pipe"] })
    this.child.stdin.on("error", () => undefined) // EPIPE if it died; reported through its exit
    this.child.stderr.setEncoding("utf8")
    this.child.stderr.on("data", (s: string) => (this.stderr += s))
    createInterface({ input: this.child.stdout, crlfDelay: Infinity }).on("line", (line) => this.onLine(line))
    this.exited = new Promise<void>((resolve) => {
      this.child.once("error", (err) => {
        this.exitInfo = `failed to start: ${err.message}`
        resolve()
      })
      this.child.once("close", (code, signal) => {
        this.exitInfo = signal !== null ? `killed by ${signal}` : `exit code ${code}`
        resolve()
      })
    })
    void this.exited.then(() => this.failPending())
  }

  static async open(type: SocketType, o: SideOptions, mode: Mode, address: string, own: (r: Release) => void): Promise<PyzmqSide> {
    const side = new PyzmqSide(type, o, mode, address)
    own(() => side.close())
    side.endpoint = await new Promise<string>((resolve, reject) => {
      side.endpointWaiter = { resolve, reject }
    })
    return side
  }

  private onLine(line: string): void {
    const msg = JSON.parse(line) as { endpoint?: string; recv?: string[]; pong?: number }
    if (msg.endpoint !== undefined) {
      this.endpointWaiter?.resolve(msg.endpoint)
      this.endpointWaiter = null
    } else if (msg.recv !== undefined) {
      this.inbox.push(msg.recv.map((hex) => Buffer.from(hex, "hex")))
    } else if (msg.pong !== undefined) {
      this.pongs.get(msg.pong)?.resolve()
      this.pongs.delete(msg.pong)
    }
  }

  private failure(): Error {
    return new Error(`${this.label} peer ended (${this.exitInfo ?? "closed"})${this.stderr ? `; stderr:\n${this.stderr}` : ""}`)
  }

  private failPending(): void {
    const err = this.failure()
    this.endpointWaiter?.reject(err)
    this.endpointWaiter = null
    this.inbox.fail(err)
    for (const pong of this.pongs.values()) pong.reject(err)
    this.pongs.clear()
  }

  private command(cmd: object): Promise<void> {
    if (this.exitInfo !== null || this.closing !== null) return Promise.reject(this.failure())
    if (this.child.stdin.write(JSON.stringify(cmd) + "\n")) return Promise.resolve()
    return once(this.child.stdin, "drain").then(() => undefined)
  }

  send(frames: Buffer[]): Promise<void> {
    return this.command({ send: frames.map((f) => f.toString("hex")) })
  }

  subscribe(prefix: Buffer): Promise<void> {
    return this.command({ subscribe: prefix.toString("hex") })
  }

  unsubscribe(prefix: Buffer): Promise<void> {
    return this.command({ unsubscribe: prefix.toString("hex") })
  }

  receive(): Promise<Buffer[]> {
    return this.inbox.next()
  }

  async tick(): Promise<void> {
    const n = ++this.pings
    await this.command({ ping: n })
    await new Promise<void>((resolve, reject) => this.pongs.set(n, { resolve, reject }))
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    this.child.stdin.end()
    let timer: NodeJS.Timeout | undefined
    const killed = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), PY_EXIT_MS)
      }),
    ])
    clearTimeout(timer)
    if (killed) {
      this.child.kill("SIGKILL")
      await this.exited
      throw new Error(`${this.label} peer did not exit within ${PY_EXIT_MS} ms of stdin closing; killed it`)
    }
    if (this.child.exitCode !== 0) throw this.failure()
  }
}

async function openSide(impl: Impl, type: SocketType, o: SideOptions, mode: Mode, address: string, own: (r: Release) => void): Promise<Side> {
  if (impl === "pyzmq") return PyzmqSide.open(type, o, mode, address, own)
  const side = await openInProcess(impl, type, o, mode, address)
  own(() => side.close())
  return side
}

// ---- the table ------------------------------------------------------------------------

/**
 * One pair of socket types. For request-reply, `a` is the client (it sends
 * first) and `b` the server; for pub-sub, `a` publishes and `b` subscribes.
 */
interface PatternCase {
  family: "req-rep" | "pub-sub"
  a: SocketType
  b: SocketType
  /** Which end of the pair is zmq-ts; the other is libzmq. */
  zmqtsIs: "a" | "b"
  peer: Peer
  role: Role
  transport: Transport
  /** When `b` is a ROUTER: the client announces CLIENT_ID, or the ROUTER generates an id. */
  clientId: "named" | "generated"
}

const REQ_REP_PAIRS: readonly [ClientType, ServerType][] = [
  ["REQ", "REP"],
  ["REQ", "ROUTER"],
  ["DEALER", "REP"],
  ["DEALER", "ROUTER"],
  ["DEALER", "DEALER"],
  ["ROUTER", "ROUTER"],
]
const PUB_SUB_PAIRS: readonly [PubType, SubType][] = [
  ["PUB", "SUB"],
  ["XPUB", "SUB"],
  ["PUB", "XSUB"],
  ["XPUB", "XSUB"],
]
const ROLES: readonly Role[] = ["zmq-ts binds", "zmq-ts connects"]

/** Pairs run over ipc too (zeromq), and the pairs run against python3-zmq (tcp). */
const IPC_PAIRS = new Set(["REQ-REP", "DEALER-ROUTER", "ROUTER-ROUTER", "PUB-SUB", "XPUB-XSUB"])
const PYZMQ_PAIRS = new Set(["REQ-REP", "DEALER-ROUTER", "ROUTER-ROUTER", "PUB-SUB", "XPUB-XSUB"])

function allCases(): PatternCase[] {
  const cases: PatternCase[] = []
  const pairs = [
    ...REQ_REP_PAIRS.map(([a, b]) => ({ family: "req-rep" as const, a, b })),
    ...PUB_SUB_PAIRS.map(([a, b]) => ({ family: "pub-sub" as const, a, b })),
  ]
  for (const peer of ["zeromq", "pyzmq"] as const) {
    for (const transport of ["tcp", "ipc"] as const) {
      for (const { family, a, b } of pairs) {
        const name = `${a}-${b}`
        if (peer === "pyzmq" && (transport !== "tcp" || !PYZMQ_PAIRS.has(name))) continue
        if (transport === "ipc" && !IPC_PAIRS.has(name)) continue
        for (const role of ROLES) {
          // ROUTER-ROUTER: the binder is the server (`b`), so the role decides
          // which end zmq-ts is. DEALER-DEALER: both ends are alike.
          const ends: ("a" | "b")[] = a === "ROUTER" && b === "ROUTER" ? [role === "zmq-ts binds" ? "b" : "a"] : a === b ? ["a"] : ["a", "b"]
          const ids: ("named" | "generated")[] = b === "ROUTER" && transport === "tcp" ? ["named", "generated"] : ["named"]
          for (const zmqtsIs of ends) for (const clientId of ids) cases.push({ family, a, b, zmqtsIs, peer, role, transport, clientId })
        }
      }
    }
  }
  return cases
}

function caseTitle(c: PatternCase): string {
  const ts = (end: "a" | "b"): string => (c.zmqtsIs === end ? "zmq-ts" : "libzmq")
  const id = c.b === "ROUTER" ? ` (${c.clientId} client id)` : ""
  return `${ts("a")} ${c.a} → ${ts("b")} ${c.b}, ${c.role}${id}`
}

/**
 * Opens both ends of a case. The binder is the side the role says; the
 * client of a request-reply pair announces CLIENT_ID in the "named" cases,
 * and a ROUTER server is SERVER_ID with ZMQ_PROBE_ROUTER (so a connecting
 * ROUTER learns when it can address it).
 */
async function openPair(c: PatternCase, own: (r: Release) => void): Promise<{ a: Side; b: Side }> {
  const options = (end: "a" | "b"): SideOptions => {
    if (c.family !== "req-rep") return {}
    if (end === "a") return c.clientId === "named" ? { routingId: CLIENT_ID } : {}
    return c.a === "ROUTER" ? { routingId: SERVER_ID, probeRouter: true } : {}
  }
  const zEnd = c.zmqtsIs
  const lEnd = zEnd === "a" ? "b" : "a"
  const zType = c[zEnd]
  const lType = c[lEnd]
  let zSide: Side
  let lSide: Side
  if (c.role === "zmq-ts binds") {
    zSide = await openSide("zmq-ts", zType, options(zEnd), "bind", bindAddress(c.transport), own)
    lSide = await openSide(c.peer, lType, options(lEnd), "connect", zSide.endpoint, own)
  } else {
    lSide = await openSide(c.peer, lType, options(lEnd), "bind", bindAddress(c.transport), own)
    zSide = await openSide("zmq-ts", zType, options(zEnd), "connect", lSide.endpoint, own)
  }
  return zEnd === "a" ? { a: zSide, b: lSide } : { a: lSide, b: zSide }
}

// ---- request-reply ----------------------------------------------------------------------

/** Request bodies: text, an empty frame inside, a lone empty frame, a long (> 255 bytes) frame, then a run. */
const BODIES: readonly Buffer[][] = [
  [b("hello")],
  [b("multi"), EMPTY, b("part"), EMPTY],
  [EMPTY],
  [Buffer.alloc(300, 0xa5), b("tail")],
  ...Array.from({ length: 40 }, (_, i) => [b(`request ${i}`)]),
]
const SENTINEL_REQUEST = [b("sentinel request")]
const SENTINEL_REPLY = [b("sentinel reply")]
const replyTo = (body: readonly Buffer[]): Buffer[] => [b("re"), ...body]

/**
 * The client sends every request and the server answers each as it comes;
 * a REQ client alternates, the others send them all before reading. Both
 * ends check every message, in order, up to the sentinel.
 */
async function requestReply(c: PatternCase, client: Side, server: Side): Promise<void> {
  const serverId = b(SERVER_ID)
  // What the client application adds around a body (a REQ adds its own delimiter;
  // a DEALER talking to a REP must add it; a ROUTER addresses the server).
  const clientFrames = (body: readonly Buffer[]): Buffer[] =>
    c.a === "ROUTER" ? [serverId, ...body] : c.a === "DEALER" && c.b === "REP" ? [EMPTY, ...body] : [...body]
  // What a ROUTER server sees after the client's routing id.
  const envelope = c.a === "REQ" ? [EMPTY] : []
  const serverFrames = (id: Buffer, body: readonly Buffer[]): Buffer[] => (c.b === "REP" ? [...body] : [id, ...envelope, ...body])

  const requests = [...BODIES, SENTINEL_REQUEST]
  const replies = [...BODIES.map(replyTo), SENTINEL_REPLY]

  if (c.a === "ROUTER") {
    // The bound ROUTER probes each new peer: once the probe is here, the
    // connecting ROUTER knows SERVER_ID and can address it.
    assertFrames(await client.receive(), [serverId, EMPTY], `${client.label} probe from the bound ROUTER`)
  }

  const serve = async (): Promise<void> => {
    let clientId: Buffer | null = c.clientId === "named" ? b(CLIENT_ID) : null
    for (let i = 0; i < requests.length; i++) {
      const got = await server.receive()
      if (c.b === "ROUTER") {
        clientId ??= assertGeneratedId(got[0], `${server.label} received request 0`)
      }
      assertFrames(got, serverFrames(clientId ?? EMPTY, requests[i]!), `${server.label} request ${i}`)
      await server.send(serverFrames(clientId ?? EMPTY, replies[i]!))
    }
  }

  const ask = async (): Promise<void> => {
    if (c.a === "REQ") {
      for (let i = 0; i < requests.length; i++) {
        await client.send(clientFrames(requests[i]!))
        assertFrames(await client.receive(), clientFrames(replies[i]!), `${client.label} reply ${i}`)
      }
      return
    }
    for (const r of requests) await client.send(clientFrames(r))
    for (let i = 0; i < replies.length; i++) assertFrames(await client.receive(), clientFrames(replies[i]!), `${client.label} reply ${i}`)
  }

  await Promise.all([serve(), ask()])
}

/** DEALER-DEALER: both ends send a run at once; each must receive the other's, in order. */
async function dealerDealer(a: Side, b: Side): Promise<void> {
  const run = (from: string): Buffer[][] => [...BODIES.map((body) => [Buffer.from(from), ...body]), [Buffer.from(`${from} sentinel`)]]
  const fromA = run("a")
  const fromB = run("b")
  const sendAll = async (side: Side, msgs: Buffer[][]): Promise<void> => {
    for (const m of msgs) await side.send(m)
  }
  const expectAll = async (side: Side, msgs: Buffer[][]): Promise<void> => {
    for (let i = 0; i < msgs.length; i++) assertFrames(await side.receive(), msgs[i]!, `${side.label} message ${i}`)
  }
  await Promise.all([sendAll(a, fromA), sendAll(b, fromB), expectAll(b, fromA), expectAll(a, fromB)])
}

// ---- publish-subscribe ------------------------------------------------------------------

const SUBSCRIPTIONS = [b("A"), b("B.")]
/** Published until one reaches the subscriber (PUB has no other way to tell it is subscribed). */
const READY = [b("B.ready")]
const SENTINEL_TOPIC = [b("B.sentinel")]

interface Published {
  msg: Buffer[]
  /** Whether a subscriber to "A" and "B." receives it. */
  matches: boolean
}

const ROUND_1: readonly Published[] = [
  { msg: [b("A"), b("1")], matches: true },
  { msg: [b("C"), b("no")], matches: false },
  { msg: [b("AB"), b("2")], matches: true },
  { msg: [b("B"), b("no: shorter than B.")], matches: false },
  { msg: [b("B."), b("3")], matches: true },
  { msg: [b("b.x"), b("no: case")], matches: false },
  { msg: [EMPTY, b("no: empty topic")], matches: false },
  { msg: [b("xA"), b("no: not a prefix")], matches: false },
  { msg: [b("B.x.y"), b("4"), EMPTY], matches: true },
  { msg: [Buffer.from([0x41, 0x00, 0xff]), Buffer.alloc(300, 7)], matches: true },
  { msg: [Buffer.from([0x42, 0x00]), b("no: B then a zero byte")], matches: false },
]
/** After unsubscribing "A". */
const ROUND_2: readonly Published[] = [
  { msg: [b("A"), b("no: unsubscribed")], matches: false },
  { msg: [b("AB"), b("no: unsubscribed")], matches: false },
  { msg: [b("B.y"), b("5")], matches: true },
]

const subscription = (flag: 0 | 1, prefix: Buffer): Buffer => Buffer.concat([Buffer.of(flag), prefix])

/** Receives up to the sentinel, first skipping readiness messages still in flight. */
async function receiveUntilSentinel(sub: Side, skipReady: boolean, most: number): Promise<Buffer[][]> {
  const got: Buffer[][] = []
  for (;;) {
    const msg = await sub.receive()
    if (sameFrames(msg, SENTINEL_TOPIC)) return got
    if (skipReady && got.length === 0 && sameFrames(msg, READY)) continue
    got.push(msg)
    if (got.length > most) return got
  }
}

async function publishRound(pub: Side, sub: Side, round: readonly Published[], skipReady: boolean, what: string): Promise<void> {
  const expected = round.filter((p) => p.matches).map((p) => p.msg)
  const [, got] = await Promise.all([
    (async () => {
      for (const p of round) await pub.send(p.msg)
      await pub.send(SENTINEL_TOPIC)
    })(),
    receiveUntilSentinel(sub, skipReady, expected.length),
  ])
  assertMessages(got, expected, `${sub.label} ${what}`)
}

/**
 * A PUB cannot tell when a (un)subscription has reached it: publishes each of
 * `probes` once a tick until `watch`, reading the subscriber, has seen what it
 * waits for.
 */
async function publishUntil(pub: Side, probes: readonly Buffer[][], watch: Promise<void>): Promise<void> {
  let done = false
  const watching = watch.finally(() => (done = true))
  watching.catch(() => undefined) // awaited below; the loop must not leave it unhandled meanwhile
  while (!done) {
    for (const p of probes) await pub.send(p)
    await pub.tick()
  }
  await watching
}

const PROBE_A = [b("A"), b("probe")]

/**
 * Subscribes to "A" and "B."; makes sure the publisher has the subscriptions
 * (an XPUB receives them; a PUB publishes READY until one arrives); publishes
 * matching and non-matching topics; unsubscribes "A" (an XPUB receives that
 * too; a PUB publishes "A" and READY probes until an "A" goes missing) and
 * publishes again. libzmq's XSUB, unlike SUB, does not filter what it
 * receives, so round 2 also checks that the publisher stopped sending "A".
 */
async function publishSubscribe(c: PatternCase, pub: Side, sub: Side): Promise<void> {
  const change = (flag: 0 | 1, prefix: Buffer): Promise<void> =>
    c.b === "XSUB" ? sub.send([subscription(flag, prefix)]) : flag === 1 ? sub.subscribe(prefix) : sub.unsubscribe(prefix)
  for (const prefix of SUBSCRIPTIONS) await change(1, prefix)

  const viaXpub = c.a === "XPUB"
  if (viaXpub) {
    for (const prefix of SUBSCRIPTIONS) {
      assertFrames(await pub.receive(), [subscription(1, prefix)], `${pub.label} subscription`)
    }
    if (c.b === "XSUB") {
      // Anything else an XSUB sends goes upstream to the XPUB's application.
      await sub.send([b("upstream")])
      assertFrames(await pub.receive(), [b("upstream")], `${pub.label} upstream message`)
    }
  } else {
    // The subscriptions reach the PUB in order on one connection, so once a
    // message on the last one arrives, all of them are in place.
    await publishUntil(pub, [READY], (async () => assertFrames(await sub.receive(), READY, `${sub.label} first message`))())
  }

  await publishRound(pub, sub, ROUND_1, !viaXpub, "round 1")

  await change(0, b("A"))
  if (viaXpub) {
    assertFrames(await pub.receive(), [subscription(0, b("A"))], `${pub.label} unsubscription`)
  } else {
    // Probes go out as A, READY, A, READY...; two READYs in a row mean an A
    // was dropped, by the PUB or by a filtering subscriber, and all later
    // ones will be too.
    const watch = async (): Promise<void> => {
      let lastWasReady = false
      for (;;) {
        const msg = await sub.receive()
        if (sameFrames(msg, READY)) {
          if (lastWasReady) return
          lastWasReady = true
        } else {
          assertFrames(msg, PROBE_A, `${sub.label} while unsubscribing`)
          lastWasReady = false
        }
      }
    }
    await publishUntil(pub, [PROBE_A, READY], watch())
  }
  await publishRound(pub, sub, ROUND_2, !viaXpub, "round 2 (after unsubscribing A)")
}

// ---- request-reply and pub-sub tests ------------------------------------------------------------------

const CASES = allCases()

for (const peer of ["zeromq", "pyzmq"] as const) {
  for (const transport of ["tcp", "ipc"] as const) {
    const cases = CASES.filter((c) => c.peer === peer && c.transport === transport)
    if (cases.length === 0) continue
    void describe(`${peer === "zeromq" ? "libzmq 4.3.5 (zeromq, in process)" : "libzmq 4.3.4 (python3-zmq child)"}, ${transport}`, () => {
      for (const c of cases) {
        void test(caseTitle(c), { timeout: NODE_TIMEOUT_MS }, () =>
          guarded(async (own) => {
            const { a, b } = await openPair(c, own)
            if (c.family === "pub-sub") await publishSubscribe(c, a, b)
            else if (c.a === "DEALER" && c.b === "DEALER") await dealerDealer(a, b)
            else await requestReply(c, a, b)
          }),
        )
      }
    })
  }
}

// ---- SUB filters, XSUB does not ----------------------------------------------------------

/**
 * libzmq's SUB drops messages that match none of its subscriptions; its XSUB
 * passes on whatever the publisher sends (xsub_t filters only when
 * options.filter is set, and only sub_t sets it). An XPUB welcome message,
 * sent to every new subscriber whatever it subscribed to, shows the
 * difference: a SUB or XSUB subscribed to "A" meets an XPUB whose welcome
 * message is "welcome", then the XPUB publishes the sentinel ["A", "sentinel"].
 */
const WELCOME_SENTINEL = [b("A"), b("sentinel")]
const WELCOME_CASES = (["SUB", "XSUB"] as const).flatMap((subType) =>
  (
    [
      ["zeromq", "zmq-ts"],
      ["zmq-ts", "zeromq"],
      ["zeromq", "zeromq"],
    ] as const
  ).map(([pubImpl, subImpl]) => ({ subType, pubImpl, subImpl })),
)

void describe("XPUB welcome message: SUB filters it out, XSUB passes it on", () => {
  for (const { subType, pubImpl, subImpl } of WELCOME_CASES) {
    const reference = pubImpl === "zeromq" && subImpl === "zeromq" ? " (reference)" : ""
    void test(`${pubImpl} XPUB → ${subImpl} ${subType}${reference}`, { timeout: NODE_TIMEOUT_MS }, () =>
      guarded(async (own) => {
        const pub = await openSide(pubImpl, "XPUB", { welcomeMessage: "welcome" }, "bind", bindAddress("tcp"), own)
        const sub = await openSide(subImpl, subType, {}, "connect", pub.endpoint, own)
        if (subType === "SUB") await sub.subscribe(b("A"))
        else await sub.send([subscription(1, b("A"))])
        assertFrames(await pub.receive(), [subscription(1, b("A"))], `${pub.label} subscription`)
        await pub.send(WELCOME_SENTINEL)
        const got: Buffer[][] = []
        for (;;) {
          const msg = await sub.receive()
          if (sameFrames(msg, WELCOME_SENTINEL) || got.push(msg) > 1) break
        }
        assertMessages(got, subType === "XSUB" ? [[b("welcome")]] : [], `${sub.label} before the sentinel`)
      }),
    )
  }
})

// ---- STREAM -------------------------------------------------------------------------------

type StreamImpl = "zmq-ts" | "zeromq"

/** The part of the Stream API the tests use, on either implementation. */
interface StreamSocket {
  readonly lastEndpoint: string | null
  bind(address: string): Promise<void>
  connect(address: string, options?: { routingId?: string }): void
  send(message: [Buffer, Buffer]): Promise<void>
  receive(): Promise<Buffer[]>
  close(): void
}

function openStream(impl: StreamImpl, own: (r: Release) => void): StreamSocket {
  const s: StreamSocket = impl === "zmq-ts" ? new zmqts.Stream({ linger: 0 }) : new zeromq.Stream({ linger: 0 })
  own(() => s.close())
  return s
}

/** Everything a raw TCP socket reads, with a way to wait for a given number of bytes or for its end. */
class RawReader {
  private data = Buffer.alloc(0)
  private ended = false
  private wake: (() => void) | null = null

  constructor(readonly sock: net.Socket) {
    sock.on("data", (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk])
      this.wake?.()
    })
    sock.on("end", () => {
      this.ended = true
      this.wake?.()
    })
    sock.on("error", () => undefined) // a reset shows as the end of the data
    sock.on("close", () => {
      this.ended = true
      this.wake?.()
    })
  }

  private async until(done: () => boolean): Promise<void> {
    while (!done()) await new Promise<void>((resolve) => (this.wake = resolve))
    this.wake = null
  }

  /** The next `n` bytes (fewer only if the connection ended first). */
  async read(n: number): Promise<Buffer> {
    await this.until(() => this.data.length >= n || this.ended)
    const out = this.data.subarray(0, n)
    this.data = this.data.subarray(n)
    return out
  }

  /** Resolves at the end of the stream, with whatever arrived that was not read. */
  async end(): Promise<Buffer> {
    await this.until(() => this.ended)
    return this.data
  }
}

function connectRaw(port: number, own: (r: Release) => void): Promise<RawReader> {
  const sock = net.connect({ host: "127.0.0.1", port })
  own(() => void sock.destroy())
  const reader = new RawReader(sock)
  return once(sock, "connect").then(() => reader)
}

/** Receives [id, data] messages from `id` until `n` bytes came; nothing else may arrive meanwhile. */
async function streamRead(s: StreamSocket, id: Buffer, n: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  while (total < n) {
    const msg = await s.receive()
    assert.equal(msg.length, 2, `${what}: STREAM messages are [id, data], got ${show(msg)}`)
    assertFrames([msg[0]!], [id], `${what}: routing id`)
    assert.ok(msg[1]!.length > 0, `${what}: an empty frame (a disconnect) after ${total} of ${n} bytes`)
    chunks.push(msg[1]!)
    total += msg[1]!.length
  }
  assert.equal(total, n, `${what}: more bytes than sent`)
  return Buffer.concat(chunks)
}

function assertNotification(msg: Buffer[], id: Buffer | null, what: string): Buffer {
  assert.ok(msg.length === 2 && msg[1]!.length === 0, `${what}: expected [id, ""], got ${show(msg)}`)
  if (id !== null) assertFrames([msg[0]!], [id], `${what}: routing id`)
  return msg[0]!
}

async function expectNotification(s: StreamSocket, id: Buffer | null, what: string): Promise<Buffer> {
  return assertNotification(await s.receive(), id, what)
}

const portOf = (endpoint: string | null): number => Number(/:(\d+)$/.exec(endpoint ?? "")?.[1])

/** Bytes that are not periodic in small windows, so a lost or doubled chunk shows. */
function pattern(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >>> 8) * 7 + seed) & 0xff
  return out
}

void describe("STREAM with raw TCP peers", () => {
  for (const impl of ["zmq-ts", "zeromq"] as const) {
    const who = impl === "zmq-ts" ? "zmq-ts Stream" : "zeromq Stream (reference)"

    void test(`${who} bound: a net client connects, exchanges data both ways, disconnects`, { timeout: NODE_TIMEOUT_MS }, () =>
      guarded(async (own) => {
        const stream = openStream(impl, own)
        await stream.bind("tcp://127.0.0.1:*")
        const client = await connectRaw(portOf(stream.lastEndpoint), own)
        const id = assertGeneratedId(await expectNotification(stream, null, "connect notification"), "connect notification")

        const up = pattern(200_000, 1) // more than one read's worth: arrives in chunks
        client.sock.write(up)
        assert.ok((await streamRead(stream, id, up.length, "data from the net client")).equals(up), "data from the net client")

        const down = pattern(150_000, 2)
        await stream.send([id, down.subarray(0, 100)])
        await stream.send([id, down.subarray(100)])
        assert.ok((await client.read(down.length)).equals(down), "data from the Stream")

        client.sock.end()
        await expectNotification(stream, id, "disconnect notification (the next message)")
      }),
    )

    void test(`${who} bound: two net clients get their own ids; sending [id, ""] closes only that one, without a notification`, { timeout: NODE_TIMEOUT_MS }, () =>
      guarded(async (own) => {
        const stream = openStream(impl, own)
        await stream.bind("tcp://127.0.0.1:*")
        const port = portOf(stream.lastEndpoint)
        const c1 = await connectRaw(port, own)
        const id1 = assertGeneratedId(await expectNotification(stream, null, "client 1 connect"), "client 1")
        const c2 = await connectRaw(port, own)
        const id2 = assertGeneratedId(await expectNotification(stream, null, "client 2 connect"), "client 2")
        assert.ok(!id1.equals(id2), "distinct ids")

        c2.sock.write("from 2")
        assert.equal((await streamRead(stream, id2, 6, "client 2 data")).toString(), "from 2")
        c1.sock.write("from 1")
        assert.equal((await streamRead(stream, id1, 6, "client 1 data")).toString(), "from 1")

        await stream.send([id1, b("to 1")])
        await stream.send([id2, b("to 2")])
        assert.equal((await c1.read(4)).toString(), "to 1", "client 1 receives its own data")
        assert.equal((await c2.read(4)).toString(), "to 2", "client 2 receives its own data")

        // The application closes client 1's connection. libzmq then forgets
        // the peer: no disconnect notification follows for it, so the next
        // message is client 2's disconnect.
        const next = stream.receive() // (pending, so that a libzmq Stream acts on the close)
        next.catch(() => undefined) // awaited below, unless an assertion fails first
        await stream.send([id1, EMPTY])
        assert.equal((await c1.end()).length, 0, "client 1: nothing more, then the end of the stream")
        c2.sock.end()
        assertNotification(await next, id2, "after closing client 1 itself, the next message is client 2's disconnect")
      }),
    )

    for (const named of [false, true]) {
      const idText = named ? `routingId "raw-1"` : "a generated id"
      void test(`${who} connects to a net server (${idText}): notifications and data both ways`, { timeout: NODE_TIMEOUT_MS }, () =>
        guarded(async (own) => {
          const server = net.createServer()
          own(() => void server.close())
          server.listen(0, "127.0.0.1")
          await once(server, "listening")
          const accepted = once(server, "connection") as Promise<[net.Socket]>
          const stream = openStream(impl, own)
          stream.connect(`tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`, named ? { routingId: "raw-1" } : {})
          const [conn] = await accepted
          own(() => void conn.destroy())
          const peer = new RawReader(conn)

          const id = await expectNotification(stream, named ? b("raw-1") : null, "connect notification")
          if (!named) assertGeneratedId(id, "connect notification")

          await stream.send([id, b("ping")])
          assert.equal((await peer.read(4)).toString(), "ping")
          conn.write("pong")
          assert.equal((await streamRead(stream, id, 4, "data from the net server")).toString(), "pong")

          server.close() // no reconnection to come
          conn.end()
          await expectNotification(stream, id, "disconnect notification (the next message)")
        }),
      )
    }
  }
})
