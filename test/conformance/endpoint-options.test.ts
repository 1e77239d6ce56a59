/**
 * Options that act on a bind's or a connect's kernel sockets: the tcp accept
 * filter, and the snapshot each bind/connect takes of the options (libzmq
 * copies them; zeromq.js warns that later values wait for the next
 * bind/connect). 127.0.0.1 and 127.0.0.2 are both loopback on Linux: a
 * connect from either is told apart by the filter.
 */
import { describe } from "node:test"
import { conform, type CaseContext, type Zmq } from "./harness.js"
import { make, type AnySocket } from "./classes.js"

type EventSource = { events: { on(type: string, fn: (e: { error?: { code?: string } }) => void): void } }

/** The first of `types` the socket reports, with its error code if it has one. */
function firstEvent(s: AnySocket, types: readonly string[]): Promise<{ type: string; code?: string }> {
  return new Promise((resolve) => {
    for (const type of types) {
      ;(s as unknown as EventSource).events.on(type, (e) => resolve(e.error?.code === undefined ? { type } : { type, code: e.error.code }))
    }
  })
}

/**
 * A ROUTER bound on 127.0.0.1 with `filters` set before the bind (and
 * `after` set after it), and what a DEALER connecting from `from` gets to it:
 * the ROUTER's first accept event, and the message once accepted.
 */
async function filtered(zmq: Zmq, t: CaseContext, from: string, filters: readonly (string | null)[], after: readonly string[] = []): Promise<unknown> {
  const router = t.track(make(zmq, "Router", { linger: 0 }))
  for (const f of filters) router.tcpAcceptFilter = f
  await router.bind("tcp://127.0.0.1:*")
  for (const f of after) router.tcpAcceptFilter = f
  const port = (router.lastEndpoint as string).split(":").pop()!
  const accepted = firstEvent(router, ["accept", "accept:error"])
  const dealer = t.track(make(zmq, "Dealer", { linger: 0 }))
  dealer.connect(`tcp://${from}:0;127.0.0.1:${port}`)
  const event = await accepted
  if (event.type !== "accept") return { event }
  await (dealer as unknown as { send(m: string): Promise<void> }).send("in")
  const [, body] = await (router as unknown as { receive(): Promise<Buffer[]> }).receive()
  return { event, body: body!.toString() }
}

const REFUSED = { event: { type: "accept:error", code: "EAGAIN" } }
const ACCEPTED = { event: { type: "accept" }, body: "in" }

void describe("conformance: tcpAcceptFilter", () => {
  conform("Router: a connection from an address no filter matches is closed on accept (accept:error)", (zmq, t) => filtered(zmq, t, "127.0.0.1", ["127.0.0.2"]), { expect: REFUSED })
  conform("Router: a connection from the filter's address is accepted", (zmq, t) => filtered(zmq, t, "127.0.0.2", ["127.0.0.2"]), { expect: ACCEPTED })
  conform("Router: each value set adds a filter; matching any one of them is enough", (zmq, t) => filtered(zmq, t, "127.0.0.1", ["127.0.0.2", "127.0.0.0/8"]), { expect: ACCEPTED })
  conform("Router: a /mask filter refuses addresses outside the network", (zmq, t) => filtered(zmq, t, "127.0.0.1", ["127.0.0.2/32", "127.0.1.0/24"]), { expect: REFUSED })
  conform("Router: null clears the filters", (zmq, t) => filtered(zmq, t, "127.0.0.1", ["127.0.0.2", null]), { expect: ACCEPTED })
  conform("Router: filters set after a bind do not apply to it", async (zmq, t) => ({
    result: await filtered(zmq, t, "127.0.0.1", [], ["127.0.0.2"]),
    warnings: t.warnings().map((w) => w.message),
  }), { expect: { result: ACCEPTED, warnings: ["Socket option will not take effect until next connect/bind."] } })
})

void describe("conformance: options are taken at bind/connect", () => {
  conform("Pull: maxMessageSize set after bind does not limit that bind's connections", async (zmq, t) => {
    const pull = t.track(make(zmq, "Pull", { linger: 0 }))
    await pull.bind("tcp://127.0.0.1:*")
    pull.maxMessageSize = 8
    const push = t.track(make(zmq, "Push", { linger: 0 }))
    push.connect(pull.lastEndpoint as string)
    await (push as unknown as { send(m: Buffer): Promise<void> }).send(Buffer.alloc(100))
    const [body] = await (pull as unknown as { receive(): Promise<Buffer[]> }).receive()
    return body!.length
  }, { expect: 100 })

  conform("Dealer: routingId set after connect is not the one its (re)connection announces", async (zmq, t) => {
    const endpoint = t.endpoint("ipc")
    const dealer = t.track(make(zmq, "Dealer", { linger: 0, reconnectInterval: 10 }))
    // Nothing listens yet: the handshake happens after the assignment below.
    dealer.connect(endpoint)
    dealer.routingId = "late"
    const router = t.track(make(zmq, "Router", { linger: 0 }))
    await router.bind(endpoint)
    await (dealer as unknown as { send(m: string): Promise<void> }).send("x")
    const [id] = await (router as unknown as { receive(): Promise<Buffer[]> }).receive()
    return { late: id!.toString() === "late", generated: id!.length === 5 && id![0] === 0 }
  }, { expect: { late: false, generated: true } })
})

