/**
 * Socket state as zeromq.js keeps it: `closed` across bind/unbind, the
 * context reference after close, and options set after bind() that could
 * only fail later (a bad CURVE key or PLAIN credential must fail in the
 * setter, never in a connection's callback).
 */
import assert from "node:assert/strict"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { describe, it } from "node:test"
import { conform } from "./harness.js"
import { make, SOCKET_CLASSES } from "./classes.js"
import * as zt from "../../src/index.js"

void describe("conformance: socket state", () => {
  for (const cls of SOCKET_CLASSES) {
    conform(`${cls}: closed stays false through bind, failed bind and unbind, true after close`, async (zmq, t) => {
      const s = make(zmq, cls)
      const seen: unknown[] = [s.closed]
      const address = t.endpoint("ipc")
      await s.bind(address)
      seen.push(s.closed)
      // (The error itself is another matter: zeromq.js reports ENODEV here.)
      const failed = await t.attempt(() => s.bind("tcp://256.0.0.1:1"))
      seen.push([failed.sync, "async" in failed ? failed.async : undefined])
      seen.push(s.closed)
      await (s.unbind as (a: string) => Promise<void>)(address)
      seen.push(s.closed)
      s.close()
      seen.push(s.closed, s.context === undefined)
      s.close()
      seen.push(s.closed)
      return seen
    })
  }
  conform("Dealer: closed stays false after a failed connect", async (zmq, t) => {
    const s = t.track(make(zmq, "Dealer"))
    return [await t.attempt(() => s.connect("nope://x")), s.closed]
  })

  // The hardening finding: zeromq.js throws EINVAL from the setter; nothing
  // may reach a later connection and throw there.
  const BAD: [string, unknown][] = [
    ["curveSecretKey", "not a key"],
    ["curvePublicKey", " ".repeat(40)],
    ["curveServerKey", Buffer.alloc(31)],
    ["curveSecretKey", "0".repeat(39)],
    ["plainUsername", "u".repeat(256)],
    ["plainPassword", "p".repeat(300)],
  ]
  for (const [name, value] of BAD) {
    conform(`Dealer: an invalid ${name} assigned after bind throws in the setter; connections still work`, async (zmq, t) => {
      const server = t.track(make(zmq, "Dealer", { linger: 0 }))
      const address = t.endpoint("tcp")
      await server.bind(address)
      const set = await t.attempt(() => (server[name] = value))
      const client = t.track(make(zmq, "Dealer", { linger: 0 }))
      client.connect(server.lastEndpoint as string)
      await (client.send as (m: string) => Promise<void>)("ping")
      const got = await (server.receive as () => Promise<Buffer[]>)()
      return { set, got: got.map(String), mechanism: server.securityMechanism }
    }, { expect: { set: { sync: "throw", error: { isError: true, isTypeError: false, isRangeError: false, code: "EINVAL", errno: 22, message: "Invalid argument" } }, got: ["ping"], mechanism: null } })
  }
})

/** In a function of its own, so that no frame of the test keeps the objects alive. */
async function makeAndClose(): Promise<{ ctx: WeakRef<object>; sock: WeakRef<object> }> {
  const ctx = new zt.Context()
  const sock = new zt.Dealer({ context: ctx, linger: 0 })
  await sock.bind(`inproc://gc-${process.pid}`)
  sock.close()
  // A closed socket holds no context, as zeromq.js's.
  assert.equal(sock.context, undefined)
  await new Promise((r) => setImmediate(r))
  return { ctx: new WeakRef(ctx), sock: new WeakRef(sock) }
}

void describe("zmq-ts: a closed socket lets its context be collected", () => {
  void it("socket and context are garbage collected after close", async () => {
    setFlagsFromString("--expose-gc")
    const gc = runInNewContext("gc") as () => void
    const refs = await makeAndClose()
    for (let i = 0; i < 10 && (refs.ctx.deref() !== undefined || refs.sock.deref() !== undefined); i++) {
      await new Promise((r) => setImmediate(r))
      gc()
    }
    assert.equal(refs.sock.deref(), undefined, "socket collected")
    assert.equal(refs.ctx.deref(), undefined, "context collected")
  })
})

void describe("conformance: security mechanism selection", () => {
  const SEQUENCES: [string, unknown][][] = [
    [["curveServer", true], ["plainServer", true]],
    [["plainServer", true], ["curveServer", true]],
    [["curveServer", true], ["curveServer", false]],
    [["plainUsername", "u"]],
    [["plainPassword", "p"]],
    [["plainServer", true], ["plainUsername", "u"]],
    [["plainUsername", "u"], ["plainServer", false]],
    [["curveServer", true], ["plainUsername", "u"]],
    [["plainServer", true], ["plainServer", false]],
    [["zapDomain", "x"]],
  ]
  for (const seq of SEQUENCES) {
    conform(`the last security option wins: ${seq.map(([k, v]) => `${k}=${String(v)}`).join(", ")}`, (zmq, t) => {
      const s = t.track(make(zmq, "Dealer"))
      for (const [k, v] of seq) s[k] = v
      return [s.securityMechanism, s.plainServer, s.curveServer]
    })
  }
})
