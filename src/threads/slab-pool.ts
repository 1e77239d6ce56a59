/**
 * Large frames in ordinary memory crossing threads out of band: the writer
 * copies such a frame once into a reusable SharedArrayBuffer slab and puts
 * only a descriptor in the ring; the reader copies it out once into a Buffer
 * of its own and marks the slab free with one atomic store, so the writer
 * reuses it without any message back.
 *
 * Why (measured on the loaded 2-core box, 1 MiB frames): streaming a frame
 * through the 256 KiB ring needs several cross-thread wake-ups per message
 * (224-274 msg/s), while a copy of 1 MiB costs 115-185 us. A fresh
 * SharedArrayBuffer per message costs ~1.6 ms, hence a pool allocated once
 * and reused. The reader must copy out (not hand out a view) because a view
 * would pin the slab until the application's Buffer is garbage collected
 * (see shared-frames.ts).
 *
 * The slab is posted to the reading thread once, through the same channel
 * and cache as application SharedArrayBuffers (SharedSender/SharedReceiver).
 * Descriptors travel in the ring among inline frames, so order is kept.
 */

/** Ordinary frames at least this long go through a slab; smaller ones stream well through the ring. */
export const SLAB_MIN = 64 * 1024

/** Bytes of slabs a ring direction may hold; a larger frame streams through the ring. */
export const SLAB_CAP = 4 * 1024 * 1024

/** The length word that marks a slab frame in the ring; three words follow: id, offset, length. */
export const SLAB_MARK = 0xfffffffe

/** Slab header: one Int32, 1 while the reader has yet to copy the frame out. Data follows at 8 (aligned). */
export const SLAB_DATA = 8

interface Slab {
  sab: SharedArrayBuffer
  flag: Int32Array
  data: Uint8Array
}

/** The reader copied the frame out of `sab`: the writer may reuse it. */
export function releaseSlab(sab: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(sab, 0, 1), 0, 0)
}

/** The writing side's pool of slabs for one ring direction. */
export class SlabPool {
  private readonly slabs: Slab[] = []
  private total = 0

  constructor(
    /** Bytes of slab data the pool may hold at once. */
    readonly cap = SLAB_CAP,
    /** The smallest frame worth a slab. */
    readonly min = SLAB_MIN,
  ) {}

  /** Whether a frame of `length` bytes should go through a slab at all. */
  wants(length: number): boolean {
    return length >= this.min && length <= this.cap
  }

  /** Slab bytes currently allocated (for tests and bounds). */
  get allocated(): number {
    return this.total
  }

  /**
   * True when a frame of `length` bytes finds no slab now but will once the
   * reader copies out what it has been given: the writer should wait rather
   * than stream the frame through the ring.
   */
  mustWait(length: number): boolean {
    if (!this.wants(length) || this.free(length) !== null) return false
    // take() drops free slabs to grow: it fails only if the busy ones leave no room.
    let busy = 0
    for (const s of this.slabs) if (Atomics.load(s.flag, 0) !== 0) busy += s.data.length
    return busy + sizeFor(length, this.min, this.cap) > this.cap
  }

  /** Copies `frame` into a free slab and returns that slab, or null if none can be had now. */
  take(frame: Uint8Array): SharedArrayBuffer | null {
    if (!this.wants(frame.length)) return null
    const slab = this.free(frame.length) ?? this.grow(frame.length)
    if (slab === null) return null
    slab.data.set(frame)
    // Published before the descriptor (the ring's WPOS store comes later).
    Atomics.store(slab.flag, 0, 1)
    return slab.sab
  }

  /** The smallest free slab that holds `length` bytes. */
  private free(length: number): Slab | null {
    let best: Slab | null = null
    for (const s of this.slabs) {
      if (s.data.length < length || Atomics.load(s.flag, 0) !== 0) continue
      if (best === null || s.data.length < best.data.length) best = s
    }
    return best
  }

  /** A new slab for `length` bytes, dropping free ones to stay under the cap; null if it cannot. */
  private grow(length: number): Slab | null {
    const size = sizeFor(length, this.min, this.cap)
    for (let i = this.slabs.length - 1; i >= 0 && this.total + size > this.cap; i--) {
      const s = this.slabs[i]!
      if (Atomics.load(s.flag, 0) !== 0) continue
      // The reader's cache lets it go once this buffer is collected (shared-frames.ts).
      this.slabs.splice(i, 1)
      this.total -= s.data.length
    }
    if (this.total + size > this.cap) return null
    const sab = new SharedArrayBuffer(SLAB_DATA + size)
    const slab = { sab, flag: new Int32Array(sab, 0, 1), data: new Uint8Array(sab, SLAB_DATA, size) }
    this.slabs.push(slab)
    this.total += size
    return slab
  }
}

/** Slab sizes are powers of two, so that a slab serves frames of similar sizes. */
function sizeFor(length: number, min: number, cap: number): number {
  let size = min
  while (size < length) size *= 2
  return Math.max(length, Math.min(size, cap))
}
