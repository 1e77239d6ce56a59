/**
 * The PGM source and receiver state machines (src/transport/epgm/sender.ts,
 * receiver.ts) wired to each other through a simulated network and clock:
 * NAK repair of chosen losses, unrecoverable loss reported as a reset, NCF
 * suppression, bounded state under forged sequence numbers and NAK floods.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { decodePacket, encodeData, encodeNak, type PgmPacket } from "../../src/transport/epgm/packet.js"
import { PgmReceivers, type ReceiverEvent } from "../../src/transport/epgm/receiver.js"
import { NAK_ELIMINATION_MS, PgmSource, windowSqns } from "../../src/transport/epgm/sender.js"

const GROUP = "239.192.1.1"
const NLA = "10.77.0.1"
const GSI = Buffer.from("0102030405aa", "hex")

function parse(b: Buffer): PgmPacket {
  const p = decodePacket(b)
  assert.notEqual(p.type, "invalid")
  return p as PgmPacket
}

/** A source and one receiver; `drop(p)` decides which downstream packets the network loses. */
class Net {
  now = 0
  readonly source: PgmSource
  readonly rx: PgmReceivers
  readonly delivered: ReceiverEvent[] = []
  drop: (p: PgmPacket) => boolean = () => false
  naksSeen = 0

  open = true

  constructor(opts: { rate?: number; recoveryInterval?: number; rxwSqns?: number } = {}) {
    this.source = new PgmSource({ gsi: GSI, sport: 4000, dport: 5555, nla: NLA, group: GROUP, rate: opts.rate ?? 10000, recoveryInterval: opts.recoveryInterval ?? 10000, maxTpdu: 1500 }, 0)
    this.rx = new PgmReceivers({ dport: 5555, group: GROUP, rxwSqns: opts.rxwSqns ?? 1000, random: () => 0.5, gate: () => this.open })
  }

  down(packets: Buffer[]): void {
    for (const b of packets) {
      const p = parse(b)
      if (!this.drop(p)) this.rx.onPacket(p, this.now)
    }
    this.collect()
  }

  collect(): void {
    this.delivered.push(...this.rx.events.splice(0))
    for (const out of this.rx.outbox.splice(0)) {
      const p = parse(out.packet)
      if (p.type === "nak") {
        assert.equal(out.to, NLA, "NAKs go unicast to the source's NLA")
        this.naksSeen++
      }
      this.down(this.source.onUpstream(p, this.now))
    }
  }

  send(text: string): void {
    this.down([this.source.sendOdata(Buffer.from(text), this.now)])
  }

  /** Advances the clock in 10 ms steps, running both sides' timers. */
  run(ms: number): void {
    for (const end = this.now + ms; this.now < end; ) {
      this.now += 10
      this.rx.poll(this.now)
      this.collect()
      for (let r = this.source.nextRepair(this.now); r !== null; r = this.source.nextRepair(this.now)) this.down([r])
      this.down(this.source.poll(this.now))
    }
  }

  texts(): string[] {
    return this.delivered.map((e) => (e.kind === "data" ? e.apdu.toString() : "RESET"))
  }
}

