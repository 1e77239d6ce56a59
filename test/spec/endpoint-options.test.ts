/**
 * Options that act on kernel sockets, where zmq-ts can check them itself:
 * udp buffer sizes (node:dgram sets them), the accept filter's address
 * masks, and an IPv4 peer of a dual-stack bind checked by the filter.
 * (test/conformance/endpoint-options.test.ts compares the rest with zeromq.)
 */
import assert from "node:assert/strict"
import * as dgram from "node:dgram"
import { describe, it } from "node:test"
import { Dish, Radio } from "../../src/draft.js"
import { Dealer, Router } from "../../src/index.js"
import { acceptedBy, parseAddressMask } from "../../src/transport/address-mask.js"
import { nextEvents } from "../helpers/transports.js"

void describe("udp buffer sizes", () => {
  void it("sendBufferSize and receiveBufferSize are set on the datagram sockets, without a warning", async (t) => {
    // Record what reaches node:dgram (the calls go through): the kernel's values are rounded (Linux doubles them).
    const sends = t.mock.method(dgram.Socket.prototype, "setSendBufferSize")
    const recvs = t.mock.method(dgram.Socket.prototype, "setRecvBufferSize")
    const warnings: string[] = []
    const onWarning = (w: Error & { code?: string }): void => {
      if (w.code === "ZMQ_TS_OPTION_NOT_APPLIED") warnings.push(w.message)
    }
    process.on("warning", onWarning)
    t.after(() => process.off("warning", onWarning))
    const dish = new Dish({ linger: 0, receiveBufferSize: 262144 })
    const radio = new Radio({ linger: 0, sendBufferSize: 131072 })
    t.after(() => {
      radio.close()
      dish.close()
    })
    // udp binds need a port (libzmq has no wildcard for udp): take one the OS just gave out.
    const probe = dgram.createSocket("udp4")
    await new Promise<void>((resolve) => probe.bind(0, "127.0.0.1", resolve))
    const port = probe.address().port
    await new Promise<void>((resolve) => probe.close(resolve))
    await dish.bind(`udp://127.0.0.1:${port}`)
    dish.join("g")
    radio.connect(`udp://127.0.0.1:${port}`)
    // On loopback a datagram is lost only when the receive buffer is full; this one is alone.
    await radio.send("x", { group: "g" })
    const [body] = await dish.receive()
    assert.equal(body.toString(), "x")
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(sends.mock.calls.map((c) => c.arguments), [[131072]])
    assert.deepEqual(recvs.mock.calls.map((c) => c.arguments), [[262144]])
    assert.deepEqual(warnings, [])
  })
})

void describe("accept filter masks (libzmq's tcp_address_mask_t)", () => {
  void it("parses addresses and masks as libzmq does, IPv6 only with ipv6", () => {
    assert.deepEqual(parseAddressMask("10.1.2.3/8", false), { family: 4, bytes: Uint8Array.of(10, 1, 2, 3), bits: 8 })
    // inet_aton's short forms.
    assert.deepEqual(parseAddressMask("127.1", false)?.bytes, Uint8Array.of(127, 0, 0, 1))
    assert.deepEqual(parseAddressMask("5", false)?.bytes, Uint8Array.of(0, 0, 0, 5))
    assert.equal(parseAddressMask("10.0.0.1/33", false), null)
    assert.equal(parseAddressMask("10.0.0.1/", false), null)
    assert.equal(parseAddressMask("host.example", false), null)
    assert.equal(parseAddressMask("::1", false), null)
    assert.deepEqual(parseAddressMask("fe80::1:2/64", true), { family: 6, bytes: Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2), bits: 64 })
    assert.deepEqual(parseAddressMask("::ffff:1.2.3.4", true)?.bytes, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4))
  })

  void it("matches a peer against any entry, by family and leading bits", () => {
    const masks = [parseAddressMask("10.0.0.0/9", false)!, parseAddressMask("2001:db8::/32", true)!]
    assert.equal(acceptedBy(masks, "10.127.255.255"), true)
    assert.equal(acceptedBy(masks, "10.128.0.0"), false)
    assert.equal(acceptedBy(masks, "::ffff:10.1.1.1"), true)
    assert.equal(acceptedBy(masks, "2001:db8:ffff::1"), true)
    assert.equal(acceptedBy(masks, "2001:db9::1"), false)
    assert.equal(acceptedBy(masks, undefined), false)
    assert.equal(acceptedBy([], undefined), true)
    assert.equal(acceptedBy([parseAddressMask("0.0.0.0/0", false)!], "192.0.2.1"), true)
  })

  void it("an IPv4 peer of a dual-stack (ipv6) bind is checked as its IPv4 address", async (t) => {
    const router = new Router({ linger: 0, ipv6: true, tcpAcceptFilter: "127.0.0.2" })
    const dealer = new Dealer({ linger: 0 })
    t.after(() => {
      dealer.close()
      router.close()
    })
    await router.bind("tcp://*:*")
    const port = router.lastEndpoint!.split(":").pop()!
    const refused = nextEvents(router, "accept:error")
    dealer.connect(`tcp://127.0.0.1:${port}`)
    await refused
    const other = new Dealer({ linger: 0 })
    t.after(() => other.close())
    other.connect(`tcp://127.0.0.2:0;127.0.0.1:${port}`)
    await other.send("in")
    const [, body] = await router.receive()
    assert.equal(body!.toString(), "in")
  })
})
