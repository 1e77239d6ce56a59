/**
 * PLAIN and CURVE between zmq-ts and libzmq: the `zeromq` npm package
 * (libzmq 4.3.5, in this process) and Debian's python3-zmq (libzmq 4.3.4,
 * in a child process running peers/secure_peer.py).
 *
 * With good credentials the handshake succeeds on both sides and messages
 * flow both ways (DEALER ↔ ROUTER, PUSH → PULL, multipart with an empty and
 * a 100 KiB frame), over tcp and ipc, with zmq-ts as server and as client.
 * Wrong credentials are refused with the events libzmq reports. What libzmq
 * reports was taken from the same scenarios run libzmq-to-libzmq (zeromq
 * server and client) and is what we assert for the zmq-ts side:
 *
 *   ZAP refuses (400; wrong password, unknown user, unknown CURVE key):
 *     server: handshake:error:auth {status: 400}, disconnect
 *     client: handshake:error:auth {status: 400}, disconnect, and no
 *             reconnect (no connect:retry)
 *   CURVE client with the wrong server key (the server's HELLO box fails):
 *     server: handshake:error:protocol ERR_ZMTP_CRYPTOGRAPHIC, disconnect,
 *             and no ZAP request
 *     client: handshake:error:other EPIPE, disconnect, connect:retry
 *
 * After each refusal a client with good credentials still gets in through
 * the same server, and the refused client's queued message never arrives.
 *
 * Each test binds its own ZAP handler at inproc://zeromq.zap.01 in the
 * server's context and closes it when done.
 */
import assert from "node:assert/strict"
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process"
import { once } from "node:events"
import { dirname, join } from "node:path"
import { createInterface } from "node:readline"
import { after, describe, test } from "node:test"
import { fileURLToPath } from "node:url"
import * as zeromq from "zeromq"
import * as zt from "../../src/index.js"
import { z85Decode } from "../../src/util.js"
import { EVENT_TYPES, EventLog, PYTHON } from "../helpers/peers/libzmq-peer.js"
import { curveClients, plainUsers, withoutUserId, ZapHandler, type ZapPolicy } from "../helpers/zap-handler.js"
import { bindEndpoint, bytes, guarded, removeIpcDir, TEST_TIMEOUT_MS, type Resources, type Transport } from "./support.js"
import { scaled } from "../helpers/time.js"

/** Only a guard: a python peer exits well within a second of stdin closing on an idle machine. */
const EXIT_GUARD_MS = scaled(5000)

after(removeIpcDir)

const TIMEOUT = { timeout: TEST_TIMEOUT_MS + 5000 }

// ---- sockets of either library behind one face ---------------------------------------

type Lib = "zmq-ts" | "zeromq"
type SockType = "PUSH" | "PULL" | "DEALER" | "ROUTER"

/** The security options both libraries share (zeromq.js names). */
interface SecOpts {
  plainServer?: boolean
  plainUsername?: string
  plainPassword?: string
  curveServer?: boolean
  curvePublicKey?: string
  curveSecretKey?: string
  curveServerKey?: string
  zapDomain?: string
}

/** What the tests read of an event, from either library. */
interface LoggedEvent {
  type: string
  error?: { code?: string; status?: number }
}

interface Sock {
  readonly lib: Lib
  readonly log: EventLog<LoggedEvent>
  /** Binds and returns the endpoint peers connect to. */
  bind(address: string): Promise<string>
  connect(address: string): void
  send(frames: Buffer[]): Promise<void>
  receive(): Promise<Buffer[]>
  close(): void
}

/**
 * Where a test's sockets and ZAP handler live. zeromq gets a fresh context per
 * test: libzmq releases an inproc endpoint some time after the socket is
 * closed, so the next test could not bind inproc://zeromq.zap.01 again in the
 * same context. zmq-ts releases it in close(), so one context serves the file.
 */
interface Contexts {
  zt: zt.Context
  zeromq: zeromq.Context
}

const ZT_CONTEXT = new zt.Context()

/**
 * Every zeromq context made, kept referenced until the process exits: when
 * one is garbage-collected after its sockets (with observers) were closed,
 * zeromq 6.8.0 sometimes leaves a libuv poll handle active and the process
 * never exits.
 */
