/**
 * epgm:// (PGM over UDP, RFC 3208) between zmq-ts sockets, and its endpoint
 * rules as libzmq 4.3 has them. The traffic runs inside network namespaces
 * this file creates (test/helpers/epgm-netns.ts), never on the machine's
 * interfaces; the rules need no network.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { Dealer, Push, Subscriber } from "../../src/index.js"
import { parseEndpoint } from "../../src/transport/address.js"
import { assertComplete, runScenario, suiteTopology } from "../helpers/epgm-netns.js"
import { scaled } from "../helpers/time.js"

void describe("epgm:// endpoints (libzmq 4.3: pgm_socket.cpp, socket_base.cpp check_protocol)", () => {
  void test("interface;group:port, the interface by name or address or left out", () => {
    assert.deepEqual(parseEndpoint("epgm://eth0;239.192.1.1:5555", false, "PUB"), { transport: "epgm", iface: "eth0", group: "239.192.1.1", port: 5555, raw: "epgm://eth0;239.192.1.1:5555" })
    assert.deepEqual(parseEndpoint("epgm://10.0.0.1;239.192.1.1:5555", true, "SUB"), { transport: "epgm", iface: "10.0.0.1", group: "239.192.1.1", port: 5555, raw: "epgm://10.0.0.1;239.192.1.1:5555" })
    assert.equal((parseEndpoint("epgm://239.192.1.1:5555", false, "XSUB") as { iface: string | null }).iface, null)
    for (const bad of ["epgm://eth0;10.0.0.2:5555", "epgm://eth0;239.192.1.1", "epgm://eth0;239.192.1.1:0", "epgm://eth0;239.192.1.1:x", "epgm://a;b;239.192.1.1:5555"]) {
      assert.throws(() => parseEndpoint(bad, false, "PUB"), { code: "EINVAL" }, bad)
    }
  })

  void test("only PUB, XPUB, SUB and XSUB may use it (ENOCOMPATPROTO); pgm:// needs raw sockets (EPROTONOSUPPORT)", async (ctx) => {
    const push = new Push()
    const dealer = new Dealer()
    const sub = new Subscriber()
    ctx.after(() => [push, dealer, sub].forEach((s) => s.close()))
    assert.throws(() => push.connect("epgm://lo;239.192.1.1:5555"), { code: "ENOCOMPATPROTO" })
    await assert.rejects(dealer.bind("epgm://lo;239.192.1.1:5555"), { code: "ENOCOMPATPROTO" })
    // The message is zeromq.js's ("Protocol not supported"), as the conformance tests require.
    assert.throws(() => sub.connect("pgm://lo;239.192.1.1:5555"), { code: "EPROTONOSUPPORT", message: "Protocol not supported" })
    assert.throws(() => sub.connect("epgm://no-such-nic0;239.192.1.1:5555"), { code: "ENODEV" })
    // The four accepted types are checked without opening anything (no multicast outside a namespace).
    for (const type of ["PUB", "XPUB", "SUB", "XSUB"]) assert.equal(parseEndpoint("epgm://lo;239.192.1.1:5555", false, type).transport, "epgm", type)
  })
})

void describe("epgm:// zmq-ts <-> zmq-ts, in network namespaces", () => {
  const topology = suiteTopology()

  void test("PUB -> SUBs in two namespaces, every 5th ODATA lost and repaired: every message, whole and in order", { timeout: scaled(90_000) }, async () => {
    const r = await runScenario(topology(), { pub: "zmq-ts", subs: [{ where: "b", lib: "zmq-ts" }, { where: "c", lib: "zmq-ts" }], count: 80, port: 7201, drop: "every:5" })
    r.subs.forEach((s, i) => assertComplete(s, 80, `subscriber ${i}`))
    assert.ok(r.relay.dropped! >= 5 && r.relay.rdata! >= r.relay.dropped!, JSON.stringify(r.relay))
  })

  void test("XPUB -> XSUBs: the epgm pipe is subscribed to everything silently (the XPUB receives nothing), the XSUBs' subscriptions go nowhere, every message arrives", { timeout: scaled(90_000) }, async () => {
    const r = await runScenario(topology(), { pub: "zmq-ts", subs: [{ where: "b", lib: "zmq-ts" }, { where: "c", lib: "zmq-ts" }], count: 40, port: 7203, x: true })
    r.subs.forEach((s, i) => assertComplete(s, 40, `XSUB ${i}`))
    assert.equal(r.subscription, "EAGAIN")
  })

  void test("hostile segment (corrupted, truncated, forged and random packets; 20 NAKs per packet): nothing torn, repairs bounded", { timeout: scaled(90_000) }, async () => {
    const r = await runScenario(topology(), { pub: "zmq-ts", subs: [{ where: "b", lib: "zmq-ts" }, { where: "c", lib: "zmq-ts" }], count: 60, port: 7202, drop: "hostile" })
    r.subs.forEach((s, i) => assertComplete(s, 60, `subscriber ${i}`))
    assert.ok(r.relay.hostile! > 50, JSON.stringify(r.relay))
    // 20 NAKs for each packet: NAK elimination keeps the repairs to about one per packet.
    assert.ok(r.relay.rdata! <= 2 * r.relay.odata!, JSON.stringify(r.relay))
  })
})
