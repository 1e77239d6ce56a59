/**
 * Incompatible socket types are refused during the handshake (RFC 37: the
 * peer's READY names a Socket-Type this type cannot talk to). A zmq-ts PUSH
 * meets a libzmq PUSH or PAIR, in every peer × role × transport combination:
 * zmq-ts must report "handshake:error:protocol" (ERR_ZMTP_INVALID_METADATA)
 * then "disconnect", never "handshake", keep no pipe (so nothing can be
 * delivered), and drop a message queued before the connection. The zeromq
 * peer's own events must show a disconnect without a handshake.
 */
import assert from "node:assert/strict"
import { after, describe, test } from "node:test"
import { Pair, Push, type Event } from "../../src/index.js"
import { EVENT_TYPES, EventLog, type PeerType } from "../helpers/peers/libzmq-peer.js"
import { COMBOS, guarded, linkPeer, receiveUntilSentinel, removeIpcDir, sendAll, TEST_TIMEOUT_MS } from "./support.js"

after(removeIpcDir)

const PEER_TYPES: readonly PeerType[] = ["PUSH", "PAIR"]

for (const combo of COMBOS) {
  void describe(combo.title, () => {
    for (const peerType of PEER_TYPES) {
      void test(`zmq-ts PUSH vs libzmq ${peerType}: handshake refused, nothing delivered`, { timeout: TEST_TIMEOUT_MS + 5000 }, () =>
        guarded(async (r) => {
          const push = r.add(new Push({ linger: 0 }), (s) => s.close())
          const log = new EventLog<Event>()
          for (const t of EVENT_TYPES) push.events.on(t, (e) => log.push(e))

          const peer = await linkPeer(r, combo, push, peerType)
          if (combo.role === "zmq-ts connects") {
            // Connecting (immediate = false) makes a pipe at once, so this is queued, not refused.
            await push.send(["must-not-arrive"])
          }

          await log.first("disconnect")
          const upToDisconnect = log.types.slice(0, log.types.indexOf("disconnect") + 1)
          assert.ok(!upToDisconnect.includes("handshake"), `no handshake expected, events: ${upToDisconnect.join(", ")}`)
          const protocol = log.events.find((e) => e.type === "handshake:error:protocol")
          assert.ok(protocol !== undefined, `handshake:error:protocol expected before disconnect, events: ${upToDisconnect.join(", ")}`)
          assert.ok(upToDisconnect.includes("handshake:error:protocol"))
          assert.equal(protocol.error.code, "ERR_ZMTP_INVALID_METADATA")
          assert.equal(push.writable, false, "no pipe may be left to deliver to")

          if (peer.events !== null) {
            // libzmq 4.3 refuses too, but reports no handshake:error:* event for
            // an incompatible Socket-Type (parse_metadata fails with EINVAL and
            // stream_engine_base_t::error() stays quiet for protocol errors):
            // only a disconnect, never a handshake.
            await peer.events.first("disconnect")
            const theirs = peer.events.types
            assert.ok(!theirs.includes("handshake"), `libzmq events: ${theirs.join(", ")}`)
          }

          if (peerType === "PAIR" && combo.role === "zmq-ts connects") {
            // The libzmq PAIR is still free: a proper PAIR's sentinel must be
            // the first thing it receives (so the queued message never came).
            const pair = r.add(new Pair({ linger: 0 }), (s) => s.close())
            pair.connect(peer.endpoint)
            const [, before] = await Promise.all([sendAll((m) => pair.send(m), []), receiveUntilSentinel(() => peer.receive(), 0)])
            assert.deepEqual(before, [], "nothing may arrive before the sentinel")
          }
        }),
      )
    }
  })
}