const ZEROMQ_CONTEXTS: zeromq.Context[] = []

function newContexts(): Contexts {
  const z = new zeromq.Context()
  ZEROMQ_CONTEXTS.push(z)
  return { zt: ZT_CONTEXT, zeromq: z }
}

interface RawSock {
  bind(address: string): Promise<void>
  connect(address: string): void
  close(): void
  readonly lastEndpoint: string | null
  send?: (frames: Buffer[]) => Promise<void>
  receive?: () => Promise<Buffer[]>
}

function wrap(lib: Lib, s: RawSock, log: EventLog<LoggedEvent>): Sock {
  return {
    lib,
    log,
    bind: async (address) => {
      await s.bind(address)
      assert.ok(s.lastEndpoint !== null)
      return s.lastEndpoint
    },
    connect: (address) => s.connect(address),
    send: (frames) => {
      if (s.send === undefined) throw new Error("this socket type cannot send")
      return s.send(frames)
    },
    receive: () => {
      if (s.receive === undefined) throw new Error("this socket type cannot receive")
      return s.receive()
    },
    close: () => s.close(),
  }
}

/** Opens a socket (linger 0) of `lib` in the test's context, with its events logged; released with `r`. */
function open(r: Resources, c: Contexts, lib: Lib, type: SockType, opts: SecOpts): Sock {
  const log = new EventLog<LoggedEvent>()
  if (lib === "zmq-ts") {
    const o = { linger: 0, context: c.zt, ...opts }
    const s = type === "PUSH" ? new zt.Push(o) : type === "PULL" ? new zt.Pull(o) : type === "DEALER" ? new zt.Dealer(o) : new zt.Router(o)
    for (const t of EVENT_TYPES) s.events.on(t, (e) => log.push(e))
    return r.add(wrap(lib, s, log), (w) => w.close())
  }
  const o = { linger: 0, context: c.zeromq, ...opts }
  const s = type === "PUSH" ? new zeromq.Push(o) : type === "PULL" ? new zeromq.Pull(o) : type === "DEALER" ? new zeromq.Dealer(o) : new zeromq.Router(o)
  for (const t of EVENT_TYPES) s.events.on(t, (e) => log.push(e))
  return r.add(wrap(lib, s, log), (w) => w.close())
}

/**
 * Binds a ZAP handler in `lib`'s context of the test; released with `r` (after
 * the sockets opened later). A libzmq server gets no User-Id: with one,
 * zeromq.js's receive() can reject EAGAIN while the first message is still
 * arriving (a libzmq quirk, see withoutUserId; it failed "client PUSH → server
 * PULL over tcp" at random).
 */
async function startZap(r: Resources, c: Contexts, lib: Lib, policy: ZapPolicy): Promise<ZapHandler> {
  const sock = lib === "zmq-ts" ? new zt.Reply({ linger: 0, context: c.zt }) : new zeromq.Reply({ linger: 0, context: c.zeromq })
  return r.add(await ZapHandler.start(sock, lib === "zmq-ts" ? policy : withoutUserId(policy)), (h) => h.close())
}

/** The first event of `type` in `log`, past or future. `type` is a plain string: with a literal, EventLog.first() would narrow these string-typed logs to never. */
function firstEvent<E extends { type: string }>(log: EventLog<E>, type: string): Promise<E> {
  return log.first(type)
}

const other = (lib: Lib): Lib => (lib === "zmq-ts" ? "zeromq" : "zmq-ts")

// ---- mechanisms and credentials ------------------------------------------------------

const serverKeys = zt.curveKeyPair()
const clientKeys = zt.curveKeyPair()
/** A client key pair the ZAP handler does not know. */
const strangerKeys = zt.curveKeyPair()
/** The public key of some other server: a client using it has the wrong server key. */
const wrongServerKeys = zt.curveKeyPair()

interface Mech {
  name: "PLAIN" | "CURVE"
  server: SecOpts
  /** A client the handler lets in. */
  client: SecOpts
  /** Lets `client` in, refuses anyone else with 400. */
  policy: ZapPolicy
  /** `client`'s credentials as the handler receives them. */
  credentials: Buffer[]
}

