/** The writing end of a ring (ring-base.ts says why a ring). */
import { CLOSED, CONSUMED, HWM, READER_WAIT, RingBase, RPOS, RSIGNAL, STARTED, WORDS_PER_SHARED, WPOS, WRITER_WAIT, WSIGNAL, type Msg } from "./ring-base.js"
import { shareable, SHARED_MARK, type SharedSender } from "./shared-frames.js"
import { SLAB_DATA, SLAB_MARK, type SlabPool } from "./slab-pool.js"

export { HEADER_BYTES, RING_BYTES, ringBuffer, type Msg } from "./ring-base.js"
export { RingReader } from "./ring-reader.js"

/** How long a writer short of room lets a reader that only watches come by itself before waking it. */
const NUDGE_MS = 1

/** The writing end. `hwm` bounds messages written but not yet taken by the receiving socket (0: none). */
export class RingWriter extends RingBase {
  private hwm_ = 0
  /** Set when frames in shared memory may travel as descriptors instead of bytes. */
  sharer: SharedSender | null = null
  /** Set (with sharer) when large ordinary frames may travel through slabs (slab-pool.ts). */
  slabs: SlabPool | null = null
  private wpos: number
  /**
   * Local copies, so that a message does not touch the header's cache line,
   * which the reader writes (a --cpu-prof of 16 B PUSH -> PULL had the
   * sender busy, 32% of it in write() and signal(), the reader idle 67%):
   * messages started (only this side reads it); the reader's position and
   * count taken as last seen, re-read only when they would stop a write.
   */
  private started_: number
  private rposSeen: number
  private consumedSeen: number
  /** The rest of a message that did not fit: its encoded pieces still to write. */
  private pending: Uint8Array[] = []
  /** A message waiting for the reader to free a slab (rather than streaming it through the ring). */
  private held: Msg | null = null
  private sleeping = false
  private nudge: NodeJS.Timeout | null = null

  constructor(sab: SharedArrayBuffer, offset: number, bytes: number, private readonly onWritable: () => void) {
    super(sab, offset, bytes)
    this.wpos = Atomics.load(this.h, WPOS)
    this.started_ = Atomics.load(this.h, STARTED)
    this.rposSeen = Atomics.load(this.h, RPOS)
    this.consumedSeen = Atomics.load(this.h, CONSUMED)
  }

  get hwm(): number {
    return this.hwm_
  }

  /** Also told to the reader, which reports what its socket took in steps that follow from it. */
  set hwm(hwm: number) {
    this.hwm_ = hwm
    Atomics.store(this.h, HWM, hwm)
  }

  /** True when another message may be started now. */
  get ready(): boolean {
    if (this.pending.length > 0 && !this.flushPending()) return false
    if (this.hwm_ > 0 && ((this.started_ - this.consumedSeen) | 0) >= this.hwm_) {
      this.consumedSeen = Atomics.load(this.h, CONSUMED)
      if (((this.started_ - this.consumedSeen) | 0) >= this.hwm_) return false
    }
    if (this.free(8) < 8) return false
    if (this.held === null) return true
    const msg = this.held
    this.held = null
    this.write(msg)
    if (this.held !== null) return false
    // Nothing else may publish it: the pump only publishes what it writes itself.
    this.publish()
    return this.ready
  }

  /** Writes a message (ready must have been true); it may be left partly written until room appears. */
  write(msg: Msg): void {
    let shared = 0
    let fits = 4 + 4 * msg.length
    const slabs = this.sharer !== null ? this.slabs : null
    let big = -1 // the first frame that wants a slab
    for (let i = 0; i < msg.length; i++) {
      const frame = msg[i]!
      fits += frame.length
      if (this.sharer === null) continue
      if (shareable(frame)) shared++
      else if (slabs?.wants(frame.length) === true) {
        shared++
        if (big === -1) big = i
      }
    }
    // Wait for the reader to free a slab only before any of this message is
    // copied (a slab taken by its own earlier frame would never come back).
    if (big !== -1 && slabs!.mustWait(msg[big]!.length)) {
      this.held = msg
      return
    }
    this.started_ = (this.started_ + 1) | 0
    if (shared === 0 && fits <= this.free(fits)) {
      // Common case: the whole message fits; lengths first, then the frames,
      // written in place (no head buffer to allocate).
      this.putU32(msg.length)
      for (let i = 0; i < msg.length; i++) this.putU32(msg[i]!.length)
      for (let i = 0; i < msg.length; i++) this.put(msg[i]!)
      return
    }
    this.writeHead(msg, shared)
  }

