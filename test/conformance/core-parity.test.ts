/**
 * The v6 behaviours behind the v5 cases that used to be known core
 * differences (v5-options/v5-messaging), checked on the v6 API itself:
 * Subscriber.subscribe() as a string option, the order of zeromq.js's option
 * checks (JS type, then open socket, then libzmq, then the warning), typed
 * arrays as string option values, tcpAcceptFilter = null, CURVE keys that
 * libzmq cannot read back, and the errors of empty hosts and udp:// on
 * socket types that cannot use it.
 */
import { describe } from "node:test"
import { conform, conformDraft } from "./harness.js"

/** Every kind of value a program may pass where zeromq.js wants a string or buffer. */
const STRINGISH: readonly [string, () => unknown][] = [
  ["'a'", () => "a"], ["''", () => ""], ["null", () => null], ["undefined", () => undefined], ["1", () => 1], ["true", () => true],
  ["{}", () => ({})], ["Buffer", () => Buffer.from("ab")], ["empty Buffer", () => Buffer.alloc(0)], ["Uint8Array", () => new Uint8Array([97, 98])],
  ["Uint16Array", () => new Uint16Array([97, 98])], ["empty Uint8Array", () => new Uint8Array(0)], ["DataView", () => new DataView(new ArrayBuffer(2))],
  ["ArrayBuffer", () => new ArrayBuffer(2)],
]

const settle = (): Promise<void> => new Promise((r) => setImmediate(r))

void describe("conformance: Subscriber.subscribe/unsubscribe are string options", () => {
  for (const method of ["subscribe", "unsubscribe"] as const) {
    conform(`Subscriber.${method}(v) for each kind of value`, async (zmq, t) => {
      const s = t.track(new zmq.Subscriber())
      const out: Record<string, unknown> = {}
      for (const [name, make] of STRINGISH) out[name] = await t.attempt(() => s[method](make() as string))
      return out
    })
    conform(`Subscriber.${method}() on a closed socket: the type check first, then ENOTSOCK`, async (zmq, t) => {
      const s = new zmq.Subscriber()
      s.close()
      return [await t.attempt(() => s[method]("a")), await t.attempt(() => s[method]()), await t.attempt(() => s[method](5 as unknown as string))]
    })
    conform(`Subscriber.${method}("a", 5, "b") throws at the bad prefix`, (zmq, t) => t.attempt(() => t.track(new zmq.Subscriber())[method]("a", 5 as unknown as string, "b")))
  }
  conform("Subscriber.subscribe() after connect gives no warning", async (zmq, t) => {
    const s = t.track(new zmq.Subscriber({ linger: 0 }))
    s.connect("tcp://127.0.0.1:1")
    s.subscribe("a")
    s.unsubscribe("a")
    await settle()
    return t.warnings()
  }, { expect: [] })
  conform("Subscriber.subscribe(null) subscribes to everything", async (zmq, t) => {
    const xpub = t.track(new zmq.XPublisher())
    const sub = t.track(new zmq.Subscriber())
    const address = t.endpoint("inproc")
    await xpub.bind(address)
    sub.connect(address)
    sub.subscribe(null as unknown as string)
    // The subscription reaching the publisher is the event to wait for.
    const [subscription] = await xpub.receive()
    await xpub.send("anything")
    const [msg] = await sub.receive()
    return [[...subscription!], msg!.toString()]
  }, { expect: [[1], "anything"] })
})

void describe("conformance: the order of an option write's checks", () => {
  conform("a closed socket: a wrong JS type is a TypeError, not ENOTSOCK", async (zmq, t) => {
    const s = new zmq.Dealer()
    s.close()
    const w = s as unknown as Record<string, unknown>
    return [
      await t.attempt(() => (w.linger = "x")), await t.attempt(() => (w.immediate = 1)), await t.attempt(() => (w.zapDomain = 5)),
      await t.attempt(() => (w.zapDomain = new DataView(new ArrayBuffer(1)))), await t.attempt(() => (w.linger = 5)),
    ]
  })
  conform("after bind: a wrong JS type gives no warning, a refused value still warns", async (zmq, t) => {
    const s = t.track(new zmq.Dealer())
    await s.bind(t.endpoint("inproc"))
    const w = s as unknown as Record<string, unknown>
    const wrongType = await t.attempt(() => (w.backlog = "x"))
    await settle()
    const afterType = t.warnings().length
    const refused = await t.attempt(() => (w.backlog = -5))
    await settle()
    return { wrongType, afterType, refused, warnings: t.warnings() }
  })
  conform("a socket closed after bind still warns on option writes (zeromq.js keeps its endpoint count)", async (zmq, t) => {
    const s = new zmq.Dealer()
    await s.bind(t.endpoint("inproc"))
    s.close()
    const w = s as unknown as Record<string, unknown>
    const r = [await t.attempt(() => (w.backlog = 5)), await t.attempt(() => (w.linger = 5))]
    await settle()
    return { r, warnings: t.warnings() }
  })
  conform("receiveBufferSize set after bind warns", async (zmq, t) => {
    const s = t.track(new zmq.Pull())
    await s.bind(t.endpoint("tcp"))
    s.receiveBufferSize = 1024
    await settle()
    return t.warnings()
  })
})