const PLAIN: Mech = {
  name: "PLAIN",
  server: { plainServer: true },
  client: { plainUsername: "admin", plainPassword: "secret" },
  policy: plainUsers({ admin: "secret" }),
  credentials: [Buffer.from("admin"), Buffer.from("secret")],
}

const CURVE: Mech = {
  name: "CURVE",
  server: { curveServer: true, curveSecretKey: serverKeys.secretKey },
  client: { curveServerKey: serverKeys.publicKey, curvePublicKey: clientKeys.publicKey, curveSecretKey: clientKeys.secretKey },
  policy: curveClients([clientKeys.publicKey]),
  credentials: [Buffer.from(z85Decode(clientKeys.publicKey))],
}

const MECHS: readonly Mech[] = [PLAIN, CURVE]

// ---- payloads and assertions -----------------------------------------------------------

/** Multipart with an empty frame and a 100 KiB one. */
const REQUEST: readonly Buffer[] = [Buffer.from("request"), Buffer.alloc(0), bytes(100 * 1024, 1), Buffer.from("end")]
const REPLY: readonly Buffer[] = [Buffer.from("reply"), bytes(100 * 1024, 2), Buffer.alloc(0)]

function assertFrames(actual: readonly Buffer[], expected: readonly Buffer[], what: string): void {
  const show = (m: readonly Buffer[]): string => `[${m.map((f) => (f.length > 16 ? `<${f.length} bytes>` : JSON.stringify(f.toString()))).join(", ")}]`
  assert.ok(actual.length === expected.length && actual.every((f, i) => f.equals(expected[i]!)), `${what}: got ${show(actual)}, expected ${show(expected)}`)
}

const HANDSHAKE_ERRORS = ["handshake:error:protocol", "handshake:error:auth", "handshake:error:other"]

/** Both sides report a handshake and no handshake error. */
async function assertCleanHandshake(...socks: Sock[]): Promise<void> {
  for (const s of socks) {
    await s.log.first("handshake")
    const errors = s.log.types.filter((t) => HANDSHAKE_ERRORS.includes(t))
    assert.deepEqual(errors, [], `${s.lib}: no handshake error expected, events: ${s.log.types.join(", ")}`)
  }
}

function assertZapRequest(req: { version: string; requestId: string; address: string; mechanism: string; credentials: Buffer[] }, mech: Mech, credentials: Buffer[], transport: Transport): void {
  assert.equal(req.version, "1.0")
  assert.equal(req.requestId, "1")
  if (transport === "tcp") assert.equal(req.address, "127.0.0.1")
  assert.equal(req.mechanism, mech.name)
  assert.equal(req.credentials.length, credentials.length, "number of credential frames")
  req.credentials.forEach((c, i) => assert.ok(c.equals(credentials[i]!), `credential frame ${i}`))
}

// ---- zeromq: good credentials -----------------------------------------------------------