void describe("conformance: options Node cannot apply fail loudly (deliberate differences)", () => {
  const notSupported = (address: string): unknown => ({
    isError: true, isTypeError: false, isRangeError: false, code: "ENOTSUP", errno: 95, address,
    message: "interface (ZMQ_BINDTODEVICE) is not supported: Node cannot bind a socket to a network device, and traffic must not leave by another one (set interface to null)",
  })

  conform("Dealer: connect over tcp with interface set throws", (zmq, t) => {
    const s = t.track(make(zmq, "Dealer", { linger: 0, interface: "lo" }))
    return t.attempt(() => s.connect("tcp://127.0.0.1:9"))
  }, {
    differs: "libzmq binds the socket to the device (SO_BINDTODEVICE); Node cannot, and ignoring it could route messages elsewhere",
    expect: { sync: "throw", error: notSupported("tcp://127.0.0.1:9") },
  })

  conform("Pull: bind over tcp with interface set rejects; ipc and inproc are not concerned", async (zmq, t) => {
    const s = t.track(make(zmq, "Pull", { linger: 0, interface: "lo" }))
    return {
      tcp: await t.attempt(() => s.bind("tcp://127.0.0.1:*")),
      ipc: await t.attempt(() => s.bind(t.endpoint("ipc"))),
      inproc: await t.attempt(() => s.bind(t.endpoint("inproc"))),
    }
  }, {
    differs: "libzmq binds the socket to the device (SO_BINDTODEVICE); Node cannot, and ignoring it could route messages elsewhere",
    expect: { tcp: { sync: "return", async: "reject", error: notSupported("tcp://127.0.0.1:*") }, ipc: { sync: "return", async: "resolve" }, inproc: { sync: "return", async: "resolve" } },
  })

  conform("Dealer: connect with a socksProxy that is no host:port throws", (zmq, t) => {
    const s = t.track(make(zmq, "Dealer", { linger: 0, socksProxy: "proxy" }))
    return t.attempt(() => s.connect("tcp://127.0.0.1:9"))
  }, {
    differs: "libzmq accepts the connect and retries a proxy it cannot resolve forever",
    expect: { sync: "throw", error: { isError: true, isTypeError: false, isRangeError: false, code: "EINVAL", errno: 22, address: "tcp://127.0.0.1:9", message: 'socksProxy must be "host:port"' } },
  })

  conform("Dealer: sendBufferSize, receiveBufferSize and typeOfService warn once at the first tcp endpoint", async (zmq, t) => {
    const s = t.track(make(zmq, "Dealer", { linger: 0, sendBufferSize: 65536, receiveBufferSize: 65536, typeOfService: 8 }))
    await s.bind(t.endpoint("inproc"))
    await s.bind("tcp://127.0.0.1:*")
    await s.bind("tcp://127.0.0.1:*")
    await new Promise((r) => setImmediate(r))
    return t.warnings()
  }, {
    differs: "libzmq sets SO_SNDBUF, SO_RCVBUF and IP_TOS; Node's net cannot, so zmq-ts says so instead of ignoring them silently",
    expect: [
      { name: "Warning", message: "zmq-ts: sendBufferSize (ZMQ_SNDBUF) is not applied: Node exposes no setsockopt for tcp and ipc sockets; the kernel's default is used" },
      { name: "Warning", message: "zmq-ts: receiveBufferSize (ZMQ_RCVBUF) is not applied: Node exposes no setsockopt for tcp and ipc sockets; the kernel's default is used" },
      { name: "Warning", message: "zmq-ts: typeOfService (ZMQ_TOS) is not applied: Node exposes no way to set IP_TOS on its sockets; packets carry the default type of service" },
    ],
  })

  conform("Dealer: the keepalive count and interval (with tcpKeepalive 1) and tcpMaxRetransmitTimeout warn once at the first tcp endpoint", async (zmq, t) => {
    const quiet = t.track(make(zmq, "Dealer", { linger: 0, tcpKeepaliveCount: 3, tcpKeepaliveInterval: 5 }))
    await quiet.bind("tcp://127.0.0.1:*")
    const s = t.track(make(zmq, "Dealer", { linger: 0, tcpKeepalive: 1, tcpKeepaliveCount: 3, tcpKeepaliveInterval: 5, tcpMaxRetransmitTimeout: 1000 }))
    await s.bind("tcp://127.0.0.1:*")
    await s.bind("tcp://127.0.0.1:*")
    await new Promise((r) => setImmediate(r))
    return t.warnings()
  }, {
    differs: "libzmq sets TCP_KEEPCNT, TCP_KEEPINTVL and TCP_USER_TIMEOUT; Node cannot, so zmq-ts says so instead of ignoring them silently",
    expect: [
      { name: "Warning", message: "zmq-ts: tcpKeepaliveCount (ZMQ_TCP_KEEPALIVE_CNT) is not applied: Node cannot set TCP_KEEPCNT; the kernel's default is used" },
      { name: "Warning", message: "zmq-ts: tcpKeepaliveInterval (ZMQ_TCP_KEEPALIVE_INTVL) is not applied: Node cannot set TCP_KEEPINTVL; the kernel's default is used" },
      { name: "Warning", message: "zmq-ts: tcpMaxRetransmitTimeout (ZMQ_TCP_MAXRT) is not applied: Node cannot set TCP_USER_TIMEOUT; the kernel's default is used" },
    ],
  })

  conform("Dealer: gssapi options do not exist (no GSSAPI in this build, as in zeromq's)", async (zmq, t) => {
    const s = t.track(make(zmq, "Dealer"))
    const raw = s as unknown as { setBoolOption(id: number, v: boolean): void }
    return { property: await t.attempt(() => (s.gssapiServer = true)), byId: await t.attempt(() => raw.setBoolOption(62, true)), capability: zmq.capability.gssapi }
  }, {
    expect: {
      property: { sync: "throw", error: { isError: true, isTypeError: true, isRangeError: false, message: "Cannot add property gssapiServer, object is not extensible" } },
      byId: { sync: "throw", error: { isError: true, isTypeError: false, isRangeError: false, code: "EINVAL", errno: 22, message: "Invalid argument" } },
      capability: false,
    },
  })
})

