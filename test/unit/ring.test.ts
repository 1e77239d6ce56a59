import assert from "node:assert/strict"
import { test } from "node:test"
import { RingReader, RingWriter, ringBuffer } from "../../src/threads/ring.js"

function pair(capacity: number): { w: RingWriter; r: RingReader } {
  const sab = ringBuffer(capacity)
  return { w: new RingWriter(sab, 0, sab.byteLength, () => undefined), r: new RingReader(sab, 0, sab.byteLength, () => undefined) }
}

void test("ring: messages wrap around the end of the ring and arrive whole, empty frames included", () => {
  const { w, r } = pair(64)
  const got: string[][] = []
  for (let i = 0; i < 200; i++) {
    const msg = [Buffer.from(`m${i}`), Buffer.alloc(0), Buffer.from("x".repeat(i % 13))]
    assert.ok(w.ready)
    w.write(msg)
    w.publish()
    r.drain((m) => got.push(m.map(String)))
  }
  assert.equal(got.length, 200)
  got.forEach((m, i) => assert.deepEqual(m, [`m${i}`, "", "x".repeat(i % 13)]))
})

void test("ring: a message larger than the ring streams through it and is delivered only once complete", () => {
  const { w, r } = pair(1024)
  const big = Buffer.alloc(10_000)
  for (let i = 0; i < big.length; i++) big[i] = i & 0xff
  w.write([Buffer.from("head"), big])
  const got: Buffer[][] = []
  for (let rounds = 0; rounds < 100 && got.length === 0; rounds++) {
    r.drain((m) => got.push(m))
    if (got.length === 0) assert.equal(w.busy, true)
    void w.ready // writes the next piece into the room the reader made
  }
  assert.equal(got.length, 1)
  assert.equal(String(got[0]![0]), "head")
  assert.ok(got[0]![1]!.equals(big))
  assert.equal(w.busy, false)
})

void test("ring: the high-water mark counts messages written and not yet taken by the receiving socket", () => {
  const { w, r } = pair(4096)
  w.hwm = 3
  for (let i = 0; i < 3; i++) {
    assert.ok(w.ready)
    w.write([Buffer.from(String(i))])
  }
  w.publish()
  assert.equal(w.ready, false)
  assert.equal(r.drain(() => undefined), 3)
  assert.equal(w.ready, false, "read from the ring but not taken by the socket")
  r.consumed(1)
  assert.equal(w.ready, true)
})