for (const mech of MECHS) {
  for (const serverLib of ["zmq-ts", "zeromq"] as const) {
    const clientLib = other(serverLib)
    void describe(`${mech.name}: ${serverLib} server, ${clientLib} client`, () => {
      /** The server's PULL bound on tcp (with its ZAP handler), the client's PUSH connected to it. */
      const clientPushToServerPull = async (r: Resources): Promise<{ pull: Sock; push: Sock }> => {
        const c = newContexts()
        await startZap(r, c, serverLib, mech.policy)
        const pull = open(r, c, serverLib, "PULL", mech.server)
        const endpoint = await pull.bind(bindEndpoint("tcp"))
        const push = open(r, c, clientLib, "PUSH", mech.client)
        push.connect(endpoint)
        return { pull, push }
      }

      void test("DEALER ↔ ROUTER over tcp: handshake on both sides, multipart both ways", TIMEOUT, () =>
        guarded(async (r) => {
          const c = newContexts()
          const zap = await startZap(r, c, serverLib, mech.policy)
          const router = open(r, c, serverLib, "ROUTER", mech.server)
          const endpoint = await router.bind(bindEndpoint("tcp"))
          const dealer = open(r, c, clientLib, "DEALER", mech.client)
          dealer.connect(endpoint)

          await dealer.send([...REQUEST])
          const [id, ...got] = await router.receive()
          assertFrames(got, REQUEST, `${serverLib} ROUTER received`)
          await router.send([id!, ...REPLY])
          assertFrames(await dealer.receive(), REPLY, `${clientLib} DEALER received`)

          await assertCleanHandshake(router, dealer)
          assert.equal(zap.requests.length, 1)
          assertZapRequest(zap.requests[0]!, mech, mech.credentials, "tcp")
        }),
      )

      void test("client PUSH → server PULL over tcp", TIMEOUT, () =>
        guarded(async (r) => {
          const { pull, push } = await clientPushToServerPull(r)
          await push.send([...REQUEST])
          await push.send([Buffer.from("second")])
          assertFrames(await pull.receive(), REQUEST, "first message")
          assertFrames(await pull.receive(), [Buffer.from("second")], "second message")
          await assertCleanHandshake(pull, push)
        }),
      )

      if (mech.name === "CURVE") {
        // zmq-ts seals into memory it reuses once a write has finished
        // (src/mechanism/curve-ring.ts): a long stream with writes in flight,
        // sizes below and above the ring's limits, each message distinct.
        void test("client PUSH → server PULL over tcp: 400 messages of 0 B to 300 KiB, every byte checked", TIMEOUT, () =>
          guarded(async (r) => {
            const { pull, push } = await clientPushToServerPull(r)
            const sizes = [150_000, 0, 100, 5000, 9000, 40_000, 70_000, 300_000]
            const msgs = Array.from({ length: 400 }, (_, i) =>
              i % 5 === 4 ? [bytes(9000, i), bytes(100, i + 1), bytes(70_000, i + 2)] : [bytes(sizes[i % sizes.length]!, i)],
            )
            const sending = (async () => {
              for (const m of msgs) await push.send(m)
            })()
            const receiving = (async () => {
              for (let i = 0; i < msgs.length; i++) assertFrames(await pull.receive(), msgs[i]!, `message ${i}`)
            })()
            await Promise.all([sending, receiving])
          }),
        )
      }

      void test("server PUSH → client PULL over ipc", TIMEOUT, () =>
        guarded(async (r) => {
          const c = newContexts()
          const zap = await startZap(r, c, serverLib, mech.policy)
          const push = open(r, c, serverLib, "PUSH", mech.server)
          const endpoint = await push.bind(bindEndpoint("ipc"))
          const pull = open(r, c, clientLib, "PULL", mech.client)
          pull.connect(endpoint)
          await push.send([...REPLY])
          assertFrames(await pull.receive(), REPLY, `${clientLib} PULL received`)
          await assertCleanHandshake(push, pull)
          assertZapRequest(await zap.request(0), mech, mech.credentials, "ipc")
        }),
      )
    })
  }
}

// ---- zeromq: refused ------------------------------------------------------------------------

interface Refusal {
  name: string
  mech: Mech
  /** The refused client's options. */
  client: SecOpts
  /** The credentials the handler sees from it; null if the handshake fails before ZAP. */
  credentials: Buffer[] | null
  server: { type: "handshake:error:auth"; status: number } | { type: "handshake:error:protocol"; code: string }
  client_: { type: "handshake:error:auth"; status: number } | { type: "handshake:error:other"; code: string }
  /** Whether the refused client reconnects (it does unless authentication refused it). */
  retries: boolean
}

