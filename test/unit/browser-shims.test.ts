/**
 * The browser build's stand-ins for Node (src/browser/): its Buffer and the
 * address classifiers of node:net, checked against Node's own on the same
 * inputs, so that the bundle behaves as the Node build does.
 */
import assert from "node:assert/strict"
import * as net from "node:net"
import { test } from "node:test"
import { Buffer as BrowserBuffer } from "../../src/browser/buffer.js"
import { EventEmitter } from "../../src/browser/node/events.js"
import { isIP } from "../../src/browser/node/net.js"

const plain = (b: Uint8Array): number[] => Array.from(b)

void test("browser Buffer: from/toString in every encoding zmq-ts uses, as Node's Buffer", () => {
  const texts = ["", "hello", "h\u00e9llo \u{1f600}", "\x00\x01\xff", "a".repeat(5000)]
  for (const t of texts) {
    for (const enc of ["utf8", "latin1", "ascii", "hex", "base64", "base64url"] as const) {
      const input = enc === "hex" ? Buffer.from(t).toString("hex") : enc.startsWith("base64") ? Buffer.from(t).toString(enc) : t
      const ours = BrowserBuffer.from(input, enc)
      const node = Buffer.from(input, enc)
      assert.deepEqual(plain(ours), plain(node), `from(${JSON.stringify(input.slice(0, 20))}, ${enc})`)
      assert.equal(ours.toString(enc), node.toString(enc), `toString(${enc})`)
      assert.equal(BrowserBuffer.byteLength(input, enc), Buffer.byteLength(input, enc))
    }
  }
  // Invalid UTF-8 is replaced the same way.
  const bad = [0xc3, 0x28, 0xe2, 0x82, 0xff, 0x41]
  assert.equal(BrowserBuffer.from(bad).toString(), Buffer.from(bad).toString())
})

void test("browser Buffer: views, copies, comparisons, search and fixed-width integers, as Node's Buffer", () => {
  const bytes = Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff)
  const ours = BrowserBuffer.from(bytes)
  const node = Buffer.from(bytes)
  // slice and subarray are views, whose writes show in the parent.
  const v = ours.slice(4, 8)
  v[0] = 0
  assert.equal(ours[4], 0)
  node[4] = 0
  assert.ok(ours.subarray(1, 3) instanceof BrowserBuffer)
  assert.deepEqual(plain(BrowserBuffer.concat([ours.subarray(0, 3), ours.subarray(10, 12)], 4)), plain(Buffer.concat([node.subarray(0, 3), node.subarray(10, 12)], 4)))
  for (const off of [0, 3, 8, 56]) {
    assert.equal(ours.readUInt32BE(off), node.readUInt32BE(off))
    assert.equal(ours.readUInt32LE(off), node.readUInt32LE(off))
    assert.equal(ours.readInt32LE(off), node.readInt32LE(off))
    assert.equal(ours.readUInt16BE(off), node.readUInt16BE(off))
    assert.equal(ours.readBigUInt64BE(off), node.readBigUInt64BE(off))
  }
  const a = BrowserBuffer.alloc(16)
  const b = Buffer.alloc(16)
  assert.equal(a.writeUInt32BE(0xdeadbeef, 1), b.writeUInt32BE(0xdeadbeef, 1))
  assert.equal(a.writeInt32LE(-5, 5), b.writeInt32LE(-5, 5))
  assert.equal(a.writeBigUInt64BE(0x0102030405060708n, 8), b.writeBigUInt64BE(0x0102030405060708n, 8))
  assert.equal(a.write("xyz", 12, "latin1"), b.write("xyz", 12, "latin1"))
  assert.deepEqual(plain(a), plain(b))
  const dst = BrowserBuffer.alloc(10, 7)
  const ndst = Buffer.alloc(10, 7)
  assert.equal(ours.copy(dst, 2, 5, 20), node.copy(ndst, 2, 5, 20))
  assert.deepEqual(plain(dst), plain(ndst))
  assert.equal(ours.equals(BrowserBuffer.from(plain(node))), true)
  assert.equal(ours.compare(BrowserBuffer.from(bytes), 0, 10, 0, 10), node.compare(Buffer.from(bytes), 0, 10, 0, 10))
  const hay = "GET / HTTP/1.1\r\nHost: x\r\n\r\nrest"
  assert.equal(BrowserBuffer.from(hay).indexOf("\r\n\r\n", 0, "latin1"), Buffer.from(hay).indexOf("\r\n\r\n", 0, "latin1"))
  assert.equal(BrowserBuffer.from(hay).indexOf("nope"), -1)
  assert.equal(BrowserBuffer.from(hay).indexOf(0x48, 3), Buffer.from(hay).indexOf(0x48, 3))
  assert.deepEqual(plain(BrowserBuffer.alloc(5, "ab")), plain(Buffer.alloc(5, "ab")))
  assert.deepEqual(plain(BrowserBuffer.of(1, 2, 3)), [1, 2, 3])
  assert.ok(BrowserBuffer.isBuffer(ours) && !BrowserBuffer.isBuffer(new Uint8Array(1)))
})

void test("browser node:net: isIP agrees with Node's on addresses and near misses", () => {
  const cases = [
    "127.0.0.1", "0.0.0.0", "255.255.255.255", "256.0.0.1", "1.2.3", "01.2.3.4", "::", "::1", "fe80::1%eth0",
    "2001:db8::8a2e:370:7334", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1::2::3", "::ffff:192.168.0.1",
    "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "example.com", "", "g::1", "12345::1",
  ]
  for (const c of cases) assert.equal(isIP(c), net.isIP(c), c)
})

void test("browser node:events: on/once/off/emit, and an unheard 'error' throws", () => {
  const e = new EventEmitter()
  const got: unknown[] = []
  const l = (x: unknown): void => void got.push(x)
  e.on("m", l)
  e.once("m", (x: unknown) => got.push(`once ${String(x)}`))
  assert.equal(e.emit("m", 1), true)
  e.emit("m", 2)
  e.off("m", l)
  assert.equal(e.emit("m", 3), false)
  assert.deepEqual(got, [1, "once 1", 2])
  assert.throws(() => e.emit("error", new Error("boom")), /boom/)
})