void describe("PGM source and receiver (RFC 3208 §6), simulated network", () => {
  void test("the window is libzmq's compute_sqns: rate/8 * recoveryInterval / maxTpdu, at least 1", () => {
    assert.equal(windowSqns(100, 10000, 1500), 80)
    assert.equal(windowSqns(10000, 10000, 1500), 8333)
    assert.equal(windowSqns(1, 1, 1500), 1)
  })

  void test("lost ODATA is NAKed after back-off, confirmed by NCF and repaired by RDATA; delivery stays in order", () => {
    const net = new Net()
    net.down(net.source.start())
    const lost = new Set([2, 3, 7])
    net.drop = (p) => p.type === "odata" && lost.has(p.sqn)
    for (let i = 0; i < 10; i++) net.send(`m${i}`)
    assert.deepEqual(net.texts(), ["m0", "m1"], "held back behind the gap")
    net.run(300)
    assert.deepEqual(net.texts(), Array.from({ length: 10 }, (_, i) => `m${i}`))
    assert.equal(net.source.stats.rdata, 3)
    assert.ok(net.naksSeen >= 1 && net.naksSeen <= 3, `${net.naksSeen} NAKs`)
  })

  void test("a lost tail is found from the SPM's lead and repaired", () => {
    const net = new Net()
    net.down(net.source.start())
    net.drop = (p) => p.type === "odata" && p.sqn >= 3
    for (let i = 0; i < 5; i++) net.send(`m${i}`)
    net.drop = () => false
    net.run(500)
    assert.deepEqual(net.texts(), ["m0", "m1", "m2", "m3", "m4"])
  })

  void test("loss past the source's window is unrecoverable: a reset, then delivery goes on", () => {
    // rate 8 kbit/s for 1500 ms: a one-packet window, so sqn 1 is gone once sqn 2 is sent.
    const net = new Net({ rate: 8, recoveryInterval: 1500 })
    net.down(net.source.start())
    net.drop = (p) => p.type === "odata" && p.sqn === 1
    for (let i = 0; i < 3; i++) net.send(`m${i}`)
    net.run(300)
    assert.deepEqual(net.texts(), ["m0", "RESET", "m2"])
  })

  void test("NAK retries run out when no repair comes: a reset (libzmq gives up after 50)", () => {
    const net = new Net()
    net.down(net.source.start())
    net.drop = (p) => (p.type === "odata" || p.type === "rdata") && p.sqn === 1
    for (let i = 0; i < 3; i++) net.send(`m${i}`)
    net.run(30000)
    assert.deepEqual(net.texts(), ["m0", "RESET", "m2"])
  })

  void test("a forged data packet far beyond the window is dropped: no NAKs, no reset, the stream goes on", () => {
    const net = new Net({ rxwSqns: 64 })
    net.down(net.source.start())
    net.send("m0")
    const p = parse(encodeData("odata", net.source.header, { sqn: 0x7fff0000, trail: 0 }, Buffer.from("forged")))
    net.rx.onPacket(p, 0)
    net.collect()
    assert.equal(net.rx.nextDeadline, null, "no NAKs for the forged gap")
    net.send("m1")
    assert.deepEqual(net.texts(), ["m0", "m1"])
  })

  void test("a NAK flood: one NCF and one RDATA per sequence number; NAKs for another session are ignored", () => {
    const net = new Net()
    for (let i = 0; i < 4; i++) net.source.sendOdata(Buffer.from(`m${i}`), 0)
    const nak = parse(encodeNak("nak", { sport: 5555, dport: 4000, gsi: GSI }, { sqn: 2, sourceNla: NLA, groupNla: GROUP }))
    let ncfs = 0
    for (let i = 0; i < 1000; i++) ncfs += net.source.onUpstream(nak, 5000).length
    assert.equal(ncfs, 1)
    let rdata = 0
    while (net.source.nextRepair(5000) !== null) rdata++
    assert.equal(rdata, 1)
    // Once repaired, the flood goes on: ignored for NAK_ELIMINATION_MS, then one more repair.
    for (let i = 0; i < 1000; i++) ncfs += net.source.onUpstream(nak, 5000 + (i % 49)).length
    assert.equal(ncfs, 1)
    assert.equal(net.source.onUpstream(nak, 5000 + NAK_ELIMINATION_MS).length, 1)
    const wrongGroup = parse(encodeNak("nak", { sport: 5555, dport: 4000, gsi: GSI }, { sqn: 1, sourceNla: NLA, groupNla: "239.1.1.1" }))
    assert.deepEqual(net.source.onUpstream(wrongGroup, 5000), [])
    const outside = parse(encodeNak("nak", { sport: 5555, dport: 4000, gsi: GSI }, { sqn: 99, sourceNla: NLA, groupNla: GROUP }))
    assert.deepEqual(net.source.onUpstream(outside, 5000), [], "nothing to repair past the lead")
  })

  void test("a closed gate (the socket's queue is full) holds delivery in the window; resume() hands it over in order", () => {
    const net = new Net({ rxwSqns: 8 })
    net.down(net.source.start())
    net.send("m0")
    net.open = false
    for (let i = 1; i < 12; i++) net.send(`m${i}`)
    assert.deepEqual(net.texts(), ["m0"])
    net.open = true
    net.rx.resume()
    net.collect()
    // The window holds 8 beyond delivery; m9..m11 came past it and are asked for again.
    assert.deepEqual(net.texts(), ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"])
    net.run(500)
    assert.deepEqual(net.texts(), Array.from({ length: 12 }, (_, i) => `m${i}`))
  })

  void test("an NCF for a NAK in back-off suppresses it (§6.3)", () => {
    const net = new Net()
    net.down(net.source.start())
    net.drop = (p) => p.type === "odata" && p.sqn === 1
    net.send("m0")
    net.send("m1")
    net.send("m2")
    // Another receiver's NAK was confirmed: the NCF reaches us before our back-off ends.
    net.rx.onPacket(parse(encodeNak("ncf", { sport: 4000, dport: 5555, gsi: GSI }, { sqn: 1, sourceNla: NLA, groupNla: GROUP })), net.now)
    net.rx.poll(net.now + 100)
    assert.equal(net.rx.outbox.length, 0, "no NAK sent")
  })
})