/**
 * The option-write warning reads zeromq.js's endpoint count: +1 per bind
 * (even a failed one), +1 per connect, -1 per disconnect, -1 per unbind (even
 * a failed one; the count is unsigned, so that one reads as in use).
 */
async function warnsAfter(zmq: Zmq, t: CaseContext, steps: (s: AnySocket) => Promise<unknown>): Promise<unknown> {
  const s = t.track(make(zmq, "Dealer", { linger: 0 }))
  const errors = await steps(s)
  s.maxMessageSize = 5
  await new Promise((resolve) => setImmediate(resolve))
  return { errors, warnings: t.warnings().length }
}

type Ends = { bind(a: string): Promise<void>; unbind(a: string): Promise<void>; connect(a: string): void; disconnect(a: string): void; lastEndpoint: string | null }
const code = (err: unknown): unknown => (err as { code?: string }).code

void describe("conformance: the endpoint count behind the option-write warning", () => {
  conform("Dealer: connect then disconnect leaves no endpoint: no warning", (zmq, t) => warnsAfter(zmq, t, (s) => {
    const e = s as unknown as Ends
    e.connect("tcp://127.0.0.1:9")
    e.disconnect("tcp://127.0.0.1:9")
    return Promise.resolve([])
  }), { expect: { errors: [], warnings: 0 } })
  conform("Dealer: two binds, one unbind: one endpoint left, the warning comes", (zmq, t) => warnsAfter(zmq, t, async (s) => {
    const e = s as unknown as Ends
    await e.bind("tcp://127.0.0.1:*")
    const first = e.lastEndpoint!
    await e.bind("tcp://127.0.0.1:*")
    await e.unbind(first)
    return []
  }), { expect: { errors: [], warnings: 1 } })
  conform("Dealer: bind then unbind: no warning", (zmq, t) => warnsAfter(zmq, t, async (s) => {
    const e = s as unknown as Ends
    await e.bind("tcp://127.0.0.1:*")
    await e.unbind(e.lastEndpoint!)
    return []
  }), { expect: { errors: [], warnings: 0 } })
  conform("Dealer: an unbind that fails (ENOENT) still counts down: the warning comes", (zmq, t) => warnsAfter(zmq, t, async (s) => {
    const e = s as unknown as Ends
    return [await e.unbind("tcp://127.0.0.1:9").then(() => "unbound", code)]
  }), { expect: { errors: ["ENOENT"], warnings: 1 } })
  conform("Dealer: a bind that fails (ENODEV) still counts: the warning comes", (zmq, t) => warnsAfter(zmq, t, async (s) => {
    const e = s as unknown as Ends
    return [await e.bind("tcp://256.0.0.1:1").then(() => "bound", code)]
  }), { expect: { errors: ["ENODEV"], warnings: 1 } })
})
