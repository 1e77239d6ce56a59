/**
 * Observer events as zeromq.js gives them: types, address as given, interval,
 * and errors as Error objects with code, errno and message; and the
 * receive()/on() interface. Cases wait on events, never on time, and compare
 * only the events both libraries must give in that order.
 */
import { describe } from "node:test"
import { conform, conformEach, describeError, type CaseContext, type Zmq } from "./harness.js"

type Sock = InstanceType<Zmq["Dealer"]>
const observers = new WeakMap<Sock, Sock["events"]>()
interface Seen {
  type: string
  address?: string
  interval?: number
  error?: unknown
}

/** Reads events until one of type `until` (inclusive); returns them with endpoints made comparable. */
async function readUntil(sock: Sock, until: string, endpoints: string[] = []): Promise<Seen[]> {
  const out: Seen[] = []
  // Read once: zeromq.js's socket.events throws once the socket is closed.
  const events = observers.get(sock) ?? sock.events
  observers.set(sock, events)
  for (;;) {
    const e = (await events.receive()) as unknown as Record<string, unknown>
    const seen: Seen = { type: String(e.type) }
    if ("address" in e) {
      let a = String(e.address)
      endpoints.forEach((ep, i) => (a = a.split(ep).join(`<ep${i}>`).split(ep.slice(ep.indexOf("://") + 3)).join(`<bare${i}>`)))
      seen.address = a
    }
    // libzmq adds a random part to the interval; both must stay in [interval, 2 * interval).
    if ("interval" in e) seen.interval = Math.min(Math.floor((e.interval as number) / sock.reconnectInterval), 2)
    if ("error" in e) seen.error = { ...describeError(e.error), status: (e.error as { status?: unknown }).status }
    out.push(seen)
    if (seen.type === until) return out
  }
}

/** Only the events of these types, in order. */
const only = (events: Seen[], types: string[]): Seen[] => events.filter((e) => types.includes(e.type))

async function pair(zmq: Zmq, t: CaseContext, transport: "tcp" | "ipc" | "inproc"): Promise<{ a: Sock; b: Sock; ep: string }> {
  const a = t.track(new zmq.Dealer())
  const b = t.track(new zmq.Dealer())
  observers.set(a, a.events)
  observers.set(b, b.events)
  await a.bind(t.endpoint(transport))
  return { a, b, ep: a.lastEndpoint! }
}

