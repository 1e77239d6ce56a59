import { describe, test } from "node:test"
import assert from "node:assert/strict"
import { FrameEncoder } from "../../src/codec/encoder.js"
import { WIRE_MAX, WIRE_REF_MIN, WireEncoder } from "../../src/codec/wire.js"

function bytesOf(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff
  return b
}

/** What a FrameEncoder of its own writes for these messages: the reference encoding. */
function perConnection(msgs: Buffer[][]): Buffer {
  const enc = new FrameEncoder()
  for (const m of msgs) enc.encodeMessage(m)
  return Buffer.concat(enc.take())
}

void describe("WireEncoder (a fan-out message encoded once)", () => {
  void test("gives the bytes a connection's own encoder writes: short, long, multipart, empty frames", () => {
    const msgs = [[bytesOf(16, 1)], [bytesOf(0, 0)], [bytesOf(5, 2), bytesOf(300, 3)], [bytesOf(255, 4)], [bytesOf(256, 5), bytesOf(0, 0), bytesOf(1, 6)]]
    const wire = new WireEncoder()
    const out = msgs.map((m) => wire.encode(m))
    assert.ok(out.every((b) => b !== null))
    assert.equal(Buffer.concat(out).toString("hex"), perConnection(msgs).toString("hex"))
  })

  void test("refuses a message past WIRE_MAX bytes on the wire, which goes by reference instead", () => {
    const wire = new WireEncoder()
    assert.equal(wire.encode([bytesOf(WIRE_MAX, 1)]), null)
    assert.equal(wire.encode([bytesOf(600, 1), bytesOf(600, 2)]), null)
    // 9 header bytes plus the body: the largest one-frame body that still fits.
    assert.notEqual(wire.encode([bytesOf(WIRE_MAX - 9, 1)]), null)
  })

  void test("packs consecutive messages back to back, and never rewrites bytes handed out", () => {
    const wire = new WireEncoder()
    const first = wire.encode([bytesOf(16, 1)])!
    const copy = Buffer.from(first)
    const views: Buffer[] = []
    for (let i = 0; i < 10_000; i++) views.push(wire.encode([bytesOf(500, i)])!)
    assert.equal(first.toString("hex"), copy.toString("hex"))
    const second = views[0]!
    assert.equal(second.buffer, first.buffer)
    assert.equal(second.byteOffset, first.byteOffset + first.length)
    for (let i = 0; i < views.length; i += 997) assert.equal(views[i]!.toString("hex"), perConnection([[bytesOf(500, i)]]).toString("hex"))
  })
})

void describe("FrameEncoder.appendWire", () => {
  void test("merges wire bytes that follow each other into one buffer and keeps order with other frames", () => {
    const wire = new WireEncoder()
    const a = wire.encode([bytesOf(10, 1)])!
    const b = wire.encode([bytesOf(20, 2)])!
    const c = wire.encode([bytesOf(30, 3)])!
    const enc = new FrameEncoder()
    enc.appendWire(a)
    enc.appendWire(b)
    assert.equal(enc.pendingBytes, a.length + b.length)
    enc.encodeSmall(bytesOf(4, 9))
    enc.appendWire(c)
    enc.encodeMessage([bytesOf(3, 8)])
    const out = enc.take()
    // a+b merged; the small frame in the scratch; c; the last frame in the scratch again.
    assert.equal(out.length, 4)
    assert.equal(out[0]!.length, a.length + b.length)
    const expected = perConnection([[bytesOf(10, 1)], [bytesOf(20, 2)], [bytesOf(4, 9)], [bytesOf(30, 3)], [bytesOf(3, 8)]])
    assert.equal(Buffer.concat(out).toString("hex"), expected.toString("hex"))
    assert.equal(enc.pendingBytes, 0)
  })

  void test("does not merge wire bytes that are not adjacent (a message another connection took in between)", () => {
    const wire = new WireEncoder()
    const a = wire.encode([bytesOf(10, 1)])!
    wire.encode([bytesOf(10, 2)])
    const c = wire.encode([bytesOf(10, 3)])!
    const enc = new FrameEncoder()
    enc.appendWire(a)
    enc.appendWire(c)
    const out = enc.take()
    assert.equal(out.length, 2)
    assert.equal(Buffer.concat(out).toString("hex"), perConnection([[bytesOf(10, 1)], [bytesOf(10, 3)]]).toString("hex"))
  })

  void test("encodeMessage with a copy limit writes bodies from that size by reference", () => {
    const body = bytesOf(WIRE_REF_MIN, 5)
    const topic = bytesOf(3, 6)
    const enc = new FrameEncoder()
    enc.encodeMessage([topic, body], WIRE_REF_MIN)
    const out = enc.take()
    assert.ok(out.includes(body), "the large body is the application's own buffer, not a copy")
    assert.equal(Buffer.concat(out).toString("hex"), perConnection([[topic, body]]).toString("hex"))
  })
})
