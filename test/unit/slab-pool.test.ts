import assert from "node:assert/strict"
import { test } from "node:test"
import { RingReader, RingWriter, ringBuffer } from "../../src/threads/ring.js"
import { SharedReceiver, SharedSender } from "../../src/threads/shared-frames.js"
import { SlabPool } from "../../src/threads/slab-pool.js"

// Small sizes keep the tests fast; the logic does not depend on them.
const MIN = 1024
const CAP = 4 * MIN

/** A ring pair with a slab pool whose slabs are posted to the reader by hand (`post()`), as the channel would. */
function slabPair(capacity: number, cap = CAP): { w: RingWriter; r: RingReader; pool: SlabPool; posted: SharedArrayBuffer[]; post: () => void } {
  const sab = ringBuffer(capacity)
  const w = new RingWriter(sab, 0, sab.byteLength, () => undefined)
  const r = new RingReader(sab, 0, sab.byteLength, () => undefined)
  const receiver = new SharedReceiver()
  const posted: SharedArrayBuffer[] = []
  const queue: [number, SharedArrayBuffer][] = []
  w.sharer = new SharedSender({ share: (id, s) => (posted.push(s), queue.push([id, s])), unshare: (id, after) => receiver.remove(id, after) }, () => w.started)
  r.shared = receiver
  const pool = new SlabPool(cap, MIN)
  w.slabs = pool
  const post = (): void => {
    for (const [id, s] of queue.splice(0)) receiver.add(id, s)
  }
  return { w, r, pool, posted, post }
}

function frame(length: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) b[i] = (i + seed) & 0xff
  return b
}

void test("slab: a large ordinary frame travels through a slab, arrives as the receiver's own copy, and the slab is reused", () => {
  const { w, r, pool, posted, post } = slabPair(256)
  const got: Buffer[][] = []
  for (let i = 0; i < 20; i++) {
    const big = frame(MIN + 100, i)
    assert.ok(w.ready)
    w.write([Buffer.from(`m${i}`), big])
    w.publish()
    big.fill(0) // the sender may reuse its buffer at once: the bytes were copied
    post()
    r.drain((m) => got.push(m))
  }
  assert.equal(got.length, 20)
  got.forEach((m, i) => {
    assert.equal(String(m[0]), `m${i}`)
    assert.ok(m[1]!.equals(frame(MIN + 100, i)))
    assert.ok(!(m[1]!.buffer instanceof SharedArrayBuffer), "a copy, not a view of the slab")
  })
  // Bytes through the ring: heads only (a 256-byte ring would otherwise stream every frame).
  assert.equal(posted.length, 1, "one slab, posted once, reused for every message")
  assert.equal(pool.allocated, 2 * MIN)
})

void test("slab: the reader waits for a slab posted later, and frames below the threshold stay inline", () => {
  const { w, r, post } = slabPair(4096)
  w.write([frame(MIN - 1, 1), frame(MIN, 2)])
  w.publish()
  const got: Buffer[][] = []
  assert.equal(r.drain((m) => got.push(m)), 0)
  assert.equal(r.blocked, true)
  post()
  assert.equal(r.drain((m) => got.push(m)), 1)
  assert.ok(got[0]![0]!.equals(frame(MIN - 1, 1)))
  assert.ok(got[0]![1]!.equals(frame(MIN, 2)))
})

void test("slab: with every slab held by the reader the writer waits, then sends in order once one is freed", () => {
  const { w, r, pool, post } = slabPair(4096)
  // Four slabs of MIN fill the cap; the fifth message must wait for the reader.
  for (let i = 0; i < 5; i++) {
    assert.ok(w.ready, `message ${i}`)
    w.write([frame(MIN, i)])
  }
  w.publish()
  post()
  assert.equal(w.busy, true, "the fifth message is held")
  assert.equal(w.ready, false)
  assert.equal(pool.allocated, CAP, "bounded: no slab beyond the cap")
  const got: Buffer[] = []
  assert.equal(r.drain((m) => got.push(m[0]!)), 4)
  assert.equal(w.ready, true, "a freed slab lets the held message go")
  assert.equal(w.busy, false)
  w.write([Buffer.from("after")])
  w.publish()
  assert.equal(r.drain((m) => got.push(m[0]!)), 2)
  assert.deepEqual(got.slice(0, 5).map((f, i) => f.equals(frame(MIN, i))), [true, true, true, true, true])
  assert.equal(String(got[5]), "after")
  assert.equal(pool.allocated, CAP)
})

void test("slab: a frame larger than the cap, or one finding no slab within its own message, streams inline in its place", () => {
  const { w, r, pool, post } = slabPair(512, 2 * MIN)
  const msgs = [
    [frame(3 * MIN, 1)], // above the cap: through the ring
    [frame(2 * MIN, 2), frame(2 * MIN, 3), Buffer.from("tail")], // the second finds the only slab taken by the first
    [Buffer.from("small")],
  ]
  const got: Buffer[][] = []
  for (const msg of msgs) {
    for (let turns = 0; !w.ready; turns++) {
      assert.ok(turns < 1000)
      post()
      r.drain((m) => got.push(m))
    }
    w.write(msg)
    w.publish()
  }
  for (let turns = 0; got.length < msgs.length; turns++) {
    assert.ok(turns < 1000)
    void w.ready
    post()
    r.drain((m) => got.push(m))
  }
  assert.equal(got.length, 3)
  got.forEach((m, i) => {
    assert.equal(m.length, msgs[i]!.length)
    m.forEach((f, j) => assert.ok(f.equals(msgs[i]![j]!), `message ${i} frame ${j}`))
  })
  assert.ok(pool.allocated <= 2 * MIN)
})

void test("slab pool: free slabs are dropped to make room for a larger one, never busy ones", () => {
  const pool = new SlabPool(CAP, MIN)
  const a = pool.take(frame(MIN, 0))
  const b = pool.take(frame(MIN, 0))
  assert.ok(a !== null && b !== null && a !== b)
  assert.equal(pool.allocated, 2 * MIN)
  assert.equal(pool.take(frame(4 * MIN, 0)), null, "both slabs busy: no room for 4 MIN")
  assert.equal(pool.mustWait(4 * MIN), true)
  new Int32Array(a, 0, 1)[0] = 0 // as releaseSlab: the reader copied it out
  assert.equal(pool.take(frame(4 * MIN, 0)), null, "one busy slab still leaves too little room")
  new Int32Array(b, 0, 1)[0] = 0
  assert.equal(pool.mustWait(4 * MIN), false)
  assert.notEqual(pool.take(frame(4 * MIN, 0)), null)
  assert.equal(pool.allocated, CAP)
  assert.equal(pool.wants(CAP + 1), false)
  assert.equal(pool.wants(MIN - 1), false)
})
