/**
 * Option values zeromq.js converts or refuses: wrong JS types, out of range,
 * huge and fractional numbers; and the warning for options set after a bind
 * that only apply to later connections. Context options too.
 */
import { describe } from "node:test"
import { conform, type CaseContext } from "./harness.js"
import { make, OPTION_VALUES, type AnySocket, type SocketClassName } from "./classes.js"

/** A class that has each option (zeromq.js defines some on a few classes only). */
const HOME: Record<string, SocketClassName> = {
  mandatory: "Router", handover: "Router", probeRouter: "Dealer", correlate: "Request", relaxed: "Request",
  conflate: "Pull", noDrop: "Publisher", manual: "XPublisher", welcomeMessage: "XPublisher", notify: "Stream",
  invertMatching: "Subscriber",
}
const EXCLUDED = new Set(["curvePublicKey", "curveSecretKey", "curveServerKey", "gssapiServer", "gssapiPrincipal"])
const NAMES = Object.keys(OPTION_VALUES).filter((n) => !EXCLUDED.has(n))

const PROBES: readonly unknown[] = [
  "x", "5", "", null, undefined, true, 0, 1, -1, -2, 1.5, -0.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40, -(2 ** 31), NaN, Infinity, {},
  Buffer.from("ab"), Buffer.alloc(0), "x".repeat(255), "x".repeat(256),
]

function describeValue(v: unknown): string {
  if (Buffer.isBuffer(v)) return `Buffer(${v.length})`
  if (typeof v === "string" && v.length > 10) return `string(${v.length})`
  return typeof v === "number" || v === null || v === undefined ? String(v) : JSON.stringify(v)
}

async function probe(t: CaseContext, s: AnySocket, name: string, value: unknown): Promise<unknown> {
  const set = await t.attempt(() => (s[name] = value))
  let got: unknown
  try {
    got = s[name]
    if (typeof got === "string" && got.length > 10) got = `string(${got.length})`
    if (got === undefined) got = "undefined"
  } catch (err) {
    got = `throws ${(err as Error).message}`
  }
  return { value: describeValue(value), set, got }
}

void describe("conformance: option values", () => {
  for (const name of NAMES) {
    const cls = HOME[name] ?? "Dealer"
    conform(`${cls}.${name}: wrong types, ranges and conversions`, async (zmq, t) => {
      const s = t.track(make(zmq, cls))
      const out: unknown[] = []
      for (const v of PROBES) out.push(await probe(t, s, name, v))
      return out
    })
  }

  for (const name of NAMES.filter((n) => n !== "curveServer")) {
    const cls = HOME[name] ?? "Dealer"
    conform(`${cls}.${name}: set after bind warns only if it applies to later connections`, async (zmq, t) => {
      const s = t.track(make(zmq, cls))
      const before = await t.attempt(() => (s[name] = OPTION_VALUES[name]))
      await s.bind(t.endpoint("inproc"))
      const after = await t.attempt(() => (s[name] = OPTION_VALUES[name]))
      await new Promise((r) => setImmediate(r))
      return { before, after, warnings: t.warnings() }
    })
  }

  conform("Dealer: a CURVE server without a secret key cannot bind", async (zmq, t) => {
    const s = t.track(make(zmq, "Dealer", { curveServer: true }))
    return t.attempt(() => s.bind(t.endpoint("inproc")))
  }, {
    differs: "zeromq.js binds, then every handshake fails; zmq-ts refuses the bind (EINVAL) since no connection could work",
    expect: { sync: "return", async: "reject", error: { isError: true, isTypeError: false, isRangeError: false, code: "EINVAL", errno: 22, message: "a CURVE server needs curveSecretKey" } },
  })
  conform("Dealer: the warning follows connect() too, once per assignment", async (zmq, t) => {
    const s = t.track(make(zmq, "Dealer", { linger: 0 }))
    s.connect("tcp://127.0.0.1:1")
    s.immediate = true
    s.immediate = false
    s.linger = 0
    await new Promise((r) => setImmediate(r))
    return t.warnings()
  })
  conform("Dealer: no warning after unbinding the only endpoint", async (zmq, t) => {
    const s = t.track(make(zmq, "Dealer"))
    const address = t.endpoint("ipc")
    await s.bind(address)
    await (s.unbind as (a: string) => Promise<void>)(address)
    s.immediate = true
    await new Promise((r) => setImmediate(r))
    return t.warnings()
  }, { expect: [] })

  const CONTEXT: Record<string, unknown> = { ioThreads: 2, maxSockets: 100, maxMessageSize: 1000, ipv6: true, blocky: false, threadPriority: 1, threadSchedulingPolicy: 1 }
  for (const name of Object.keys(CONTEXT)) {
    conform(`Context.${name}: types, ranges and read back`, async (zmq, t) => {
      const out: unknown[] = []
      for (const v of [CONTEXT[name], ...PROBES.slice(0, 20)]) {
        const c = new zmq.Context() as unknown as AnySocket
        const set = await t.attempt(() => (c[name] = v))
        out.push({ value: describeValue(v), set, got: c[name] === undefined ? "undefined" : c[name] })
      }
      return out
    })
  }
  conform("Context: defaults", (zmq) => {
    const c = new zmq.Context() as unknown as AnySocket
    return ["ioThreads", "maxSockets", "maxSocketsLimit", "maxMessageSize", "ipv6", "blocky", "threadPriority", "threadSchedulingPolicy"].map((n) => c[n] ?? "undefined")
  })
  conform("Context: unknown and read-only assignments", async (zmq, t) => {
    const c = new zmq.Context() as unknown as AnySocket
    return [await t.attempt(() => (c.foo = 1)), await t.attempt(() => (c.maxSocketsLimit = 1)), Object.isExtensible(c), Object.keys(c)]
  })
  conform("Context: the default context's options", (zmq) => [zmq.context.ioThreads, zmq.context.maxSockets, zmq.context.blocky])
})

void describe("conformance: XPublisher verbosity after bind", () => {
  for (const v of [null, "allSubs", "allSubsUnsubs"]) {
    conform(`XPublisher.verbosity = ${String(v)} after bind`, async (zmq, t) => {
      const s = t.track(make(zmq, "XPublisher"))
      await s.bind(t.endpoint("inproc"))
      const set = await t.attempt(() => (s.verbosity = v))
      await new Promise((r) => setImmediate(r))
      return { set, warnings: t.warnings().length }
    })
  }
})