  /**
   * Writes a one-frame message of at most SMALL_FRAME_MAX bytes (pipe.ts)
   * straight from the application's buffer, if it may be started now and
   * fits whole: the ring's copy is the copy zeromq.js semantics require at
   * send(). False (nothing written) when the caller must queue it: a message
   * is still partly written or held, the high-water mark is reached, or the
   * room is short. The caller publishes.
   */
  writeSmall(frame: Uint8Array): boolean {
    if (this.pending.length > 0 || this.held !== null || this.atHwm(0)) return false
    const n = frame.length
    if (this.free(8 + n) < 8 + n) return false
    this.started_ = (this.started_ + 1) | 0
    this.putU32(1)
    this.putU32(n)
    this.put(frame)
    return true
  }

  /** write() for a message with shared frames, or one that does not fit the free room. */
  private writeHead(msg: Msg, shared: number): void {
    const head = new Uint8Array(4 + 4 * msg.length + 4 * (WORDS_PER_SHARED - 1) * shared)
    const view = new DataView(head.buffer)
    view.setUint32(0, msg.length, true)
    // Shared frames are only described in the head; the others follow it.
    const body = shared === 0 ? msg : []
    let at = 4
    let fits = 4
    for (let i = 0; i < msg.length; i++) {
      const frame = msg[i]!
      // A frame that finds no free slab (the pool at its cap) streams inline, in its place.
      const slab = shared > 0 && !shareable(frame) ? (this.slabs?.take(frame) ?? null) : null
      if (slab !== null || (shared > 0 && shareable(frame))) {
        const sab = slab ?? (frame.buffer as SharedArrayBuffer)
        view.setUint32(at, slab !== null ? SLAB_MARK : SHARED_MARK, true)
        view.setUint32(at + 4, this.sharer!.idOf(sab), true)
        view.setUint32(at + 8, slab !== null ? SLAB_DATA : frame.byteOffset, true)
        view.setUint32(at + 12, frame.length, true)
        at += 4 * WORDS_PER_SHARED
        fits += 4 * WORDS_PER_SHARED
        continue
      }
      view.setUint32(at, frame.length, true)
      at += 4
      fits += 4 + frame.length
      if (shared > 0) body.push(frame)
    }
    // The head was sized for every candidate taking a slab; some may not have.
    const used = at === head.length ? head : head.subarray(0, at)
    if (fits <= this.free(fits)) {
      this.put(used)
      for (let i = 0; i < body.length; i++) this.put(body[i]!)
      return
    }
    this.pending = [used, ...body]
    if (!this.flushPending()) return
  }

  /**
   * Whether `queued` more messages besides those started and not yet taken
   * by the receiving socket reach the high-water mark (never when it is 0).
   * The reader's count is re-read only when the last one seen says so.
   */
  atHwm(queued: number): boolean {
    if (this.hwm_ === 0 || ((this.started_ - this.consumedSeen) | 0) + queued < this.hwm_) return false
    this.consumedSeen = Atomics.load(this.h, CONSUMED)
    return ((this.started_ - this.consumedSeen) | 0) + queued >= this.hwm_
  }

  /** Messages started on this ring so far (wrapping at 2^32). */
  get started(): number {
    return this.started_
  }

