/**
 * Errors as zeromq.js gives them: which calls throw synchronously and which
 * reject, with what class, code, errno, message and address.
 */
import { describe } from "node:test"
import { ALL_TRANSPORTS, conform, conformEach, type Attempt, type Zmq } from "./harness.js"

type SocketClass = Exclude<keyof Zmq, "Socket" | "Context" | "Observer" | "Proxy" | "context" | "curveKeyPair" | "version" | "capability">
const CLASSES = ["Pair", "Publisher", "Subscriber", "Request", "Reply", "Dealer", "Router", "Pull", "Push", "XPublisher", "XSubscriber"] as const satisfies readonly SocketClass[]
/** The types zeromq.js declares send() / receive() on (its runtime has both on every socket). */
const WRITABLE = new Set<string>(["Pair", "Publisher", "Request", "Reply", "Dealer", "Router", "Push", "XPublisher", "XSubscriber"])
const READABLE = new Set<string>(["Pair", "Subscriber", "Request", "Reply", "Dealer", "Router", "Pull", "XPublisher", "XSubscriber"])
type Sock = { close(...a: unknown[]): void; bind(...a: unknown[]): Promise<void>; unbind(a: unknown): Promise<void>; connect(...a: unknown[]): void; disconnect(a: unknown): void; send?: (...a: unknown[]) => Promise<void>; receive?: (...a: unknown[]) => Promise<unknown> }

function make(zmq: Zmq, name: (typeof CLASSES)[number]): Sock {
  return new (zmq[name] as unknown as new () => Sock)()
}

/** The same error without the port a library happened to get. */
function portless(a: Attempt): Attempt {
  const text = JSON.stringify(a)
    .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:<port>")
    .replace(/(zmq-ts|zeromq)-[0-9a-f]{12}/g, "<tag>")
  return JSON.parse(text) as Attempt
}

const BAD_BIND = [
  "foo",
  "foo://bar",
  "tcp://",
  "://x",
  "tcp://abc",
  "tcp://127.0.0.1",
  "tcp://127.0.0.1:abc",
  "tcp://127.0.0.1:65536",
  "tcp://no-such-interface-zmqts:5555",
  "ipc://",
  "inproc://",
  "udp://127.0.0.1:5555",
  "pgm://eth0;239.192.1.1:5555",
]
const BAD_CONNECT = ["foo", "foo://bar", "tcp://", "tcp://abc", "tcp://127.0.0.1", "tcp://127.0.0.1:*", "tcp://127.0.0.1:0", "tcp://127.0.0.1:x", "ipc://", "inproc://", "udp://127.0.0.1:5555"]
const BAD_UNBIND = ["foo", "foo://bar", "tcp://", "://x", "tcp://127.0.0.1:5555", "ipc:///tmp/zmq-ts-no-such.sock", "inproc://no-such-endpoint", "tcp://abc"]

