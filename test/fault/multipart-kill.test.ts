/**
 * A connection killed in the middle of a multipart message: the proxy
 * forwards only part of a 10-frame message (cut between two frames, or in the
 * middle of a frame) and then kills the connection with an RST or a FIN, like
 * a peer process that dies mid-write. The receiver must never deliver the
 * partial message; after the reconnect, later messages flow, whole and in order.
 *
 * PUSH → PULL, the sender on either side of the connection (the connecting
 * side always goes through the proxy), zmq-ts on both ends and a `zeromq`
 * peer in each role.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { Kill } from "./proxy.js"
import { guarded, IMPL_PAIRS } from "./support.js"
import { scaled } from "../helpers/time.js"

const FRAMES = 10
const FRAME_SIZE = 100
/** On the wire a 100-byte frame is 2 header bytes and its body. */
const WIRE_FRAME = FRAME_SIZE + 2
const CUTS = [
  { name: "between frames 5 and 6", bytes: 5 * WIRE_FRAME },
  { name: "in the middle of frame 6", bytes: 5 * WIRE_FRAME + 50 },
] as const
const KILLS: readonly Kill[] = ["rst", "fin"]
const LATER = 10

const multipart = (): Buffer[] => Array.from({ length: FRAMES }, (_, j) => Buffer.alloc(FRAME_SIZE, j + 1))

for (const [senderImpl, receiverImpl] of IMPL_PAIRS) {
  for (const senderRole of ["connects", "binds"] as const) {
    void describe(`${senderImpl} PUSH ${senderRole}, ${receiverImpl} PULL ${senderRole === "connects" ? "binds" : "connects"}`, () => {
      for (const how of KILLS) {
        for (const cut of CUTS) {
          void test(`killed with ${how.toUpperCase()} ${cut.name}: no partial message, later messages flow`, { timeout: scaled(15_000) }, (t) =>
            guarded(10_000, async (r) => {
              const sender = r.sock(senderImpl, "PUSH", { reconnectInterval: 20 })
              const receiver = r.sock(receiverImpl, "PULL", { reconnectInterval: 20 })
              const [binder, connecter] = senderRole === "binds" ? [sender, receiver] : [receiver, sender]
              const proxy = await r.proxy(await binder.bind())
              connecter.connect(proxy.endpoint)
              await Promise.all([sender.log.wait("handshake"), receiver.log.wait("handshake")])
              await sender.send(["warm", "up"])
              assert.deepEqual((await receiver.receive()).map(String), ["warm", "up"])

              // Everything is idle: the next bytes in the sender's direction are the multipart message.
              const direction = senderRole === "connects" ? "c2s" : "s2c"
              const sMark = sender.log.mark()
              const rMark = receiver.log.mark()
              const killed = proxy.cutAfter(direction, cut.bytes, how)
              await sender.send(multipart())
              await killed
              const delivered = proxy.stats.forwarded[direction]
              await Promise.all([sender.log.wait("disconnect", { since: sMark }), receiver.log.wait("disconnect", { since: rMark })])

              // Reconnected (the connecting side dials again; both sides report the new handshake).
              await Promise.all([sender.log.wait("handshake", { since: sMark }), receiver.log.wait("handshake", { since: rMark })])
              for (let i = 0; i < LATER; i++) await sender.send([`later-${i}`, "x"])
              for (let i = 0; i < LATER; i++) {
                const msg = await receiver.receive()
                assert.deepEqual(
                  msg.map(String),
                  [`later-${i}`, "x"],
                  i === 0 ? "the first message after the cut is the first later one (the partial message was dropped)" : `later message ${i}`,
                )
              }
              t.diagnostic(
                `cut after ${cut.bytes} bytes of a ${FRAMES * WIRE_FRAME}-byte message (${delivered} bytes forwarded ${direction} in all); ` +
                  `sender events: ${sender.log.types(sMark)}; receiver events: ${receiver.log.types(rMark)}`,
              )
            }),
          )
        }
      }
    })
  }
}
