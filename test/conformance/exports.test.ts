/**
 * The main entry exports exactly zeromq.js's names; `import zmq from` works
 * as for zeromq (its CommonJS module as default); zmq-ts's additions live in
 * `zmq-ts/util`.
 */
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { attemptInChild, CHILD_CASE_TIMEOUT } from "./child.js"
import { conform } from "./harness.js"

/** Names an ES module namespace of a CommonJS module has besides its exports. */
const INTEROP = new Set(["default", "__esModule", "module.exports"])

void describe("conformance: exports", () => {
  conform("the main entry's names", (zmq) => Object.keys(zmq).filter((k) => !INTEROP.has(k)).sort(), {
    expect: ["Context", "Dealer", "Observer", "Pair", "Proxy", "Publisher", "Pull", "Push", "Reply", "Request", "Router", "Socket", "Stream", "Subscriber", "XPublisher", "XSubscriber", "capability", "context", "curveKeyPair", "version"],
  })
  // In Node's own ESM loader (a TypeScript loader may hand zeromq.js's
  // __esModule-marked CommonJS exports over without a default).
  conform("the default export holds the same values", (_zmq, t) =>
    attemptInChild(t, `
      const names = Object.keys(zmq).filter((k) => !["default", "__esModule", "module.exports"].includes(k))
      return [typeof zmq.default, names.filter((k) => zmq.default[k] !== zmq[k])]
    `), { timeout: CHILD_CASE_TIMEOUT, expect: { sync: "return", value: ["object", []] } })
  conform("kinds of the exports", (zmq) => ({
    classes: ["Context", "Socket", "Observer", "Proxy", "Push"].map((k) => typeof (zmq as unknown as Record<string, unknown>)[k]),
    names: ["Context", "Socket", "Observer", "Proxy", "Push", "XPublisher"].map((k) => ((zmq as unknown as Record<string, { name: string }>)[k]!).name),
    version: typeof zmq.version,
    capability: Object.keys(zmq.capability).sort(),
    context: zmq.context instanceof zmq.Context,
    keyPair: Object.keys(zmq.curveKeyPair()).sort(),
    socket: new zmq.Push() instanceof zmq.Socket,
  }))
  conform("a Request is no Dealer and a Stream no Router", (zmq, t) => {
    const req = t.track(new zmq.Request())
    const stream = t.track(new zmq.Stream())
    return [req instanceof (zmq.Dealer as unknown as typeof zmq.Request), stream instanceof (zmq.Router as unknown as typeof zmq.Stream)]
  }, { expect: [false, false] })
})

void describe("zmq-ts: the util entry", () => {
  void it("holds the additions", async () => {
    const util = await import("../../src/util.js")
    assert.deepEqual(Object.keys(util).sort(), ["SOCKET_OPTIONS", "SocketType", "TRACE_CHANNELS", "ZmqError", "z85Decode", "z85Encode"])
  })
  void it("package.json maps zmq-ts/util for import and require", async () => {
    const { readFile } = await import("node:fs/promises")
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { exports: Record<string, { import: { default: string }; require: { default: string } }> }
    assert.equal(pkg.exports["./util"]?.import.default, "./dist/esm/util.js")
    assert.equal(pkg.exports["./util"]?.require.default, "./dist/cjs/util.js")
  })
})
