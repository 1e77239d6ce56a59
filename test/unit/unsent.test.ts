/**
 * UnsentTracker (src/engine/unsent.ts): which messages taken from a pipe a
 * failed connection never handed to the kernel, and MsgQueue.prepend, which
 * puts them back. A fake stream stands for Node's: writableLength (bytes whose
 * writes have not completed) and its handle's writeQueueSize (bytes libuv
 * still holds, never accepted by the kernel).
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ByteStream } from "../../src/engine/byte-stream.js"
import { UnsentTracker } from "../../src/engine/unsent.js"
import { MsgQueue, type Msg } from "../../src/internal.js"

interface FakeStream {
  writableLength: number
  _handle?: { writeQueueSize: number } | null
}

/** What Node's TCPWrap looks like to the tracker: its class is called TCP. */
class TCP {
  constructor(public writeQueueSize: number) {}
}

/** A TLSWrap has a writeQueueSize too, counted in encrypted bytes. */
class TLSWrap {
  constructor(public writeQueueSize: number) {}
}

const asStream = (s: FakeStream): ByteStream => s as unknown as ByteStream
const msg = (n: number): Msg => [Buffer.from(`m${n}`)]
const names = (msgs: Msg[]): string[] => msgs.map((m) => m[0]!.toString())

/** Three 100-byte messages written in one 300-byte write. */
function threeWritten(stream: FakeStream): UnsentTracker {
  const t = new UnsentTracker(asStream(stream))
  for (let i = 0; i < 3; i++) t.taken(msg(i), i * 100)
  t.wrote(300)
  return t
}

void describe("UnsentTracker", () => {
  void test("a small message encoded at send() cannot go back: only what follows the last such unsent one is requeued", () => {
    const stream: FakeStream = { writableLength: 500, _handle: new TCP(0) }
    const t = new UnsentTracker(asStream(stream))
    t.taken(msg(0), 0)
    t.taken(msg(1), 100)
    t.takenSmall(200)
    t.taken(msg(3), 300)
    t.taken(msg(4), 400)
    t.wrote(500)
    // The kernel took 50 bytes: m1, the small message, m3 and m4 never left; requeueing m1 with m3 would skip the small one.
    stream._handle!.writeQueueSize = 450
    assert.deepEqual(names(t.unsent()), ["m3", "m4"])
  })

  void test("messages wholly in libuv's queue are unsent, in order; the one the kernel has part of is not", () => {
    const stream: FakeStream = { writableLength: 300, _handle: new TCP(0) }
    const t = threeWritten(stream)
    // The kernel took 150 bytes: m1 is split, m2 never left.
    stream._handle!.writeQueueSize = 150
    assert.deepEqual(names(t.unsent()), ["m2"])
  })

  void test("a message starting exactly where the kernel stopped is unsent", () => {
    const stream: FakeStream = { writableLength: 300, _handle: new TCP(200) }
    assert.deepEqual(names(threeWritten(stream).unsent()), ["m1", "m2"])
  })

  void test("messages encoded but not yet written are unsent too", () => {
    const stream: FakeStream = { writableLength: 300, _handle: new TCP(0) }
    const t = threeWritten(stream)
    t.taken(msg(3), 0)
    assert.deepEqual(names(t.unsent()), ["m3"])
  })

  void test("without a libuv TCP or Pipe handle (ws, tls) or once libuv has failed the write, nothing is requeued", () => {
    assert.deepEqual(threeWritten({ writableLength: 300 }).unsent(), [])
    assert.deepEqual(threeWritten({ writableLength: 300, _handle: null }).unsent(), [])
    assert.deepEqual(threeWritten({ writableLength: 300, _handle: new TLSWrap(300) }).unsent(), [])
    assert.deepEqual(threeWritten({ writableLength: 300, _handle: new TCP(0) }).unsent(), [])
  })

  void test("prune() forgets what completed writes delivered; what is left can still be requeued", () => {
    const stream: FakeStream = { writableLength: 300, _handle: new TCP(300) }
    const t = threeWritten(stream)
    stream.writableLength = 0
    t.prune()
    t.taken(msg(3), 0)
    t.wrote(100)
    stream.writableLength = 100
    stream._handle!.writeQueueSize = 100
    // Even with a queue size claiming more, only m3 was still tracked.
    stream._handle!.writeQueueSize = 400
    assert.deepEqual(names(t.unsent()), ["m3"])
  })

  void test("unsent() hands each message out once", () => {
    const stream: FakeStream = { writableLength: 300, _handle: new TCP(300) }
    const t = threeWritten(stream)
    assert.equal(t.unsent().length, 3)
    assert.deepEqual(t.unsent(), [])
  })
})

void describe("MsgQueue.prepend", () => {
  void test("puts messages back at the front in their order, past the high-water mark, across a wrapped ring", () => {
    const q = new MsgQueue(4)
    for (let i = 0; i < 20; i++) {
      assert.ok(q.write(msg(i)))
      q.read()
    }
    q.write(msg(100))
    q.write(msg(101))
    q.prepend([msg(97), msg(98), msg(99)])
    assert.equal(q.length, 5)
    assert.equal(q.full, true)
    const out: Msg[] = []
    for (let m = q.read(); m !== undefined; m = q.read()) out.push(m)
    assert.deepEqual(names(out), ["m97", "m98", "m99", "m100", "m101"])
  })

  void test("an empty queue that gets messages back tells its reader", () => {
    const q = new MsgQueue(10)
    let woken = 0
    q.onReadable = () => woken++
    q.prepend([msg(1), msg(2)])
    assert.equal(woken, 1)
    assert.deepEqual(names([q.read()!, q.read()!]), ["m1", "m2"])
  })
})
