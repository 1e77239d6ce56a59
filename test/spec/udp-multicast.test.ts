/**
 * udp:// multicast for RADIO-DISH (RFC 48 over libzmq's udp transport),
 * zmq-ts on both sides, inside a network namespace this file creates
 * (test/helpers/netns.ts): nothing is sent on the machine's interfaces.
 * Endpoint parsing as libzmq's udp_address_t does it runs outside.
 */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { Datagram, Dish, Radio } from "../../src/draft.js"
import { parseEndpoint as parse, type UdpEndpoint } from "../../src/transport/address.js"
import { checkMulticast, createNetns, deleteNetns, NETNS_ADDRESS, runInNetns } from "../helpers/netns.js"

void describe("udp:// multicast (RADIO-DISH), zmq-ts <-> zmq-ts, in a network namespace", () => {
  let ns = ""
  before(() => {
    ns = createNetns()
  })
  after(() => {
    if (ns !== "") deleteNetns(ns)
  })

  void test("two DISHes share a group's port, each keeps its RFC 48 group; a multicastLoop=false RADIO's datagrams do not come back to this host", async () => {
    await checkMulticast(ns, "zmq-ts", "zmq-ts", "239.0.77.1", 6001)
  })

  void test("DGRAM bound to group:port joins it (libzmq's raw udp engine does the same) and gets [sender address, body]", async () => {
    const o = await runInNetns<{ rounds: number; from: string; body: string }>(ns, "udp-multicast.ts", ["datagram", "zmq-ts", "239.0.77.4", "6004"])
    assert.equal(o.from, `${NETNS_ADDRESS}:6005\0`, `after ${o.rounds} rounds`)
    assert.match(o.body, /^hello \d+$/)
  })
})

const parseEndpoint = (raw: string, forBind: boolean): UdpEndpoint => parse(raw, forBind) as UdpEndpoint

void describe("udp:// multicast endpoints and options (libzmq udp_address.cpp, ZMQ_MULTICAST_LOOP)", () => {
  void test("source;group:port: the source is an interface (address, name or *) and the target must then be multicast", () => {
    assert.deepEqual(parseEndpoint("udp://239.1.1.1:5555", true), { transport: "udp", host: "239.1.1.1", port: 5555, raw: "udp://239.1.1.1:5555", multicast: true })
    assert.deepEqual(parseEndpoint("udp://eth0;239.1.1.1:5555", false), { transport: "udp", host: "239.1.1.1", port: 5555, raw: "udp://eth0;239.1.1.1:5555", source: "eth0", multicast: true })
    assert.equal(parseEndpoint("udp://*;224.0.0.1:5555", true).source, "*")
    // libzmq takes the last ';': a group before it is a multicast source (EINVAL), and a unicast target after a source is EINVAL.
    assert.throws(() => parseEndpoint("udp://239.1.1.1;127.0.0.1:5555", true), { code: "EINVAL" })
    assert.throws(() => parseEndpoint("udp://127.0.0.1;127.0.0.2:5555", false), { code: "EINVAL" })
    assert.throws(() => parseEndpoint("udp://;239.1.1.1:5555", false), { code: "EINVAL" })
    assert.equal(parseEndpoint("udp://240.0.0.1:5555", false).multicast, undefined, "240/4 is not multicast")
  })

  void test("multicastLoop is RADIO's (default true, as libzmq's); an unknown interface name is ENODEV", async (ctx) => {
    const radio = new Radio({ multicastLoop: false, multicastHops: 4 })
    const dish = new Dish()
    const dgram = new Datagram()
    ctx.after(() => [radio, dish, dgram].forEach((s) => s.close()))
    assert.equal(radio.multicastLoop, false)
    assert.equal(radio.multicastHops, 4)
    assert.equal(new Radio().multicastLoop, true)
    assert.equal("multicastLoop" in dish, false, "libzmq applies it to the sending side only")
    assert.throws(() => radio.connect("udp://no-such-nic0;239.1.1.1:5555"), { code: "ENODEV" })
    await assert.rejects(dish.bind("udp://no-such-nic0;239.1.1.1:5555"), { code: "ENODEV" })
    await assert.rejects(dgram.bind("udp://no-such-nic0;239.1.1.1:5555"), { code: "ENODEV" })
  })
})