const REFUSALS: readonly Refusal[] = [
  {
    name: "PLAIN, wrong password",
    mech: PLAIN,
    client: { plainUsername: "admin", plainPassword: "wrong" },
    credentials: [Buffer.from("admin"), Buffer.from("wrong")],
    server: { type: "handshake:error:auth", status: 400 },
    client_: { type: "handshake:error:auth", status: 400 },
    retries: false,
  },
  {
    name: "PLAIN, unknown username",
    mech: PLAIN,
    client: { plainUsername: "mallory", plainPassword: "secret" },
    credentials: [Buffer.from("mallory"), Buffer.from("secret")],
    server: { type: "handshake:error:auth", status: 400 },
    client_: { type: "handshake:error:auth", status: 400 },
    retries: false,
  },
  {
    name: "CURVE, wrong server key",
    mech: CURVE,
    client: { curveServerKey: wrongServerKeys.publicKey, curvePublicKey: clientKeys.publicKey, curveSecretKey: clientKeys.secretKey },
    credentials: null,
    server: { type: "handshake:error:protocol", code: "ERR_ZMTP_CRYPTOGRAPHIC" },
    client_: { type: "handshake:error:other", code: "EPIPE" },
    retries: true,
  },
  {
    name: "CURVE, unknown client key",
    mech: CURVE,
    client: { curveServerKey: serverKeys.publicKey, curvePublicKey: strangerKeys.publicKey, curveSecretKey: strangerKeys.secretKey },
    credentials: [Buffer.from(z85Decode(strangerKeys.publicKey))],
    server: { type: "handshake:error:auth", status: 400 },
    client_: { type: "handshake:error:auth", status: 400 },
    retries: false,
  },
]

async function assertEvent(log: EventLog<LoggedEvent>, expected: Refusal["server"] | Refusal["client_"], who: string): Promise<void> {
  const e = await firstEvent(log, expected.type)
  const context = `${who} ${expected.type}, events: ${log.types.join(", ")}`
  if ("status" in expected) assert.equal(e.error?.status, expected.status, context)
  else assert.equal(e.error?.code, expected.code, context)
}

for (const refusal of REFUSALS) {
  for (const serverLib of ["zmq-ts", "zeromq"] as const) {
    const clientLib = other(serverLib)
    void test(`${refusal.name}: ${serverLib} server refuses a ${clientLib} client, then lets a good one in`, TIMEOUT, () =>
      guarded(async (r) => {
        const c = newContexts()
        const zap = await startZap(r, c, serverLib, refusal.mech.policy)
        const pull = open(r, c, serverLib, "PULL", refusal.mech.server)
        const endpoint = await pull.bind(bindEndpoint("tcp"))

        const bad = open(r, c, clientLib, "PUSH", refusal.client)
        bad.connect(endpoint)
        await bad.send([Buffer.from("must not arrive")])
        await assertEvent(pull.log, refusal.server, `${serverLib} server`)
        await assertEvent(bad.log, refusal.client_, `${clientLib} client`)
        await bad.log.first("disconnect")
        await pull.log.first("disconnect")

        const good = open(r, c, clientLib, "PUSH", refusal.mech.client)
        good.connect(endpoint)
        await good.send([Buffer.from("good")])
        assertFrames(await pull.receive(), [Buffer.from("good")], "the first message the server receives")
        await assertCleanHandshake(good)

        assert.ok(!bad.log.types.includes("handshake"), `refused client events: ${bad.log.types.join(", ")}`)
        if (refusal.retries) await bad.log.first("connect:retry")
        else assert.ok(!bad.log.types.includes("connect:retry"), `no reconnect after an auth failure, events: ${bad.log.types.join(", ")}`)

        const fromBad = zap.requests.filter((q) => !q.credentials.every((f, i) => f.equals(refusal.mech.credentials[i]!)))
        if (refusal.credentials === null) {
          assert.equal(fromBad.length, 0, "the handshake failed before ZAP")
        } else {
          assert.equal(fromBad.length, 1, "one ZAP request from the refused client")
          assertZapRequest(fromBad[0]!, refusal.mech, refusal.credentials, "tcp")
        }
      }),
    )
  }
}

// ---- pyzmq (python3-zmq, libzmq 4.3.4) -----------------------------------------------------

const SECURE_PEER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "..", "helpers", "peers", "secure_peer.py")

/** A monitor event of the python peer: EVENT_* name without the prefix, and its value. */
interface PyEvent {
  type: string
  value: number
}

interface PyZap {
  mechanism: string
  credentials: string[]
  status: string
}

