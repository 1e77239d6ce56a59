/**
 * What send() makes of each kind of value zeromq.js accepts: the bytes a
 * peer receives, or the error. Values are built per library run (fresh
 * buffers), and each case runs over every transport.
 */
import { describe } from "node:test"
import { ALL_TRANSPORTS, conform, conformEach } from "./harness.js"

const VALUES: Record<string, () => unknown> = {
  string: () => "héllo ✓",
  emptyString: () => "",
  integer: () => 42,
  float: () => 1.5,
  negativeZero: () => -0,
  nan: () => NaN,
  null: () => null,
  boolean: () => true,
  object: () => ({ a: 1 }),
  objectWithToString: () => ({ toString: () => "custom" }),
  bigint: () => 10n,
  date: () => new Date(0),
  function: () => function f() {},
  buffer: () => Buffer.from([1, 2, 3]),
  emptyBuffer: () => Buffer.alloc(0),
  largeBuffer: () => Buffer.alloc(300, 7),
  uint8Array: () => new Uint8Array([4, 5, 6]),
  uint8Subarray: () => new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 3),
  uint16Array: () => new Uint16Array([1, 0x203]),
  float64Array: () => new Float64Array([1.5]),
  int32Subarray: () => new Int32Array([1, 2, 3]).subarray(1),
  largeTypedArray: () => new Uint32Array(100).fill(0x01020304),
  arrayBuffer: () => new Uint8Array([9, 8, 7]).buffer,
  largeArrayBuffer: () => new Uint8Array(200).fill(3).buffer,
  bufferOfLargerPool: () => Buffer.from("pooled"),
  multipart: () => ["a", Buffer.from("b"), 3, null],
  nestedArray: () => [[1, 2], "x"],
  arrayWithUndefined: () => ["a", undefined],
  arrayWithObject: () => [{}, "x"],
  singleElementArray: () => ["only"],
  symbol: () => Symbol("s"),
  arrayWithSymbol: () => ["a", Symbol("s")],
}

const summary = (frames: Buffer[]): unknown => frames.map((f) => (f.length > 24 ? { length: f.length, sum: f.reduce((a, b) => a + b, 0) } : [...f]))

void describe("conformance: send() values", () => {
  for (const [name, make] of Object.entries(VALUES)) {
    conformEach(ALL_TRANSPORTS, `send(${name})`, async (zmq, t, transport) => {
      const pull = t.track(new zmq.Pull())
      await pull.bind(t.endpoint(transport))
      const push = t.track(new zmq.Push())
      push.connect(pull.lastEndpoint!)
      const sent = await t.attempt(() => push.send(make() as string))
      // A marker after the value tells "nothing was sent" from a late message.
      await push.send("end")
      const received: unknown[] = []
      for (;;) {
        const msg = await pull.receive()
        if (msg.length === 1 && msg[0]!.toString() === "end") break
        received.push(summary(msg))
      }
      return { sent, received }
    })
  }
  conformEach(ALL_TRANSPORTS, "send([]) sends nothing and resolves", async (zmq, t, transport) => {
    const pull = t.track(new zmq.Pull())
    await pull.bind(t.endpoint(transport))
    const push = t.track(new zmq.Push())
    push.connect(pull.lastEndpoint!)
    const sent = await t.attempt(() => push.send([]))
    await push.send("end")
    return { sent, next: (await pull.receive()).map(String) }
  }, { expect: { sent: { sync: "return", async: "resolve" }, next: ["end"] } })
  conformEach(ALL_TRANSPORTS, "a small buffer changed after send() arrives as it was; received frames are Buffers", async (zmq, t, transport) => {
    const pull = t.track(new zmq.Pull())
    await pull.bind(t.endpoint(transport))
    const push = t.track(new zmq.Push())
    push.connect(pull.lastEndpoint!)
    const buf = Buffer.from("abc")
    const p = push.send(buf)
    buf.fill(0)
    await p
    const [frame] = await pull.receive()
    return { isBuffer: Buffer.isBuffer(frame), text: frame!.toString() }
  }, { expect: { isBuffer: true, text: "abc" } })
  // zeromq.js sends a SharedArrayBuffer as the text "[object SharedArrayBuffer]"
  // and throws a bare Error("Invalid argument") for a DataView: no program
  // can rely on either, so zmq-ts sends their bytes (README).
  const sab = (): SharedArrayBuffer => {
    const b = new SharedArrayBuffer(3)
    new Uint8Array(b).set([1, 2, 3])
    return b
  }
  for (const [name, make] of [["SharedArrayBuffer", sab], ["DataView", () => new DataView(new Uint8Array([1, 2, 3]).buffer)]] as const) {
    conform(`send(${name}) sends its bytes`, async (zmq, t) => {
      const pull = t.track(new zmq.Pull())
      await pull.bind(t.endpoint("inproc"))
      const push = t.track(new zmq.Push())
      push.connect(pull.lastEndpoint!)
      await push.send(make())
      return (await pull.receive()).map((f) => [...f])
    }, { differs: "zeromq.js does not send the bytes of a SharedArrayBuffer or DataView", expect: [[1, 2, 3]] })
  }
})
