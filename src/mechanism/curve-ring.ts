/**
 * Memory for the MESSAGE bodies a CURVE connection seals, reused once the
 * stream is done with them.
 *
 * Why: a fresh Buffer of 8 KiB or more is fresh memory from malloc, and
 * once V8 has freed the last ones glibc has handed those pages back to the
 * kernel, so writing the sealed box into it page-faults on every 4 KiB.
 * Measured on the sender of 64 KiB CURVE messages: sealing into a fresh
 * buffer 133-266 us, into a reused one 88-93 us (docs/performance.md,
 * "CURVE"). libzmq's encoder has the same need and reuses one batch buffer
 * per connection.
 *
 * How: a ring carved into views, one per sealed frame. The engine marks a
 * boundary each time it hands what it encoded to the stream
 * (writeBoundary()), and calls the function it got back once the stream's
 * write callback says those bytes are written: everything sealed before
 * that boundary may then be overwritten. Writes complete in order, so
 * releasing a boundary releases everything before it. The ring starts
 * small (an idle or lightly used connection keeps 64 KiB at most) and
 * doubles, up to MAX_RING, when it is full while writes are in flight;
 * a frame bigger than a quarter of MAX_RING, or one that finds the largest
 * ring full, gets a buffer of its own as before.
 */
const FIRST_RING = 64 * 1024
const MAX_RING = 1024 * 1024
const MAX_PIECE = MAX_RING / 4

export class SealRing {
  private buf: Buffer | null = null
  /**
   * Offsets in an unbounded byte sequence mapped onto the ring (position =
   * offset mod size): [released, allocated) may still be in a write.
   */
  private allocated = 0
  private released = 0
  /** Bumped when the ring is replaced: releases from the old one's writes are ignored. */
  private generation = 0

  /** `n` bytes to seal a frame into; valid until released through writeBoundary(). */
  alloc(n: number): Buffer {
    if (n > MAX_PIECE) return Buffer.allocUnsafe(n)
    let buf = this.buf
    if (buf === null) buf = this.replace(FIRST_RING)
    let size = buf.length
    let pos = this.allocated % size
    // a view never wraps: the tail of the ring is skipped (and released with the rest)
    let skip = pos + n > size ? size - pos : 0
    if (this.allocated + skip + n - this.released > size) {
      // Full. The old ring stays alive as long as the writes that use it.
      if (size >= MAX_RING) return Buffer.allocUnsafe(n)
      // doubled at least once, and until the frame fits (n <= MAX_PIECE < MAX_RING)
      let grown = size * 2
      while (grown < n) grown *= 2
      buf = this.replace(Math.min(MAX_RING, grown))
      size = buf.length
      pos = 0
      skip = 0
    }
    const start = skip > 0 ? 0 : pos
    this.allocated += skip + n
    return buf.subarray(start, start + n)
  }

  /**
   * Everything allocated so far is in the write being made now: the returned
   * function releases it once that write is done (call it from the write's
   * callback, only on success: after an error the connection is finished).
   */
  writeBoundary(): (() => void) | null {
    if (this.allocated === this.released) return null
    const mark = this.allocated
    const gen = this.generation
    return () => {
      if (gen === this.generation && mark > this.released) this.released = mark
    }
  }

  private replace(size: number): Buffer {
    const buf = Buffer.allocUnsafe(size)
    this.buf = buf
    this.generation++
    this.allocated = 0
    this.released = 0
    return buf
  }
}