void describe("conformance: usage errors", () => {
  for (const name of CLASSES) {
    conform(`${name}: methods on a closed socket throw EBADF`, async (zmq, t) => {
      const s = t.track(make(zmq, name))
      s.close()
      return {
        send: WRITABLE.has(name) ? await t.attempt(() => s.send!("x")) : "absent",
        receive: READABLE.has(name) ? await t.attempt(() => s.receive!()) : "absent",
        bind: await t.attempt(() => s.bind("inproc://closed")),
        unbind: await t.attempt(() => s.unbind("inproc://closed")),
        connect: await t.attempt(() => s.connect("inproc://closed")),
        disconnect: await t.attempt(() => s.disconnect("inproc://closed")),
        close: await t.attempt(() => s.close()),
      }
    })
    conform(`${name}: wrong arguments throw TypeError`, async (zmq, t) => {
      const s = t.track(make(zmq, name))
      return {
        bind: await t.attempt(() => s.bind(5)),
        bind2: await t.attempt(() => s.bind("inproc://a", 1)),
        unbind: await t.attempt(() => s.unbind(null)),
        connect: await t.attempt(() => s.connect(undefined)),
        connect2: await t.attempt(() => s.connect(1, 2)),
        disconnect: await t.attempt(() => s.disconnect({})),
        close: await t.attempt(() => s.close(1)),
        sendUndefined: WRITABLE.has(name) ? await t.attempt(() => s.send!(undefined)) : "absent",
        sendNone: WRITABLE.has(name) ? await t.attempt(() => s.send!()) : "absent",
        sendTwo: WRITABLE.has(name) ? await t.attempt(() => s.send!("a", "b")) : "absent",
        receiveOne: READABLE.has(name) ? await t.attempt(() => s.receive!(1)) : "absent",
      }
    })
    conform(`${name}: bind, send and receive while a bind runs throw EBUSY`, async (zmq, t) => {
      const s = t.track(make(zmq, name))
      const binding = s.bind("tcp://127.0.0.1:*")
      const during = {
        bind: await t.attempt(() => s.bind("inproc://x")),
        unbind: await t.attempt(() => s.unbind("inproc://x")),
        connect: await t.attempt(() => s.connect("inproc://x")),
        disconnect: await t.attempt(() => s.disconnect("inproc://x")),
        send: WRITABLE.has(name) ? await t.attempt(() => s.send!("x")) : "absent",
        receive: READABLE.has(name) ? await t.attempt(() => s.receive!()) : "absent",
      }
      await binding
      return during
    })
    conform(`${name}: close() during a bind takes effect when the bind ends`, async (zmq, t) => {
      const s = t.track(make(zmq, name)) as Sock & { closed: boolean }
      const binding = s.bind("tcp://127.0.0.1:*")
      s.close()
      const closedBefore = s.closed
      const outcome = await t.attempt(() => binding)
      return { closedBefore, outcome, closedAfter: s.closed }
    })
  }

  for (const address of BAD_BIND) {
    conform(`bind("${address}") fails as zeromq's`, async (zmq, t) => {
      const s = t.track(new zmq.Dealer())
      return portless(await t.attempt(() => s.bind(address)))
    })
  }
  for (const address of BAD_CONNECT) {
    conform(`connect("${address}") fails as zeromq's`, async (zmq, t) => {
      const s = t.track(new zmq.Dealer())
      return await t.attempt(() => s.connect(address))
    })
  }
  for (const address of BAD_UNBIND) {
    conform(`unbind("${address}") of what was never bound fails as zeromq's`, async (zmq, t) => {
      const s = t.track(new zmq.Dealer())
      return await t.attempt(() => s.unbind(address))
    })
    conform(`disconnect("${address}") of what was never connected fails as zeromq's`, async (zmq, t) => {
      const s = t.track(new zmq.Dealer())
      return await t.attempt(() => s.disconnect(address))
    })
  }

  conformEach(["tcp", "inproc"], "binding an endpoint in use rejects EADDRINUSE with the address", async (zmq, t, transport) => {
    const a = t.track(new zmq.Pull())
    await a.bind(t.endpoint(transport))
    const b = t.track(new zmq.Pull())
    return portless(await t.attempt(() => b.bind(a.lastEndpoint!)))
  })
  conformEach(ALL_TRANSPORTS, "unbind and disconnect work once, then are ENOENT", async (zmq, t, transport) => {
    const a = t.track(new zmq.Pull())
    await a.bind(t.endpoint(transport))
    const ep = a.lastEndpoint!
    const b = t.track(new zmq.Push())
    b.connect(ep)
    return portless({
      disconnect: await t.attempt(() => b.disconnect(ep)),
      disconnectAgain: await t.attempt(() => b.disconnect(ep)),
      unbind: await t.attempt(() => a.unbind(ep)),
      unbindAgain: await t.attempt(() => a.unbind(ep)),
    } as unknown as Attempt)
  })
  conformEach(ALL_TRANSPORTS, "send() and receive() with a zero timeout and no peer reject EAGAIN", async (zmq, t, transport) => {
    const s = t.track(new zmq.Dealer({ sendTimeout: 0, receiveTimeout: 0 }))
    await s.bind(t.endpoint(transport))
    return { send: await t.attempt(() => s.send("x")), receive: await t.attempt(() => s.receive()) }
  })
  conformEach(ALL_TRANSPORTS, "a second send() or receive() while one waits throws EBUSY", async (zmq, t, transport) => {
    const s = t.track(new zmq.Dealer())
    await s.bind(t.endpoint(transport))
    const sending = s.send("x")
    const receiving = s.receive()
    const busy = { send: await t.attempt(() => s.send("y")), receive: await t.attempt(() => s.receive()) }
    s.close()
    return { busy, pendingSend: await t.attempt(() => sending), pendingReceive: await t.attempt(() => receiving) }
  })
  conformEach(ALL_TRANSPORTS, "a send() timeout and a receive() timeout reject EAGAIN", async (zmq, t, transport) => {
    const s = t.track(new zmq.Dealer({ sendTimeout: 20, receiveTimeout: 20 }))
    await s.bind(t.endpoint(transport))
    return { send: await t.attempt(() => s.send("x")), receive: await t.attempt(() => s.receive()) }
  })
  conformEach(ALL_TRANSPORTS, "Request: receive() before send() and a second send() wait for the state to allow them", async (zmq, t, transport) => {
    const rep = t.track(new zmq.Reply())
    await rep.bind(t.endpoint(transport))
    const req = t.track(new zmq.Request())
    req.connect(rep.lastEndpoint!)
    const early = req.receive()
    await req.send("q1")
    const [q1] = await rep.receive()
    await rep.send("r1")
    const r1 = await early
    // zeromq.js resumes this inside its poll callback for `req` (ReadableCallback);
    // the callback then reads ZMQ_EVENTS once more for a waiting send
    // (TriggerWritable) without checking for input again. Were the send and
    // receive below both left waiting by then, with r2 reaching `req` in
    // between, that read would consume the edge of ZMQ_FD that announces r2
    // and the receive would wait forever with `readable` true (seen under
    // test:stress; forced deterministically by scripts/repro-zeromq-lost-wakeup.mjs).
    // One turn of the event loop lets the callback finish first. zmq-ts has
    // no such edge and runs on unchanged; its forced-timing test of the same
    // sequence is in test/spec/rfc28-req.test.ts.
    if (t.lib === "zeromq") await new Promise((resolve) => setImmediate(resolve))
    await req.send("q2")
    const second = req.send("q3")
    const [q2] = await rep.receive()
    await rep.send("r2")
    const r2 = await req.receive()
    await second
    const [q3] = await rep.receive()
    return [q1, r1[0], q2, r2[0], q3].map((b) => b!.toString())
  }, { expect: ["q1", "r1", "q2", "r2", "q3"] })
  for (const timeout of [0, 30]) {
    conform(`Request/Reply/Router: sends the state refuses, with sendTimeout ${timeout}`, async (zmq, t) => {
      const rep = t.track(new zmq.Reply({ sendTimeout: timeout, receiveTimeout: timeout }))
      await rep.bind(t.endpoint("inproc"))
      const req = t.track(new zmq.Request({ sendTimeout: timeout, receiveTimeout: timeout }))
      req.connect(rep.lastEndpoint!)
      const router = t.track(new zmq.Router({ mandatory: true, sendTimeout: timeout }))
      return {
        replyFirst: await t.attempt(() => rep.send("x")),
        requestReceiveFirst: await t.attempt(() => req.receive()),
        request: await t.attempt(() => req.send("q")),
        requestAgain: await t.attempt(() => req.send("q")),
        routerUnknown: await t.attempt(() => router.send(["nobody", "x"])),
      }
    })
  }
  conform("events of a closed socket throw ENOTSOCK", async (zmq, t) => {
    const s = t.track(new zmq.Dealer())
    s.close()
    return await t.attempt(() => s.events)
  })
  conform("for await on a closed socket ends at once; next() after close resolves done", async (zmq, t) => {
    const s = t.track(new zmq.Pull())
    s.close()
    const it = s[Symbol.asyncIterator]()
    return await t.attempt(() => it.next(), (v) => v)
  })
})