  /** Makes what was written visible and wakes the reader if it sleeps. */
  publish(): void {
    // One seq-cst store a message: STARTED is only for a writer made later on this ring (close()).
    Atomics.store(this.h, WPOS, this.wpos)
    this.signal(READER_WAIT, RSIGNAL)
  }

  /** Sleeps until the reader frees room or takes messages, then calls onWritable. */
  waitWritable(): void {
    if (this.sleeping) return
    this.sleeping = true
    this.publish()
    // Short of room or of a slab, not at the high-water mark: a reader that
    // only watches (RingReader.watch) drains when its socket has taken what
    // it holds, which a stream does within microseconds; if its socket takes
    // nothing, it must drain anyway to free them, so it is nudged, but only
    // after NUDGE_MS: a nudge at once cost a wake-up per ring's worth (4 KiB
    // messages: every 62) and showed as 23% of the reader's profile.
    if (this.pending.length > 0 || this.held !== null || this.free(64) < 64) {
      this.nudge = setTimeout(() => {
        this.nudge = null
        Atomics.add(this.h, RSIGNAL, 1)
        Atomics.notify(this.h, RSIGNAL)
      }, NUDGE_MS)
      this.nudge.unref()
    }
    const seen = Atomics.load(this.h, WSIGNAL)
    this.sleep(WRITER_WAIT, WSIGNAL, seen, () => this.ready, () => {
      this.sleeping = false
      if (this.nudge !== null) clearTimeout(this.nudge)
      this.nudge = null
      this.onWritable()
    })
  }

  /** Nothing more will be written; the reader delivers what is there, then sees the end. */
  close(): void {
    if (this.nudge !== null) clearTimeout(this.nudge)
    this.nudge = null
    this.sharer?.close()
    Atomics.store(this.h, STARTED, this.started_)
    this.publish()
    Atomics.store(this.h, CLOSED, 1)
    Atomics.add(this.h, RSIGNAL, 1)
    Atomics.notify(this.h, RSIGNAL)
  }

  get busy(): boolean {
    return this.pending.length > 0 || this.held !== null
  }

  /** Free room, from the reader's position as last seen, re-read if less than `need`. */
  private free(need: number): number {
    const room = this.capacity - ((this.wpos - this.rposSeen) >>> 0)
    if (room >= need) return room
    this.rposSeen = Atomics.load(this.h, RPOS)
    return this.capacity - ((this.wpos - this.rposSeen) >>> 0)
  }

  private putU32(v: number): void {
    const d = this.data
    const m = this.mask
    const p = this.wpos
    d[p & m] = v
    d[(p + 1) & m] = v >>> 8
    d[(p + 2) & m] = v >>> 16
    d[(p + 3) & m] = v >>> 24
    this.wpos = (p + 4) >>> 0
  }

  private flushPending(): boolean {
    while (this.pending.length > 0) {
      const room = this.free(this.pending[0]!.length)
      if (room === 0) return false
      const piece = this.pending[0]!
      if (piece.length <= room) {
        this.put(piece)
        this.pending.shift()
      } else {
        this.put(piece.subarray(0, room))
        this.pending[0] = piece.subarray(room)
        // The reader must see this part to make room for the rest.
        this.publish()
        return false
      }
    }
    // The tail of a streamed message: the reader may be waiting for it.
    this.publish()
    return true
  }

  private put(bytes: Uint8Array): void {
    const n = bytes.length
    if (n <= 32) {
      // A loop beats TypedArray.set() for a few bytes (as RingReader.whole).
      const d = this.data
      const m = this.mask
      const p = this.wpos
      for (let i = 0; i < n; i++) d[(p + i) & m] = bytes[i]!
      this.wpos = (p + n) >>> 0
      return
    }
    const at = this.wpos & this.mask
    const first = Math.min(bytes.length, this.capacity - at)
    this.data.set(first === bytes.length ? bytes : bytes.subarray(0, first), at)
    if (first < bytes.length) this.data.set(bytes.subarray(first), 0)
    this.wpos = (this.wpos + bytes.length) >>> 0
  }
}
