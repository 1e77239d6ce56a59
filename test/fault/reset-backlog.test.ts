/**
 * A connection reset while messages are backed up: the proxy stalls what a
 * PUSH sends until the PUSH blocks, then resets the connection and lets the
 * reconnect through. Messages still queued in the PUSH (not `immediate`)
 * must survive the reconnect; only what had already been handed to the
 * kernel can be lost, as with libzmq.
 *
 * The same run with a `zeromq` PUSH (libzmq 4.3.5) gives the reference: its
 * loss is what the kernel buffers held (its engine keeps one 8 KiB batch
 * outside the pipe). zmq-ts may lose about as much (twice, to allow for
 * kernel buffer autotuning), not more.
 *
 * What zmq-ts loses, measured at the reset (issue #16): Node's stream held
 * one write of 262,382 bytes, of which libuv still held 200,654 (never
 * accepted by the kernel). The engine now puts the messages wholly in that
 * part back at the front of the pipe (src/engine/unsent.ts): 194 more
 * delivered, 4,318 -> 4,124 lost, never a duplicate or a partial message
 * (asserted below: what arrives is the tail of what was accepted, in
 * order). The rest, ~4.1 MB, was in kernel buffers (the PUSH's send buffer
 * and the proxy's receive buffer), about 1.2 MB more than with libzmq
 * (2,790-2,834 lost): Linux autotunes them per connection and Node cannot
 * set SO_SNDBUF on a TCP socket.
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import { guarded, indexOf, nextTurn, numbered, type Impl, type Resources } from "./support.js"
import { scaled } from "../helpers/time.js"

const ATTEMPTS = 40_000
const SIZE = 1024
const HWM = 1000

interface Loss {
  accepted: number
  delivered: number
  lost: number
  /** Indices of the messages delivered after the reconnect, in order of arrival. */
  indices: number[]
}

async function lossOnReset(r: Resources, impl: Impl): Promise<Loss> {
  const sender = r.sock(impl, "PUSH", { reconnectInterval: 20, sendHighWaterMark: HWM })
  const receiver = r.sock("zmq-ts", "PULL", { reconnectInterval: 20 })
  const proxy = await r.proxy(await receiver.bind())
  sender.connect(proxy.endpoint)
  await Promise.all([sender.log.wait("handshake"), receiver.log.wait("handshake")])

  proxy.stall("c2s")
  sender.sendTimeout = 0
  let accepted = 0
  const acceptedIndices: number[] = []
  const stackTraceLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0 // thousands of EAGAIN rejections
  try {
    for (let i = 0; i < ATTEMPTS; i++) {
      try {
        await sender.send(numbered(i, SIZE))
        accepted++
        acceptedIndices.push(i)
      } catch {
        // EAGAIN: every queue is full
      }
      if (i % 1000 === 999) await nextTurn()
    }
  } finally {
    Error.stackTraceLimit = stackTraceLimit
  }
  assert.equal(sender.writable, false, "the PUSH is blocked")

  const mark = sender.log.mark()
  proxy.reset()
  proxy.unstall("c2s")
  await sender.log.wait("handshake", { since: mark })
  sender.sendTimeout = -1
  await sender.send(numbered(0xffffffff, SIZE))
  const indices: number[] = []
  for (;;) {
    const index = indexOf((await receiver.receive())[0]!)
    if (index === 0xffffffff) break
    indices.push(index)
  }
  // Whatever survived is the tail of what was accepted, in order, each once:
  // what was lost (in kernel buffers, or partly sent) is one run before it.
  assert.deepEqual(indices, acceptedIndices.slice(acceptedIndices.length - indices.length), `${impl}: delivered after the reconnect`)
  return { accepted, delivered: indices.length, lost: accepted - indices.length, indices }
}

void test("a reset with a backlog: zmq-ts PUSH loses no more queued messages than libzmq", { timeout: scaled(40_000) }, (t) =>
  guarded(30_000, async (r) => {
    const ref = await lossOnReset(r, "zeromq")
    const ts = await lossOnReset(r, "zmq-ts")
    t.diagnostic(
      `zeromq PUSH: ${ref.accepted} accepted while stalled, ${ref.delivered} delivered after the reconnect, ${ref.lost} lost; ` +
        `zmq-ts PUSH: ${ts.accepted} accepted, ${ts.delivered} delivered, ${ts.lost} lost`,
    )
    // Kernel buffers are autotuned per connection: allow twice libzmq's loss.
    const allowed = 2 * ref.lost
    assert.ok(
      ts.lost <= allowed,
      `zmq-ts lost ${ts.lost} accepted messages on the reset, libzmq ${ref.lost} (allowed ${allowed}): ` +
        "messages taken from the pipe into the stream's write buffer die with the connection",
    )
  }),
)