/** secure_peer.py in a child process; see its docstring for the protocol. */
class PySecurePeer {
  readonly log = new EventLog<PyEvent>()
  readonly zap: PyZap[] = []
  endpoint = ""
  private readonly child: ChildProcessWithoutNullStreams
  private readonly exited: Promise<void>
  private exitInfo: string | null = null
  private stderr = ""
  private readonly inbox: Buffer[][] = []
  private waiter: { resolve: (m: Buffer[]) => void; reject: (e: Error) => void } | null = null
  private endpointWaiter: { resolve: (ep: string) => void; reject: (e: Error) => void } | null = null
  private closing: Promise<void> | null = null

  private constructor(args: string[]) {
    this.child = spawn(PYTHON, [SECURE_PEER_SCRIPT, ...args], { stdio: ["pipe", "pipe", "pipe"] })
    this.child.stdin.on("error", () => undefined) // EPIPE if it died; reported via exit
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
    void this.exited.then(() => {
      const err = this.failure()
      this.endpointWaiter?.reject(err)
      this.waiter?.reject(err)
      this.endpointWaiter = this.waiter = null
    })
  }

  /** Starts a peer; released with `r`. */
  static async start(r: Resources, type: SockType, mode: "bind" | "connect", endpoint: string, options: string[]): Promise<PySecurePeer> {
    const peer = r.add(new PySecurePeer([type, mode, endpoint, ...options]), (p) => p.close())
    peer.endpoint = await new Promise<string>((resolve, reject) => {
      peer.endpointWaiter = { resolve, reject }
    })
    return peer
  }

  private onLine(line: string): void {
    let msg: { endpoint?: string; recv?: string[]; event?: string; value?: number; zap?: PyZap }
    try {
      msg = JSON.parse(line) as typeof msg
    } catch {
      this.stderr += `unparsable stdout line: ${line.slice(0, 200)}\n`
      this.child.kill("SIGKILL")
      return
    }
    if (msg.endpoint !== undefined) {
      this.endpointWaiter?.resolve(msg.endpoint)
      this.endpointWaiter = null
    } else if (msg.recv !== undefined) {
      const frames = msg.recv.map((hex) => Buffer.from(hex, "hex"))
      const w = this.waiter
      this.waiter = null
      if (w !== null) w.resolve(frames)
      else this.inbox.push(frames)
    } else if (msg.event !== undefined) {
      this.log.push({ type: msg.event, value: msg.value ?? 0 })
    } else if (msg.zap !== undefined) {
      this.zap.push(msg.zap)
    }
  }

  private failure(): Error {
    return new Error(`python peer ended (${this.exitInfo ?? "closed"})${this.stderr ? `; stderr:\n${this.stderr}` : ""}`)
  }

  send(frames: Buffer[]): Promise<void> {
    if (this.exitInfo !== null || this.closing !== null) return Promise.reject(this.failure())
    if (this.child.stdin.write(JSON.stringify({ send: frames.map((f) => f.toString("hex")) }) + "\n")) return Promise.resolve()
    return once(this.child.stdin, "drain").then(() => undefined)
  }

  receive(): Promise<Buffer[]> {
    const next = this.inbox.shift()
    if (next !== undefined) return Promise.resolve(next)
    if (this.exitInfo !== null) return Promise.reject(this.failure())
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
  }

