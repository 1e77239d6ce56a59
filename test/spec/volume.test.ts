/**
 * Correctness under speed (issue "Performance", deliverable 4): millions of
 * small messages through each transport, every one checked for count, order
 * and content, while batching, zero-copy views and async iteration are all
 * on their fast paths.
 */
import assert from "node:assert/strict"
import { Pull, Push } from "../../src/index.js"
import { bindFresh, eachTransport } from "../helpers/transports.js"
import { scaled } from "../helpers/time.js"

const COUNT = 2_000_000

/** 16-byte message: 8-byte sequence number and its bitwise complement. */
function encode(buf: Buffer, i: number): void {
  buf.writeUInt32BE(Math.floor(i / 0x1_0000_0000), 0)
  buf.writeUInt32BE(i >>> 0, 4)
  buf.writeUInt32BE(~Math.floor(i / 0x1_0000_0000) >>> 0, 8)
  buf.writeUInt32BE(~i >>> 0, 12)
}

eachTransport(
  `${COUNT.toLocaleString("en")} small messages arrive complete, in order and unaltered`,
  async (t) => {
    const pull = new Pull({ linger: 0 })
    const push = new Push({ linger: 0 })
    try {
      const endpoint = await bindFresh(pull, t)
      push.connect(endpoint)
      // One buffer reused for every send: zmq-ts must copy small frames at
      // send(), as zeromq.js does, or later sends would overwrite queued ones.
      const out = Buffer.alloc(16)
      const sender = (async () => {
        for (let i = 0; i < COUNT; i++) {
          encode(out, i)
          await push.send(out)
        }
      })()
      let n = 0
      for await (const msg of pull) {
        // Plain comparisons in the loop; assert only builds a report on failure.
        const f = msg[0]!
        if (msg.length !== 1 || f.length !== 16 || f.readUInt32BE(4) !== n >>> 0 || f.readUInt32BE(12) !== ~n >>> 0 || f.readUInt32BE(0) !== 0 || f.readUInt32BE(8) !== 0xffffffff) {
          const expected = Buffer.alloc(16)
          encode(expected, n)
          assert.fail(`message ${n}: got ${msg.length} frame(s) ${f.toString("hex")}, want ${expected.toString("hex")}`)
        }
        if (++n === COUNT) break
      }
      await sender
      assert.equal(n, COUNT)
      assert.equal(pull.readable, false, "nothing beyond the last message")
    } finally {
      push.close()
      pull.close()
    }
  },
  { timeout: scaled(120_000) },
)
