/**
 * PAIR ↔ PAIR between zmq-ts and libzmq: both sides send the case's messages
 * and a sentinel at the same time, and each must receive exactly the other's;
 * for every peer (zeromq, pyzmq), role (who binds) and transport (tcp, ipc).
 */
import { after, describe, test } from "node:test"
import { Pair } from "../../src/index.js"
import { assertMessages, COMBOS, guarded, linkPeer, PAYLOAD_CASES, receiveUntilSentinel, removeIpcDir, sendAll, TEST_TIMEOUT_MS } from "./support.js"

after(removeIpcDir)

for (const combo of COMBOS) {
  void describe(combo.title, () => {
    for (const c of PAYLOAD_CASES) {
      void test(`zmq-ts PAIR ↔ libzmq PAIR, both ways at once: ${c.name}`, { timeout: TEST_TIMEOUT_MS + 5000 }, () =>
        guarded(async (r) => {
          const pair = r.add(new Pair({ linger: 0 }), (s) => s.close())
          const peer = await linkPeer(r, combo, pair, "PAIR")
          const [, , peerGot, pairGot] = await Promise.all([
            sendAll((m) => pair.send(m), c.messages),
            sendAll((m) => peer.send(m), c.messages),
            receiveUntilSentinel(() => peer.receive(), c.messages.length),
            receiveUntilSentinel(() => pair.receive(), c.messages.length),
          ])
          assertMessages(peerGot, c.messages, `${combo.peer} PAIR received`)
          assertMessages(pairGot, c.messages, "zmq-ts PAIR received")
        }),
      )
    }
  })
}
