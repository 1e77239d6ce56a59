import { describe } from "node:test"
import { conformV5, plain } from "./v5-harness.js"

const TYPES = ["pair", "req", "rep", "pub", "sub", "dealer", "xreq", "router", "xrep", "pull", "push", "xpub", "xsub", "stream"] as const

void describe("conformance v5: module exports", () => {
  conformV5("the module's names (besides an ES default export)", (zmq) =>
    Object.keys(zmq).filter((k) => k !== "default").sort(),
  )
  conformV5("every exported constant's value", (zmq) => {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(zmq)) if (typeof v === "number") out[k] = v
    return out
  })
  conformV5("the options map of short names", (zmq) => ({ ...zmq.options }))
  conformV5("the kinds of the exports", (zmq) =>
    Object.fromEntries(Object.entries(zmq).filter(([k]) => k !== "default").map(([k, v]) => [k, typeof v])),
  )
  conformV5("socket and createSocket are the same function", (zmq) => zmq.socket === zmq.createSocket, { expect: true })
  conformV5("version is libzmq's", (zmq) => zmq.version, { expect: "4.3.5" })
  conformV5("curveKeypair gives 40-character Z85 keys under public/secret", (zmq) => {
    const k = zmq.curveKeypair()
    return { keys: Object.keys(k).sort(), lengths: [k.public.length, k.secret.length], differ: k.public !== k.secret }
  })
  conformV5("Context cannot be constructed", (zmq, t) => t.attempt(() => new zmq.Context()))
  conformV5("Context statics read the global context", (zmq) => ({ threads: zmq.Context.getMaxThreads(), sockets: zmq.Context.getMaxSockets() }))
  conformV5("Context.setMaxSockets/setMaxThreads round trip", (zmq) => {
    const before = [zmq.Context.getMaxThreads(), zmq.Context.getMaxSockets()] as const
    zmq.Context.setMaxSockets(512)
    zmq.Context.setMaxThreads(2)
    const after = [zmq.Context.getMaxThreads(), zmq.Context.getMaxSockets()]
    zmq.Context.setMaxThreads(before[0])
    zmq.Context.setMaxSockets(before[1])
    return after
  })
  conformV5("Context.setMaxThreads(-1) fails as the context option does", (zmq, t) => t.attempt(() => zmq.Context.setMaxThreads(-1)))
  conformV5("Context.setMaxSockets('x') is a TypeError", (zmq, t) => t.attempt(() => zmq.Context.setMaxSockets("x" as unknown as number)))
})

void describe("conformance v5: sockets", () => {
  for (const type of TYPES) {
    conformV5(`socket("${type}"): type, closed, an EventEmitter`, (zmq, t) => {
      const s = t.track(zmq.socket(type))
      return { type: s.type, closed: s.closed, emitter: typeof s.on === "function", isSocket: s instanceof zmq.Socket }
    })
    conformV5(`socket("${type}") closes`, (zmq) => {
      const s = zmq.socket(type)
      const r = s.close() === s
      return { r, closed: s.closed, again: s.close() === s }
    })
  }
  conformV5("an unknown socket type", (zmq, t) => t.attempt(() => zmq.socket("bogus" as "pair")))
  conformV5("new Socket(type) works as socket(type)", (zmq, t) => t.track(new zmq.Socket("dealer")).type, { expect: "dealer" })
  conformV5("createSocket with options by short name", (zmq, t) => {
    const s = t.track(zmq.createSocket("dealer", { identity: "me", linger: 0, sndbuf: 4096 }))
    return [s.getsockopt("identity"), s.linger, s.sndbuf].map(plain)
  })
  conformV5("createSocket with an unknown option name just sets a property", (zmq, t) => {
    const s = t.track(zmq.createSocket("dealer", { nosuch: 5 }))
    return s.nosuch
  })
  // createSocket would throw the same, but leave its open socket (which keeps the process alive) out of reach.
  conformV5("a bad option value, as createSocket sets it", (zmq, t) => {
    const s = t.track(zmq.socket("dealer"))
    return t.attempt(() => {
      ;(s as Record<string, unknown>).linger = true
    })
  })
  conformV5("read() is gone", (zmq, t) => t.attempt(() => t.track(zmq.socket("pull")).read()))
  conformV5("subscribe on a non-SUB socket", (zmq, t) => t.attempt(() => t.track(zmq.socket("xsub")).subscribe("a")))
  conformV5("unsubscribe on a non-SUB socket", (zmq, t) => t.attempt(() => t.track(zmq.socket("pub")).unsubscribe("a")))
  conformV5("subscribe/unsubscribe on SUB return the socket", (zmq, t) => {
    const s = t.track(zmq.socket("sub"))
    return [s.subscribe("a") === s, s.unsubscribe("a") === s, s.subscribe("") === s]
  })
  conformV5("monitor() with arguments warns", async (zmq, t) => {
    const s = t.track(zmq.socket("pull"))
    s.monitor(10, 0)
    await new Promise((r) => setImmediate(r))
    const error = t.next(s, "error")
    s.unmonitor()
    // zeromq's event reader reports the closed observer as an error.
    return { warnings: t.warnings(), error: await error }
  })
  conformV5("monitor() and unmonitor() return the socket", async (zmq, t) => {
    const s = t.track(zmq.socket("pull"))
    const error = t.next(s, "error")
    return [s.monitor() === s, s.unmonitor() === s, await error]
  })
  conformV5("unmonitor() without monitor()", (zmq, t) => t.attempt(() => t.track(zmq.socket("pull")).unmonitor()))
  for (const [a, b] of [["pub", "sub"], ["dealer", "router"], ["pair", "pair"], ["xsub", "xpub"], ["req", "rep"]] as const) {
    conformV5(`proxy(${a}, ${b}) is refused`, (zmq, t) => t.attempt(() => zmq.proxy(t.track(zmq.socket(a)), t.track(zmq.socket(b)))))
  }
  for (const [a, b] of [["push", "pull"], ["pull", "push"], ["xpub", "xsub"], ["router", "dealer"], ["xrep", "xreq"]] as const) {
    conformV5(`proxy(${a}, ${b}) is accepted`, (zmq, t) => t.attempt(() => zmq.proxy(t.track(zmq.socket(a)), t.track(zmq.socket(b)))))
  }
})
