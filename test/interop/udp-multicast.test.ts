/**
 * udp:// multicast RADIO-DISH (RFC 48 over libzmq's udp transport) between
 * zmq-ts and libzmq 4.3.5 (zeromq/draft), in both directions, inside a
 * network namespace this file creates (test/helpers/netns.ts). The fixture
 * runs both libraries in one process in the namespace: two DISHes of one
 * library share the group's port, the RADIO is the other library's.
 * Debian's pyzmq (libzmq 4.3.4) is built without draft sockets: not here.
 */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { checkMulticast, createNetns, deleteNetns, NETNS_ADDRESS, runInNetns } from "../helpers/netns.js"

void describe("interop: udp:// multicast RADIO-DISH with libzmq 4.3.5 (zeromq/draft), in a network namespace", () => {
  let ns = ""
  before(() => {
    ns = createNetns()
  })
  after(() => {
    if (ns !== "") deleteNetns(ns)
  })

  void test("zmq-ts RADIO -> two libzmq DISHes (one bound without a source, one on the interface by name), groups filtered", async () => {
    await checkMulticast(ns, "zmq-ts", "zeromq", "239.0.77.2", 6002)
  })

  void test("libzmq RADIO (interface by address) -> two zmq-ts DISHes, groups filtered", async () => {
    await checkMulticast(ns, "zeromq", "zmq-ts", "239.0.77.3", 6003)
  })

  void test("zmq-ts DGRAM -> libzmq DGRAM bound to group:port on the interface by name", async () => {
    const o = await runInNetns<{ rounds: number; from: string; body: string }>(ns, "udp-multicast.ts", ["datagram", "zeromq", "239.0.77.4", "6004"])
    assert.equal(o.from, `${NETNS_ADDRESS}:6005\0`, `after ${o.rounds} rounds`)
    assert.match(o.body, /^hello \d+$/)
  })
})