void describe("conformance: Observer", () => {
  conformEach(["tcp", "ipc"], "bind gives bind with the resolved endpoint; close gives close then end", async (zmq, t, transport) => {
    const s = t.track(new zmq.Dealer())
    observers.set(s, s.events)
    await s.bind(t.endpoint(transport))
    const ep = s.lastEndpoint!
    const first = await readUntil(s, "bind", [ep])
    s.close()
    return { first, rest: await readUntil(s, "end", [ep]) }
  })
  conformEach(["tcp", "inproc"], "bind on an endpoint in use: bind:error with an Error", async (zmq, t, transport) => {
    const a = t.track(new zmq.Dealer())
    await a.bind(t.endpoint(transport))
    const b = t.track(new zmq.Dealer())
    observers.set(b, b.events)
    await b.bind(a.lastEndpoint!).catch(() => undefined)
    b.close()
    return readUntil(b, "end", [a.lastEndpoint!])
  })
  for (const address of ["foo", "foo://bar", "tcp://", "tcp://abc", "tcp://127.0.0.1:x", "tcp://no-such-interface-zmqts:5555", "inproc://", "udp://127.0.0.1:1"]) {
    conform(`bind("${address}"): events as zeromq's`, async (zmq, t) => {
      const s = t.track(new zmq.Dealer())
      observers.set(s, s.events)
      await s.bind(address).catch(() => undefined)
      s.close()
      return readUntil(s, "end")
    })
  }
  conformEach(["tcp", "ipc"], "connect to a bound peer: connect then handshake on the connecter; accept then handshake on the binder", async (zmq, t, transport) => {
    const { a, b, ep } = await pair(zmq, t, transport)
    b.connect(ep)
    const connecter = only(await readUntil(b, "handshake", [ep]), ["connect", "handshake"])
    const binder = only(await readUntil(a, "handshake", [ep]), ["bind", "accept", "handshake"])
    return { connecter, binder }
  })
  conformEach(["tcp", "ipc"], "the connecter closes: disconnect on the binder; close and end on the connecter", async (zmq, t, transport) => {
    const { a, b, ep } = await pair(zmq, t, transport)
    b.connect(ep)
    await readUntil(a, "handshake")
    await readUntil(b, "handshake")
    b.close()
    const binder = await readUntil(a, "disconnect", [ep])
    return { binder: binder.slice(-1), connecter: only(await readUntil(b, "end", [ep]), ["end"]) }
  })
  conformEach(["tcp", "ipc"], "the binder closes: disconnect then connect:retry with an interval on the connecter", async (zmq, t, transport) => {
    const { a, b, ep } = await pair(zmq, t, transport)
    b.reconnectInterval = 50
    b.connect(ep)
    await readUntil(a, "handshake")
    await readUntil(b, "handshake")
    a.close()
    const binder = only(await readUntil(a, "end", [ep]), ["close", "end"])
    const connecter = only(await readUntil(b, "connect:retry", [ep]), ["disconnect", "connect:retry"])
    return { binder, connecter }
  })
  conformEach(["tcp", "ipc"], "connect to nothing: connect:retry with the reconnect interval", async (zmq, t, transport) => {
    const a = t.track(new zmq.Dealer())
    await a.bind(t.endpoint(transport))
    const ep = a.lastEndpoint!
    await a.unbind(ep)
    a.close()
    const b = t.track(new zmq.Dealer({ reconnectInterval: 30 }))
    observers.set(b, b.events)
    b.connect(ep)
    return only(await readUntil(b, "connect:retry", [ep]), ["connect:retry"])
  })
  conform("inproc: bind, unbind and close give only end", async (zmq, t) => {
    const s = t.track(new zmq.Dealer())
    observers.set(s, s.events)
    await s.bind(t.endpoint("inproc"))
    await s.unbind(s.lastEndpoint!)
    await s.bind(t.endpoint("inproc"))
    s.close()
    return readUntil(s, "end")
  }, { expect: [{ type: "end" }] })
  conformEach(["tcp", "ipc"], "unbind gives close with the endpoint", async (zmq, t, transport) => {
    const s = t.track(new zmq.Dealer())
    observers.set(s, s.events)
    await s.bind(t.endpoint(transport))
    const ep = s.lastEndpoint!
    await readUntil(s, "bind")
    await s.unbind(ep)
    return only(await readUntil(s, "close", [ep]), ["close"])
  })
  conformEach(["tcp", "ipc"], "security mismatch: handshake:error:protocol with an Error on both sides", async (zmq, t, transport) => {
    const { a, b, ep } = await pair(zmq, t, transport)
    b.plainUsername = "u"
    b.plainPassword = "p"
    b.connect(ep)
    const binder = only(await readUntil(a, "handshake:error:protocol", [ep]), ["handshake:error:protocol"])
    const connecter = only(await readUntil(b, "handshake:error:protocol", [ep]), ["handshake:error:protocol"])
    return { binder, connecter }
  })
  conform("events.receive(): one at a time (EBUSY thrown), EBADF thrown once closed", async (zmq, t) => {
    const s = t.track(new zmq.Dealer())
    const events = s.events
    const first = events.receive()
    const busy = await t.attempt(() => events.receive())
    s.close()
    const got = await first.then((e) => (e as { type: string } | undefined)?.type ?? "undefined")
    const ends: string[] = [got]
    while (!events.closed) ends.push((await events.receive()).type)
    return { busy, ends, afterEnd: await t.attempt(() => events.receive()) }
  })
  conform("events.on(): listeners get events; receive is then unavailable", async (zmq, t) => {
    const s = t.track(new zmq.Dealer())
    const types: string[] = []
    const ended = new Promise<void>((resolve) => {
      s.events.on("end", () => resolve())
    })
    s.events.on("bind", (e) => types.push(`${e.type}`))
    s.events.on("close", (e) => types.push(`${e.type}`))
    const receive = await t.attempt(() => s.events.receive())
    await s.bind(t.endpoint("inproc"))
    s.close()
    await ended
    return { types, receive }
  })
  conform("for await over events ends after end", async (zmq, t) => {
    const s = t.track(new zmq.Dealer())
    const types: string[] = []
    const events = s.events
    const loop = (async () => {
      for await (const e of events) types.push(e.type)
    })()
    await s.bind(t.endpoint("inproc"))
    s.close()
    await loop
    return types
  })
  conform("an observer of a closed socket: closed, and receive() throws", async (zmq, t) => {
    const s = t.track(new zmq.Dealer())
    const events = s.events
    observers.set(s, events)
    s.close()
    await readUntil(s, "end")
    return { closed: events.closed, receive: await t.attempt(() => events.receive()) }
  })
})