void describe("conformance: typed arrays as string option values", () => {
  for (const name of ["routingId", "zapDomain", "plainUsername"] as const) {
    conform(`Dealer.${name} = each kind of value, read back`, async (zmq, t) => {
      const out: Record<string, unknown> = {}
      for (const [label, make] of STRINGISH) {
        const s = t.track(new zmq.Dealer()) as unknown as Record<string, unknown>
        // A value set first shows whether NULL kept or cleared it.
        s[name] = "first"
        out[label] = [await t.attempt(() => (s[name] = make())), await t.attempt(() => s[name], (v) => v ?? "nullish")]
      }
      return out
    })
  }
})

void describe("conformance: tcpAcceptFilter and CURVE keys", () => {
  conform("tcpAcceptFilter: null, empty and address values on a fresh socket; never readable", async (zmq, t) => {
    const out: unknown[] = []
    for (const v of [null, Buffer.alloc(0), "", "127.0.0.1", "10.0.0.0/8", "not an address", Buffer.from("127.0.0.1")]) {
      const s = t.track(new zmq.Dealer()) as unknown as Record<string, unknown>
      out.push([await t.attempt(() => (s.tcpAcceptFilter = v)), await t.attempt(() => s.tcpAcceptFilter)])
    }
    return out
  })
  for (const name of ["curvePublicKey", "curveSecretKey", "curveServerKey"] as const) {
    conform(`${name}: unset, set by each kind of key, refused keys, read back`, async (zmq, t) => {
      const pair = zmq.curveKeyPair()
      const out: unknown[] = []
      for (const v of [pair.publicKey, `${pair.publicKey}\0`, Buffer.alloc(32, 7), Buffer.from(pair.publicKey), new Uint8Array(32), null, "", "short", Buffer.alloc(31)]) {
        const s = t.track(new zmq.Dealer()) as unknown as Record<string, unknown>
        out.push([await t.attempt(() => s[name]), await t.attempt(() => (s[name] = v)), await t.attempt(() => s[name])])
      }
      return out
    })
  }
  conform("a CURVE key in the constructor, then read", async (zmq, t) => {
    const s = t.track(new zmq.Dealer({ curveServerKey: zmq.curveKeyPair().publicKey }))
    return [await t.attempt(() => s.curveServerKey), s.securityMechanism]
  })
})

void describe("conformance: addresses libzmq refuses before looking them up", () => {
  for (const address of ["tcp://:5555", "tcp://[]:5555", "tcp://:*", "tcp://:0", "udp://127.0.0.1:5555", "udp://:5555", "udp://*:*"]) {
    conform(`Pull.bind("${address}") and .connect()`, async (zmq, t) => {
      const s = t.track(new zmq.Pull({ linger: 0 }))
      return [await t.attempt(() => s.bind(address)), await t.attempt(() => s.connect(address))]
    })
  }
  conform("connect to an empty host: accepted, and every attempt fails without a socket (connect:retry only)", async (zmq, t) => {
    const s = t.track(new zmq.Push({ linger: 0, reconnectInterval: 10 }))
    const seen: string[] = []
    const events = s.events
    const done = (async () => {
      for await (const e of events) {
        seen.push(`${e.type} ${"address" in e ? e.address : ""}`)
        if (seen.length === 2) break
      }
    })()
    s.connect("tcp://:5555")
    const last = s.lastEndpoint
    await done
    return { last, seen }
  }, { expect: { last: "tcp://:5555", seen: ["connect:retry tcp://:5555", "connect:retry tcp://:5555"] } })
  conform("connect with an empty source host is accepted", (zmq, t) => t.attempt(() => t.track(new zmq.Push({ linger: 0 })).connect("tcp://:5556;127.0.0.1:5555")))
  for (const address of ["udp://:5555", "udp://[]:5555", "tcp://:5555"]) {
    conformDraft(`Dish.bind("${address}") and Radio.connect()`, async (zmq, t) => {
      const dish = t.track(new zmq.Dish({ linger: 0 }))
      const radio = t.track(new zmq.Radio({ linger: 0 }))
      return [await t.attempt(() => dish.bind(address)), await t.attempt(() => radio.connect(address))]
    })
  }
})
