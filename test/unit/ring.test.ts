import assert from "node:assert/strict"
import { test } from "node:test"
import { RSIGNAL } from "../../src/threads/ring-base.js"
import { RingReader, RingWriter, ringBuffer } from "../../src/threads/ring.js"
import { SHARE_MIN, SharedReceiver, SharedSender } from "../../src/threads/shared-frames.js"

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

void test("ring: as libzmq's pipe, a writer blocked at the high-water mark resumes at the low-water mark, not after each message taken", () => {
  const { w, r } = pair(4096)
  w.hwm = 10 // low-water mark 5 (libzmq's compute_lwm): the writer is told every 5 messages taken
  for (let i = 0; i < 10; i++) {
    assert.ok(w.ready)
    w.write([Buffer.from(String(i))])
  }
  w.publish()
  assert.equal(w.ready, false)
  assert.equal(r.drain(() => undefined), 10)
  for (let i = 0; i < 4; i++) {
    r.consumed(1)
    assert.equal(w.ready, false, `${i + 1} taken: still above the low-water mark`)
  }
  r.consumed(1)
  assert.equal(w.ready, true)
  for (let i = 0; i < 5; i++) {
    assert.ok(w.ready)
    w.write([Buffer.from("more")])
  }
  assert.equal(w.ready, false, "the messages the writer was told of make room for exactly that many")
})

void test("ring: a reader that only watches is not woken by publishes, only by close; one that sleeps is woken by the next publish", async () => {
  const sab = ringBuffer(4096)
  const signals = new Int32Array(sab, 0, RSIGNAL + 1)
  const w = new RingWriter(sab, 0, sab.byteLength, () => undefined)
  let woken: () => void = () => undefined
  const r = new RingReader(sab, 0, sab.byteLength, () => woken())
  const wake = (): Promise<void> => new Promise((resolve) => (woken = resolve))

  let next = wake()
  r.waitReadable()
  w.write([Buffer.from("a")])
  w.publish()
  assert.equal(Atomics.load(signals, RSIGNAL), 1, "a sleeping reader is signalled")
  await next
  assert.equal(r.drain(() => undefined), 1)

  next = wake()
  r.watch()
  w.write([Buffer.from("b")])
  w.publish()
  assert.equal(Atomics.load(signals, RSIGNAL), 1, "a watching reader is not signalled for a publish")
  w.close()
  await next
  const got: string[] = []
  r.drain((m) => got.push(String(m[0])))
  assert.deepEqual(got, ["b"])
  assert.equal(r.ended, true)
})

/** A ring pair whose shared buffers are posted by hand (`post()`), as the channel would, later. */
function sharingPair(capacity: number): { w: RingWriter; r: RingReader; posted: [number, SharedArrayBuffer][]; post: () => void } {
  const { w, r } = pair(capacity)
  const receiver = new SharedReceiver()
  const posted: [number, SharedArrayBuffer][] = []
  w.sharer = new SharedSender({ share: (id, sab) => posted.push([id, sab]), unshare: (id, after) => receiver.remove(id, after) }, () => w.started)
  r.shared = receiver
  const post = (): void => {
    for (const [id, sab] of posted.splice(0)) receiver.add(id, sab)
  }
  return { w, r, posted, post }
}

void test("ring: a frame in shared memory travels as a descriptor and arrives as a view of the same memory", () => {
  const { w, r, posted, post } = sharingPair(4096)
  const sab = new SharedArrayBuffer(3 * SHARE_MIN)
  const big = Buffer.from(sab, SHARE_MIN, SHARE_MIN + 5).fill(7)
  const small = Buffer.from(new SharedArrayBuffer(100)).fill(1) // below SHARE_MIN: copied
  w.write([Buffer.from("head"), big, small, Buffer.alloc(0)])
  w.write([big])
  w.publish()
  assert.equal(posted.length, 1, "the buffer is posted once per connection")
  const got: Buffer[][] = []
  assert.equal(r.drain((m) => got.push(m)), 0, "the buffer has not arrived yet")
  assert.equal(r.blocked, true)
  assert.equal(r.ended, false)
  post()
  assert.equal(r.drain((m) => got.push(m)), 2)
  assert.equal(r.blocked, false)
  assert.deepEqual(got[0]!.map((f) => f.length), [4, SHARE_MIN + 5, 100, 0])
  assert.equal(got[0]![1]!.buffer, sab, "no copy: a view of the sender's buffer")
  assert.equal(got[0]![1]!.byteOffset, SHARE_MIN)
  assert.notEqual(got[0]![2]!.buffer, small.buffer)
  assert.ok(got[0]![2]!.equals(small))
  big[0] = 9 // the zero-copy contract: the sender must not do this, and the receiver would see it
  assert.equal(got[1]![0]![0], 9)
})

void test("ring: a dropped shared buffer is forgotten by the reader only after the messages that refer to it", () => {
  const receiver = new SharedReceiver()
  const sab = new SharedArrayBuffer(8)
  receiver.add(1, sab)
  receiver.remove(1, 2) // the writer had started 2 messages when the buffer was dropped
  receiver.advanced(1)
  assert.equal(receiver.get(1), sab)
  receiver.advanced(1)
  assert.equal(receiver.get(1), undefined)
})