  /** Closes stdin and waits for a clean exit (killed after EXIT_GUARD_MS, which fails the test). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.child.stdin.end()
      let timer: NodeJS.Timeout | undefined
      const killed = await Promise.race([
        this.exited.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), EXIT_GUARD_MS)
        }),
      ])
      clearTimeout(timer)
      if (killed) {
        this.child.kill("SIGKILL")
        await this.exited
        throw new Error(`python peer did not exit within ${EXIT_GUARD_MS} ms of stdin closing`)
      }
      if (this.child.exitCode !== 0) throw this.failure()
    })()
    return this.closing
  }
}

/** ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC, as libzmq's monitor reports it. */
const PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC = 0x11000001

const pyPlainClient = (user: string, password: string): string[] => ["--plain-client", user, password]
const pyCurveClient = (server: string, keys: { publicKey: string; secretKey: string }): string[] => ["--curve-client", server, keys.publicKey, keys.secretKey]

/** A zmq-ts ROUTER server with a ZAP handler answers a pyzmq DEALER client. */
async function routerServesPyDealer(r: Resources, mech: typeof PLAIN, pyArgs: string[]): Promise<void> {
  const c = newContexts()
  const zap = await startZap(r, c, "zmq-ts", mech.policy)
  const router = open(r, c, "zmq-ts", "ROUTER", mech.server)
  const endpoint = await router.bind(bindEndpoint("tcp"))
  const py = await PySecurePeer.start(r, "DEALER", "connect", endpoint, pyArgs)
  await py.send([...REQUEST])
  const [id, ...got] = await router.receive()
  assertFrames(got, REQUEST, "zmq-ts ROUTER received")
  await router.send([id!, ...REPLY])
  assertFrames(await py.receive(), REPLY, "pyzmq DEALER received")
  await assertCleanHandshake(router)
  await py.log.first("HANDSHAKE_SUCCEEDED")
  assertZapRequest(await zap.request(0), mech, mech.credentials, "tcp")
}

void describe("pyzmq peer", () => {
  void test("PLAIN: zmq-ts ROUTER server ↔ pyzmq DEALER client, both ways", TIMEOUT, () =>
    guarded((r) => routerServesPyDealer(r, PLAIN, pyPlainClient("admin", "secret"))),
  )

  void test("PLAIN: pyzmq PULL server (own ZAP handler) ← zmq-ts PUSH client", TIMEOUT, () =>
    guarded(async (r) => {
      const py = await PySecurePeer.start(r, "PULL", "bind", bindEndpoint("tcp"), ["--plain-server", "--zap-plain", "admin:secret"])
      const push = open(r, newContexts(), "zmq-ts", "PUSH", PLAIN.client)
      push.connect(py.endpoint)
      await push.send([...REQUEST])
      assertFrames(await py.receive(), REQUEST, "pyzmq PULL received")
      await assertCleanHandshake(push)
      await py.log.first("HANDSHAKE_SUCCEEDED")
      assert.deepEqual(py.zap, [{ mechanism: "PLAIN", credentials: PLAIN.credentials.map((f) => f.toString("hex")), status: "200" }])
    }),
  )

  void test("PLAIN: pyzmq server refuses a zmq-ts client with the wrong password (auth 400 on both sides)", TIMEOUT, () =>
    guarded(async (r) => {
      const py = await PySecurePeer.start(r, "PULL", "bind", bindEndpoint("tcp"), ["--plain-server", "--zap-plain", "admin:secret"])
      const c = newContexts()
      const bad = open(r, c, "zmq-ts", "PUSH", { plainUsername: "admin", plainPassword: "wrong" })
      bad.connect(py.endpoint)
      await bad.send([Buffer.from("must not arrive")])
      assert.equal((await firstEvent(py.log, "HANDSHAKE_FAILED_AUTH")).value, 400)
      await assertEvent(bad.log, { type: "handshake:error:auth", status: 400 }, "zmq-ts client")
      await bad.log.first("disconnect")

      const good = open(r, c, "zmq-ts", "PUSH", PLAIN.client)
      good.connect(py.endpoint)
      await good.send([Buffer.from("good")])
      assertFrames(await py.receive(), [Buffer.from("good")], "the first message pyzmq receives")
      assert.ok(!bad.log.types.includes("connect:retry"), `no reconnect after an auth failure, events: ${bad.log.types.join(", ")}`)
      assert.deepEqual(
        py.zap.map((z) => z.status),
        ["400", "200"],
      )
    }),
  )

  void test("CURVE: zmq-ts ROUTER server ↔ pyzmq DEALER client, both ways", TIMEOUT, () =>
    guarded((r) => routerServesPyDealer(r, CURVE, pyCurveClient(serverKeys.publicKey, clientKeys))),
  )

  void test("CURVE: pyzmq ROUTER server without ZAP handler accepts a zmq-ts DEALER client, both ways", TIMEOUT, () =>
    guarded(async (r) => {
      const py = await PySecurePeer.start(r, "ROUTER", "bind", bindEndpoint("tcp"), ["--curve-server", serverKeys.secretKey])
      const dealer = open(r, newContexts(), "zmq-ts", "DEALER", CURVE.client)
      dealer.connect(py.endpoint)
      await dealer.send([...REQUEST])
      const [id, ...got] = await py.receive()
      assertFrames(got, REQUEST, "pyzmq ROUTER received")
      await py.send([id!, ...REPLY])
      assertFrames(await dealer.receive(), REPLY, "zmq-ts DEALER received")
      await assertCleanHandshake(dealer)
      await py.log.first("HANDSHAKE_SUCCEEDED")
    }),
  )

  void test("CURVE: zmq-ts client with the wrong server key is refused by a pyzmq server", TIMEOUT, () =>
    guarded(async (r) => {
      const py = await PySecurePeer.start(r, "PULL", "bind", bindEndpoint("tcp"), ["--curve-server", serverKeys.secretKey])
      const c = newContexts()
      const bad = open(r, c, "zmq-ts", "PUSH", { ...CURVE.client, curveServerKey: wrongServerKeys.publicKey })
      bad.connect(py.endpoint)
      await bad.send([Buffer.from("must not arrive")])
      assert.equal((await firstEvent(py.log, "HANDSHAKE_FAILED_PROTOCOL")).value, PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
      await assertEvent(bad.log, { type: "handshake:error:other", code: "EPIPE" }, "zmq-ts client")
      await bad.log.first("connect:retry")
      bad.close()

      const good = open(r, c, "zmq-ts", "PUSH", CURVE.client)
      good.connect(py.endpoint)
      await good.send([Buffer.from("good")])
      assertFrames(await py.receive(), [Buffer.from("good")], "the first message pyzmq receives")
      assert.ok(!bad.log.types.includes("handshake"))
    }),
  )

  void test("CURVE: zmq-ts server refuses a pyzmq client with an unknown key (auth 400 on both sides)", TIMEOUT, () =>
    guarded(async (r) => {
      const c = newContexts()
      const zap = await startZap(r, c, "zmq-ts", CURVE.policy)
      const pull = open(r, c, "zmq-ts", "PULL", CURVE.server)
      const endpoint = await pull.bind(bindEndpoint("tcp"))
      const bad = await PySecurePeer.start(r, "PUSH", "connect", endpoint, pyCurveClient(serverKeys.publicKey, strangerKeys))
      await bad.send([Buffer.from("must not arrive")])
      await assertEvent(pull.log, { type: "handshake:error:auth", status: 400 }, "zmq-ts server")
      assert.equal((await firstEvent(bad.log, "HANDSHAKE_FAILED_AUTH")).value, 400)

      const good = await PySecurePeer.start(r, "PUSH", "connect", endpoint, pyCurveClient(serverKeys.publicKey, clientKeys))
      await good.send([Buffer.from("good")])
      assertFrames(await pull.receive(), [Buffer.from("good")], "the first message zmq-ts receives")
      await good.log.first("HANDSHAKE_SUCCEEDED")
      assert.ok(!bad.log.types.includes("CONNECT_RETRIED"), `no reconnect after an auth failure, events: ${bad.log.types.join(", ")}`)
      assert.deepEqual(
        zap.requests.map((q) => q.credentials[0]!.toString("hex")),
        [strangerKeys, clientKeys].map((k) => Buffer.from(z85Decode(k.publicKey)).toString("hex")),
      )
    }),
  )

  void test("PLAIN over ipc: zmq-ts PUSH server → pyzmq PULL client", TIMEOUT, () =>
    guarded(async (r) => {
      const c = newContexts()
      await startZap(r, c, "zmq-ts", PLAIN.policy)
      const push = open(r, c, "zmq-ts", "PUSH", PLAIN.server)
      const endpoint = await push.bind(bindEndpoint("ipc"))
      const py = await PySecurePeer.start(r, "PULL", "connect", endpoint, pyPlainClient("admin", "secret"))
      await push.send([...REPLY])
      assertFrames(await py.receive(), REPLY, "pyzmq PULL received")
      await py.log.first("HANDSHAKE_SUCCEEDED")
    }),
  )
})
