/**
 * Construction as zeromq.js checks it: argument types and counts, options,
 * the `context` option, calling a class without `new`, subclassing Socket
 * with a type number.
 */
import { describe } from "node:test"
import { conform, type Zmq } from "./harness.js"
import { make, SOCKET_CLASSES, type AnySocket } from "./classes.js"
import { attemptsInChild, CHILD_CASE_TIMEOUT } from "./child.js"

type Ctor = new (...args: unknown[]) => AnySocket
const ctor = (zmq: Zmq, name: string): Ctor => (zmq as unknown as Record<string, Ctor>)[name]!
const TYPE_ERROR = (message: string) => ({ sync: "throw", error: { isError: true, isTypeError: true, isRangeError: false, message } })
const EINVAL = { sync: "throw", error: { isError: true, isTypeError: false, isRangeError: false, code: "EINVAL", errno: 22, message: "Invalid argument" } }
const PLAIN_EINVAL = { sync: "throw", error: { isError: true, isTypeError: false, isRangeError: false, message: "Invalid argument" } }

void describe("conformance: construction", () => {
  for (const cls of SOCKET_CLASSES) {
    // zeromq.js may crash the process at exit after one of its constructors threw,
    // so the failing constructions of each class run in a child process.
    conform(`${cls}: constructor argument and option errors`, (_zmq, t) =>
      attemptsInChild(t, {
        number: `new zmq.${cls}(5)`,
        string: `new zmq.${cls}("x")`,
        null: `new zmq.${cls}(null)`,
        true: `new zmq.${cls}(true)`,
        withoutNew: `zmq.${cls}()`,
        unknown: `new zmq.${cls}({ noSuchOption: 1 })`,
        readOnly: `new zmq.${cls}({ type: 3 })`,
        wrongType: `new zmq.${cls}({ linger: "x" })`,
        outOfRange: `new zmq.${cls}({ linger: -5 })`,
        contextNumber: `new zmq.${cls}({ context: 5 })`,
        contextObject: `new zmq.${cls}({ context: {} })`,
        contextNull: `new zmq.${cls}({ context: null })`,
        contextUndefined: `new zmq.${cls}({ context: undefined })`,
        sealed: `class Sub extends zmq.${cls} { constructor() { super(); this.extra = 1 } }; new Sub()`,
        field: `class Sub extends zmq.${cls} { extra = 1 }; new Sub()`,
      }), {
      timeout: CHILD_CASE_TIMEOUT,
      expect: {
        number: TYPE_ERROR("Options must be an object"),
        string: TYPE_ERROR("Options must be an object"),
        null: TYPE_ERROR("Options must be an object"),
        true: TYPE_ERROR("Options must be an object"),
        withoutNew: TYPE_ERROR(`Class constructor ${cls} cannot be invoked without 'new'`),
        unknown: TYPE_ERROR("Cannot add property noSuchOption, object is not extensible"),
        readOnly: TYPE_ERROR("Cannot set property type of #<Socket> which has only a getter"),
        wrongType: TYPE_ERROR("Option value must be a number"),
        outOfRange: EINVAL,
        contextNumber: PLAIN_EINVAL,
        contextObject: PLAIN_EINVAL,
        contextNull: PLAIN_EINVAL,
        contextUndefined: PLAIN_EINVAL,
        sealed: TYPE_ERROR("Cannot add property extra, object is not extensible"),
        field: TYPE_ERROR("Cannot define property extra, object is not extensible"),
      },
    })
    conform(`${cls}: no options, undefined or {} construct`, (zmq, t) => {
      const a = t.track(make(zmq, cls))
      const b = t.track(make(zmq, cls, undefined))
      const c = t.track(make(zmq, cls, {}))
      return [a.type, b.type, c.type, a.closed, Object.isExtensible(a)]
    })
    conform(`${cls}: an extra argument is ignored`, (zmq, t) =>
      t.attempt(() => t.track(new (ctor(zmq, cls))({}, 1)), (s) => (s as AnySocket).type))
    conform(`${cls}: a socket made with { context } uses it`, (zmq, t) => {
      const ctx = new zmq.Context()
      const s = t.track(make(zmq, cls, { context: ctx, linger: 0 }))
      return [s.context === ctx, s.context === zmq.context, s.linger]
    }, { expect: [true, false, 0] })
  }

  conform("Socket: constructor argument errors", (_zmq, t) =>
    attemptsInChild(t, {
      missing: "new zmq.Socket()",
      string: 'new zmq.Socket("8")',
      invalid99: "new zmq.Socket(99)",
      negative: "new zmq.Socket(-1)",
      invalid1000: "new zmq.Socket(1000)",
      options: "new zmq.Socket(8, 5)",
      three: "new zmq.Socket(8, {}, 1)",
      withoutNew: "zmq.Socket(8)",
      classOption: "new zmq.Socket(8, { sendHighWaterMark: 5 })",
    }), {
    timeout: CHILD_CASE_TIMEOUT,
    expect: {
      missing: TYPE_ERROR("Socket type must be a number"),
      string: TYPE_ERROR("Socket type must be a number"),
      invalid99: EINVAL,
      negative: EINVAL,
      invalid1000: EINVAL,
      options: TYPE_ERROR("Options must be an object"),
      three: TYPE_ERROR("Expected 2 arguments but received 3"),
      withoutNew: TYPE_ERROR("Class constructors cannot be invoked without 'new'"),
      classOption: TYPE_ERROR("Cannot add property sendHighWaterMark, object is not extensible"),
    },
  })
  for (const type of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) {
    conform(`Socket: new Socket(${type}) has that type and no class options`, (zmq, t) => {
      const s = t.track(new (ctor(zmq, "Socket"))(type))
      return [s.type, s instanceof zmq.Socket, typeof s.send, typeof s.receive, typeof s.subscribe, "conflate" in s, "routingId" in s, s.linger]
    })
  }
  conform("Socket: a fractional type is truncated", (zmq, t) => t.track(new (ctor(zmq, "Socket"))(8.7)).type, { expect: 8 })
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

  conform("Context: constructor argument errors", (_zmq, t) =>
    attemptsInChild(t, {
      number: "new zmq.Context(5)",
      null: "new zmq.Context(null)",
      two: "new zmq.Context({}, 1)",
      withoutNew: "zmq.Context()",
      unknown: "new zmq.Context({ foo: 1 })",
      readOnly: "new zmq.Context({ maxSocketsLimit: 1 })",
      wrongType: 'new zmq.Context({ ioThreads: "x" })',
      outOfRange: "new zmq.Context({ ioThreads: -1 })",
      emfile: "const c = new zmq.Context({ maxSockets: 1 }); new zmq.Dealer({ context: c }); new zmq.Dealer({ context: c })",
    }), {
    timeout: CHILD_CASE_TIMEOUT,
    expect: {
      number: TYPE_ERROR("Options must be an object"),
      null: TYPE_ERROR("Options must be an object"),
      two: TYPE_ERROR("Expected 1 argument but received 2"),
      withoutNew: TYPE_ERROR("Class constructors cannot be invoked without 'new'"),
      unknown: TYPE_ERROR("Cannot add property foo, object is not extensible"),
      readOnly: TYPE_ERROR("Cannot set property maxSocketsLimit of #<Context> which has only a getter"),
      wrongType: TYPE_ERROR("Option value must be a number"),
      outOfRange: EINVAL,
      emfile: { sync: "throw", error: { isError: true, isTypeError: false, isRangeError: false, code: "EMFILE", errno: 24, message: "Too many open file descriptors" } },
    },
  })
  conform("Context: options applied", (zmq) => {
    const c = new zmq.Context({ ioThreads: 2, maxSockets: 10, maxMessageSize: 100, ipv6: true, blocky: false, threadPriority: 1 })
    return [c.ioThreads, c.maxSockets, c.maxMessageSize, c.ipv6, c.blocky, c.maxSocketsLimit, Object.isExtensible(c)]
  }, { expect: [2, 10, 100, true, false, 65535, false] })
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
