/**
 * SealRing (src/mechanism/curve-ring.ts): the views it hands out never
 * overlap a view that is still in an unfinished write, whatever the sizes,
 * the points at which writes are made and the order in which they finish.
 */
import { describe, test } from "node:test"
import assert from "node:assert/strict"
import { SealRing } from "../../src/mechanism/curve-ring.js"

/** The memory a view covers, as [ArrayBuffer, start, end). */
function span(b: Buffer): [ArrayBufferLike, number, number] {
  return [b.buffer, b.byteOffset, b.byteOffset + b.length]
}

function overlaps(a: Buffer, b: Buffer): boolean {
  const [ba, sa, ea] = span(a)
  const [bb, sb, eb] = span(b)
  return ba === bb && sa < eb && sb < ea
}

void describe("SealRing", () => {
  void test("a view is reused only after the write holding it has finished", () => {
    // Deterministic pseudo-random sizes and write points (a small LCG).
    let seed = 12345
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0
      return seed % n
    }
    const ring = new SealRing()
    /** Views in writes not finished yet, oldest write first; `open` is not yet in a write. */
    const writes: { views: Buffer[]; release: (() => void) | null }[] = []
    let open: Buffer[] = []
    let reused = 0
    const live = new Set<ArrayBufferLike>()
    for (let i = 0; i < 4000; i++) {
      const kind = rnd(10)
      const n = kind < 6 ? 1 + rnd(200) : kind < 9 ? 8 * 1024 + rnd(60 * 1024) : 200 * 1024 + rnd(200 * 1024)
      const v = ring.alloc(n)
      assert.equal(v.length, n)
      for (const w of writes) for (const u of w.views) assert.ok(!overlaps(u, v), `view ${i} overlaps one still being written`)
      for (const u of open) assert.ok(!overlaps(u, v), `view ${i} overlaps one not yet written`)
      if (live.has(v.buffer)) reused++
      live.add(v.buffer)
      open.push(v)
      if (rnd(4) === 0) {
        writes.push({ views: open, release: ring.writeBoundary() })
        open = []
      }
      // Writes finish in order, some time later.
      while (writes.length > 0 && rnd(3) === 0) writes.shift()!.release?.()
    }
    assert.ok(reused > 2000, `memory was reused (${reused} views)`)
  })

  void test("nothing is reused before its write finishes; everything is once it has", () => {
    const ring = new SealRing()
    const a = ring.alloc(40 * 1024)
    const release = ring.writeBoundary()
    assert.notEqual(release, null)
    // The first ring (64 KiB) cannot hold a second view while `a` is in its write.
    const b = ring.alloc(40 * 1024)
    assert.ok(!overlaps(a, b))
    const release2 = ring.writeBoundary()
    release!()
    release2!()
    // Both writes done: the ring (grown to 128 KiB for b) goes on after b, then wraps over b's memory.
    const c = ring.alloc(60 * 1024)
    assert.equal(c.buffer, b.buffer)
    assert.ok(!overlaps(b, c))
    const d = ring.alloc(40 * 1024)
    assert.ok(overlaps(b, d))
    // c is not released: the ring is full, so the next view is memory of its own.
    const e = ring.alloc(40 * 1024)
    assert.ok(!overlaps(c, e) && !overlaps(d, e))
  })

  void test("a frame bigger than the ring's current size gets a ring it fits in, or memory of its own", () => {
    for (const n of [64 * 1024 + 1, 150 * 1024, 256 * 1024, 256 * 1024 + 1, 3 * 1024 * 1024]) {
      const ring = new SealRing()
      const v = ring.alloc(n)
      assert.equal(v.length, n, `a view of ${n} bytes from a new ring`)
      const w = ring.alloc(n)
      assert.equal(w.length, n, `a second view of ${n} bytes while the first is in use`)
      assert.ok(!overlaps(v, w))
    }
  })

  void test("no write boundary while nothing was sealed since everything was released", () => {
    const ring = new SealRing()
    assert.equal(ring.writeBoundary(), null)
    ring.alloc(100)
    ring.writeBoundary()!()
    assert.equal(ring.writeBoundary(), null)
  })
})
