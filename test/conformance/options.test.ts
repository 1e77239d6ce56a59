/**
 * Socket options as zeromq.js has them: which class has which option,
 * defaults, round trips, read-only and unknown names, closed sockets.
 */
import { describe } from "node:test"
import { conform, type CaseContext } from "./harness.js"
import { attemptInChild, CHILD_CASE_TIMEOUT } from "./child.js"
import { make, OPTION_VALUES, READ_ONLY, SOCKET_CLASSES, UNKNOWN, type AnySocket } from "./classes.js"

/** zeromq.js cannot read CURVE keys back (EINVAL); core-parity.test.ts covers them. */
const CURVE_KEYS = new Set(["curvePublicKey", "curveSecretKey", "curveServerKey"])
const NAMES = Object.keys(OPTION_VALUES).filter((n) => !CURVE_KEYS.has(n))

async function read(t: CaseContext, s: AnySocket, name: string): Promise<unknown> {
  const a = await t.attempt(() => s[name], (v) => (v === undefined ? "undefined" : v))
  return a
}

void describe("conformance: socket options", () => {
  for (const cls of SOCKET_CLASSES) {
    conform(`${cls}: every option's default (or absence)`, async (zmq, t) => {
      const s = t.track(make(zmq, cls))
      const out: Record<string, unknown> = {}
      for (const name of [...NAMES, "type", "lastEndpoint", "securityMechanism", "threadSafe", "closed", "readable", "writable"]) {
        out[name] = await read(t, s, name)
      }
      return out
    })

    conform(`${cls}: every option set to a valid value and read back`, async (zmq, t) => {
      const out: Record<string, unknown> = {}
      for (const name of NAMES) {
        const s = t.track(make(zmq, cls))
        out[name] = [await t.attempt(() => (s[name] = OPTION_VALUES[name])), await read(t, s, name)]
      }
      return out
    })

    // zeromq.js crashes at exit after a constructor threw: observed in a child process.
    conform(`${cls}: every option in the constructor`, (_zmq, t) =>
      attemptInChild(t, `
        const out = {}
        for (const [name, value] of Object.entries(${JSON.stringify(Object.fromEntries(NAMES.map((n) => [n, OPTION_VALUES[n]])))})) {
          try {
            const s = new zmq.${cls}({ [name]: value, linger: 0 })
            try { out[name] = s[name] ?? "nullish" } catch (e) { out[name] = "get: " + e.message }
            s.close()
          } catch (e) {
            out[name] = (e instanceof TypeError ? "TypeError: " : "Error: ") + e.message
          }
        }
        return out
      `), { timeout: CHILD_CASE_TIMEOUT })

    conform(`${cls}: an unknown option cannot be assigned`, (zmq, t) => {
      const s = t.track(make(zmq, cls))
      return t.attempt(() => (s[UNKNOWN] = 1))
    }, { expect: { sync: "throw", error: { isError: true, isTypeError: true, isRangeError: false, message: `Cannot add property ${UNKNOWN}, object is not extensible` } } })

    conform(`${cls}: read-only properties cannot be assigned`, async (zmq, t) => {
      const s = t.track(make(zmq, cls))
      const out: Record<string, unknown> = {}
      for (const name of READ_ONLY) out[name] = await t.attempt(() => (s[name] = 1))
      return out
    })

    conform(`${cls}: options of a closed socket`, async (zmq, t) => {
      const s = make(zmq, cls)
      s.close()
      const out: Record<string, unknown> = {}
      for (const name of ["linger", "sendHighWaterMark", "receiveTimeout", "routingId", "type", "lastEndpoint", "threadSafe", "securityMechanism", "immediate", "zapDomain"]) {
        out[name] = [await read(t, s, name), await t.attempt(() => (s[name] = OPTION_VALUES[name] ?? 1))]
      }
      out.context = s.context === undefined
      out.closed = s.closed
      return out
    })

    conform(`${cls}: own properties and extensibility`, (zmq, t) => {
      const s = t.track(make(zmq, cls))
      return [Object.isExtensible(s), Object.isSealed(s), Object.keys(s)]
    }, { expect: [false, true, []] })
  }

  // Options carried as C strings: UTF-8 both ways.
  for (const [cls, name] of [["Dealer", "routingId"], ["Router", "routingId"], ["Request", "routingId"], ["Reply", "routingId"], ["Push", "zapDomain"], ["Pull", "plainUsername"], ["Pair", "plainPassword"], ["Dealer", "socksProxy"]] as const) {
    conform(`${cls}: ${name} round-trips non-ASCII text as UTF-8`, async (zmq, t) => {
      const s = t.track(make(zmq, cls))
      const values = ["été", "日本語", "😀x", "a\u0000b"]
      const out: unknown[] = []
      for (const v of values) out.push([await t.attempt(() => (s[name] = v)), s[name]])
      out.push([await t.attempt(() => (s[name] = Buffer.from([0xc3, 0xa9]))), s[name]])
      return out
    })
  }
  conform("Dealer: routingId of 255 UTF-8 bytes is accepted, 256 is not", async (zmq, t) => {
    const s = t.track(make(zmq, "Dealer"))
    return [await t.attempt(() => (s.routingId = "é".repeat(127) + "x")), await t.attempt(() => (s.routingId = "é".repeat(128)))]
  })
  conform("XPublisher: verbosity is write-only", async (zmq, t) => {
    const s = t.track(make(zmq, "XPublisher"))
    const out: unknown[] = []
    for (const v of [null, "allSubs", "allSubsUnsubs", "other", 5]) out.push(await t.attempt(() => (s.verbosity = v)))
    out.push(s.verbosity === undefined)
    return out
  })
  conform("Subscriber: linger defaults to 0 (libzmq's SUB)", (zmq, t) => [t.track(make(zmq, "Subscriber")).linger, t.track(make(zmq, "XSubscriber")).linger])
})
