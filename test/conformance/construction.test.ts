/**
 * Construction as zeromq.js checks it: argument types and counts, options,
 * the `context` option, calling a class without `new`, subclassing Socket
 * with a type number.
 */
import { describe } from "node:test"
import { conform, type Zmq } from "./harness.js"
import { make, SOCKET_CLASSES, type AnySocket } from "./classes.js"
import { attemptInChild } from "./child.js"

type Ctor = new (...args: unknown[]) => AnySocket
const ctor = (zmq: Zmq, name: string): Ctor => (zmq as unknown as Record<string, Ctor>)[name]!
const TYPE_ERROR = (message: string) => ({ sync: "throw", error: { isError: true, isTypeError: true, isRangeError: false, message } })
const EINVAL = { sync: "throw", error: { isError: true, isTypeError: false, isRangeError: false, code: "EINVAL", errno: 22, message: "Invalid argument" } }
const PLAIN_EINVAL = { sync: "throw", error: { isError: true, isTypeError: false, isRangeError: false, message: "Invalid argument" } }

void describe("conformance: construction", () => {
  for (const cls of SOCKET_CLASSES) {
    for (const [label, value] of [["a number", 5], ["a string", "x"], ["null", null], ["true", true]] as const) {
      conform(`${cls}: options ${label} is a TypeError`, (zmq, t) => t.attempt(() => t.track(make(zmq, cls, value))), {
        expect: TYPE_ERROR("Options must be an object"),
      })
    }
    conform(`${cls}: no options, undefined or {} construct`, (zmq, t) => {
      const a = t.track(make(zmq, cls))
      const b = t.track(make(zmq, cls, undefined))
      const c = t.track(make(zmq, cls, {}))
      return [a.type, b.type, c.type, a.closed, Object.isExtensible(a)]
    })
    conform(`${cls}: an extra argument is ignored`, (zmq, t) =>
      t.attempt(() => t.track(new (ctor(zmq, cls))({}, 1)), (s) => (s as AnySocket).type))
    conform(`${cls}: calling the class without new is a TypeError`, (zmq, t) =>
      t.attempt(() => (ctor(zmq, cls) as unknown as () => unknown)()), {
      expect: TYPE_ERROR(`Class constructor ${cls} cannot be invoked without 'new'`),
    })
    conform(`${cls}: an unknown option is a TypeError`, (zmq, t) => t.attempt(() => t.track(make(zmq, cls, { noSuchOption: 1 }))), {
      expect: TYPE_ERROR("Cannot add property noSuchOption, object is not extensible"),
    })
    conform(`${cls}: a read-only option in the constructor is a TypeError`, (zmq, t) => t.attempt(() => t.track(make(zmq, cls, { type: 3 }))), {
      expect: TYPE_ERROR("Cannot set property type of #<Socket> which has only a getter"),
    })
    conform(`${cls}: a wrongly typed option in the constructor`, (zmq, t) => t.attempt(() => t.track(make(zmq, cls, { linger: "x" }))), {
      expect: TYPE_ERROR("Option value must be a number"),
    })
    conform(`${cls}: an out-of-range option in the constructor`, (zmq, t) => t.attempt(() => t.track(make(zmq, cls, { linger: -5 }))), {
      expect: EINVAL,
    })
    for (const [label, value] of [["a number", 5], ["a plain object", {}], ["null", null], ["undefined", undefined]] as const) {
      conform(`${cls}: context option ${label} is invalid`, (zmq, t) => t.attempt(() => t.track(make(zmq, cls, { context: value }))), {
        expect: PLAIN_EINVAL,
      })
    }
    conform(`${cls}: a socket made with { context } uses it`, (zmq, t) => {
      const ctx = new zmq.Context()
      const s = t.track(make(zmq, cls, { context: ctx, linger: 0 }))
      return [s.context === ctx, s.context === zmq.context, s.linger]
    }, { expect: [true, false, 0] })
    conform(`${cls}: a subclass cannot add fields (sockets are sealed)`, (zmq, t) => {
      const Base = ctor(zmq, cls)
      class Sub extends Base {
        constructor() {
          super()
          ;(this as Record<string, unknown>).extra = 1
        }
      }
      return t.attempt(() => t.track(new Sub()))
    }, { expect: TYPE_ERROR("Cannot add property extra, object is not extensible") })
  }

  conform("Socket: missing type", (zmq, t) => t.attempt(() => new (ctor(zmq, "Socket"))()), { expect: TYPE_ERROR("Socket type must be a number") })
  conform("Socket: string type", (zmq, t) => t.attempt(() => new (ctor(zmq, "Socket"))("8")), { expect: TYPE_ERROR("Socket type must be a number") })
  for (const type of [99, -1, 1000]) {
    conform(`Socket: invalid type ${type}`, (zmq, t) => t.attempt(() => new (ctor(zmq, "Socket"))(type)), { expect: EINVAL })
  }
  conform("Socket: options not an object", (zmq, t) => t.attempt(() => new (ctor(zmq, "Socket"))(8, 5)), { expect: TYPE_ERROR("Options must be an object") })
  conform("Socket: three arguments", (zmq, t) => t.attempt(() => new (ctor(zmq, "Socket"))(8, {}, 1)), {
    expect: TYPE_ERROR("Expected 2 arguments but received 3"),
  })
  conform("Socket: called without new", (zmq, t) => t.attempt(() => (ctor(zmq, "Socket") as unknown as (n: number) => unknown)(8)), {
    expect: TYPE_ERROR("Class constructors cannot be invoked without 'new'"),
  })
  for (const type of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) {
    conform(`Socket: new Socket(${type}) has that type and no class options`, (zmq, t) => {
      const s = t.track(new (ctor(zmq, "Socket"))(type))
      return [s.type, s instanceof zmq.Socket, typeof s.send, typeof s.receive, typeof s.subscribe, "conflate" in s, "routingId" in s, s.linger]
    })
  }
  conform("Socket: a fractional type is truncated", (zmq, t) => t.track(new (ctor(zmq, "Socket"))(8.7)).type, { expect: 8 })
  // zeromq.js segfaults at exit after this one: observed in a child process.
  conform("Socket: class options are unknown on a plain Socket", (_zmq, t) => attemptInChild(t, "new zmq.Socket(8, { sendHighWaterMark: 5 })"), {
    expect: TYPE_ERROR("Cannot add property sendHighWaterMark, object is not extensible"),
  })
  conform("Socket: subclass with a type number sends and receives", async (zmq, t) => {
    const S = zmq.Socket as unknown as new (type: number, options?: object) => AnySocket
    class MyPull extends S {
      constructor(options?: object) {
        super(7, options)
      }
      label(): string {
        return "pull"
      }
    }
    class MyPush extends S {
      constructor(options?: object) {
        super(8, options)
      }
    }
    const pull = t.track(new MyPull({ linger: 0 }))
    const push = t.track(new MyPush({ linger: 0 }))
    const address = t.endpoint("inproc")
    await pull.bind(address)
    push.connect(address)
    await (push.send as (m: string) => Promise<void>)("hi")
    const msg = await (pull.receive as () => Promise<Buffer[]>)()
    return [msg.map(String), pull.type, push.type, pull.linger, pull instanceof MyPull, pull instanceof zmq.Socket, pull.label === MyPull.prototype.label]
  }, { expect: [["hi"], 7, 8, 0, true, true, true] })
  conform("Socket: subclass with { context }", (zmq, t) => {
    const ctx = new zmq.Context()
    const S = zmq.Socket as unknown as new (type: number, options?: object) => AnySocket
    const s = t.track(new S(5, { context: ctx }))
    return s.context === ctx
  }, { expect: true })

  conform("Context: options a number", (zmq, t) => t.attempt(() => new (ctor(zmq, "Context"))(5)), { expect: TYPE_ERROR("Options must be an object") })
  conform("Context: options null", (zmq, t) => t.attempt(() => new (ctor(zmq, "Context"))(null)), { expect: TYPE_ERROR("Options must be an object") })
  conform("Context: two arguments", (zmq, t) => t.attempt(() => new (ctor(zmq, "Context"))({}, 1)), { expect: TYPE_ERROR("Expected 1 argument but received 2") })
  conform("Context: called without new", (zmq, t) => t.attempt(() => (ctor(zmq, "Context") as unknown as () => unknown)()), {
    expect: TYPE_ERROR("Class constructors cannot be invoked without 'new'"),
  })
  // zeromq.js segfaults at exit after these two: observed in a child process.
  conform("Context: unknown option", (_zmq, t) => attemptInChild(t, "new zmq.Context({ foo: 1 })"), {
    expect: TYPE_ERROR("Cannot add property foo, object is not extensible"),
  })
  conform("Context: read-only option", (_zmq, t) => attemptInChild(t, "new zmq.Context({ maxSocketsLimit: 1 })"), {
    expect: TYPE_ERROR("Cannot set property maxSocketsLimit of #<Context> which has only a getter"),
  })
  conform("Context: options applied", (zmq) => {
    const c = new zmq.Context({ ioThreads: 2, maxSockets: 10, maxMessageSize: 100, ipv6: true, blocky: false, threadPriority: 1 })
    return [c.ioThreads, c.maxSockets, c.maxMessageSize, c.ipv6, c.blocky, c.maxSocketsLimit, Object.isExtensible(c)]
  }, { expect: [2, 10, 100, true, false, 65535, false] })
  conform("Context: maxSockets is enforced with EMFILE", (zmq, t) => {
    const ctx = new zmq.Context({ maxSockets: 1 })
    t.track(new zmq.Dealer({ context: ctx }))
    return t.attempt(() => t.track(new zmq.Dealer({ context: ctx })))
  })

  conform("Proxy: no arguments", (zmq, t) => t.attempt(() => new (ctor(zmq, "Proxy"))()), { expect: TYPE_ERROR("Front-end must be a socket object") })
  conform("Proxy: numbers", (zmq, t) => t.attempt(() => new (ctor(zmq, "Proxy"))(1, 2)), { expect: TYPE_ERROR("Front-end must be a socket object") })
  conform("Proxy: no back-end", (zmq, t) => t.attempt(() => new (ctor(zmq, "Proxy"))(t.track(new zmq.Router()))), {
    expect: TYPE_ERROR("Back-end must be a socket object"),
  })
  conform("Proxy: three arguments", (zmq, t) => t.attempt(() => new (ctor(zmq, "Proxy"))(t.track(new zmq.Router()), t.track(new zmq.Dealer()), 1)), {
    expect: TYPE_ERROR("Expected 2 arguments but received 3"),
  })
  conform("Proxy: called without new", (zmq, t) =>
    t.attempt(() => (ctor(zmq, "Proxy") as unknown as (a: unknown, b: unknown) => unknown)(t.track(new zmq.Router()), t.track(new zmq.Dealer()))), {
    expect: TYPE_ERROR("Class constructors cannot be invoked without 'new'"),
  })
  conform("Proxy: sockets are kept", (zmq, t) => {
    const f = t.track(new zmq.Router())
    const b = t.track(new zmq.Dealer())
    const p = new zmq.Proxy(f, b)
    return [p.frontEnd === f, p.backEnd === b]
  }, { expect: [true, true] })
  conform("Observer: no socket", (zmq, t) => t.attempt(() => new (ctor(zmq, "Observer"))()), { expect: TYPE_ERROR("Socket must be a socket object") })
  conform("Observer: an object that is not a socket", (zmq, t) => t.attempt(() => new (ctor(zmq, "Observer"))({})), { expect: PLAIN_EINVAL })
  conform("Observer: two arguments", (zmq, t) => t.attempt(() => new (ctor(zmq, "Observer"))(t.track(new zmq.Push()), 1)), {
    expect: TYPE_ERROR("Expected 1 argument but received 2"),
  })
  conform("Observer: a closed socket", (zmq, t) => {
    const s = new zmq.Push()
    s.close()
    return t.attempt(() => new zmq.Observer(s))
  }, { expect: { sync: "throw", error: { isError: true, isTypeError: false, isRangeError: false, code: "ENOTSOCK", errno: 88, message: "Socket operation on non-socket" } } })
  conform("Proxy: objects that are not sockets", (zmq, t) => t.attempt(() => new (ctor(zmq, "Proxy"))({}, {})), { expect: PLAIN_EINVAL })
  conform("Proxy: a back-end that is not a socket", (zmq, t) => t.attempt(() => new (ctor(zmq, "Proxy"))(t.track(new zmq.Router()), {})), { expect: PLAIN_EINVAL })
  conform("Observer: called without new", (zmq, t) => t.attempt(() => (ctor(zmq, "Observer") as unknown as (s: unknown) => unknown)(t.track(new zmq.Push()))), {
    expect: TYPE_ERROR("Class constructors cannot be invoked without 'new'"),
  })
})
