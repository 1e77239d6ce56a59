/**
 * PUSH → PULL between zmq-ts and libzmq, both ways round: zmq-ts PUSH to a
 * libzmq PULL, and a libzmq PUSH to a zmq-ts PULL; for every peer (zeromq,
 * pyzmq), role (who binds) and transport (tcp, ipc), with every payload case.
 * Content, order and count must match exactly, and the sentinel sent last
 * must be the next message after the expected ones.
 */
import { after, describe, test } from "node:test"
import { Pull, Push } from "../../src/index.js"
import { assertMessages, COMBOS, guarded, linkPeer, PAYLOAD_CASES, receiveUntilSentinel, removeIpcDir, sendAll, TEST_TIMEOUT_MS } from "./support.js"

after(removeIpcDir)

for (const combo of COMBOS) {
  void describe(combo.title, () => {
    for (const c of PAYLOAD_CASES) {
      void test(`zmq-ts PUSH → libzmq PULL: ${c.name}`, { timeout: TEST_TIMEOUT_MS + 5000 }, () =>
        guarded(async (r) => {
          const push = r.add(new Push({ linger: 0 }), (s) => s.close())
          const peer = await linkPeer(r, combo, push, "PULL")
          const [, got] = await Promise.all([
            sendAll((m) => push.send(m), c.messages),
            receiveUntilSentinel(() => peer.receive(), c.messages.length),
          ])
          assertMessages(got, c.messages, `${combo.peer} PULL received`)
        }),
      )

      void test(`libzmq PUSH → zmq-ts PULL: ${c.name}`, { timeout: TEST_TIMEOUT_MS + 5000 }, () =>
        guarded(async (r) => {
          const pull = r.add(new Pull({ linger: 0 }), (s) => s.close())
          const peer = await linkPeer(r, combo, pull, "PUSH")
          const [, got] = await Promise.all([
            sendAll((m) => peer.send(m), c.messages),
            receiveUntilSentinel(() => pull.receive(), c.messages.length),
          ])
          assertMessages(got, c.messages, "zmq-ts PULL received")
        }),
      )
    }
  })
}
