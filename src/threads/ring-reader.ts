/** The reading end of a ring (ring-base.ts says why a ring). */
import { lowWaterMark } from "../pipe.js"
import { CLOSED, CONSUMED, HWM, RingBase, waitAsync, RPOS, RSIGNAL, WORDS_PER_SHARED, WPOS, WRITER_WAIT, WSIGNAL, READER_WAIT, type Entry, type Msg } from "./ring-base.js"
import { SHARED_MARK, type SharedReceiver } from "./shared-frames.js"
import { releaseSlab, SLAB_MARK } from "./slab-pool.js"

/** The reading end: decodes whole messages and hands them over. */
export class RingReader extends RingBase {
  private rpos: number
  private frames: Buffer[] = []
  private count = -1 // frames of the message being read, -1 before its header
  private lengths: Entry[] = []
  /** The words read so far of a shared frame's descriptor (after its mark), or null. */
  private descriptor: number[] | null = null
  /** Whether that descriptor is of a slab frame (copied out), not an application's shared buffer. */
  private slabDescriptor = false
  private frame: Buffer | null = null
  private filled = 0
  private sleeping = false
  /** Messages the receiving socket has taken, and how many of them the writer has been told of. */
  private taken: number
  private reported: number
  /** Report CONSUMED every this many messages taken (from the writer's high-water mark). */
  private step = 1
  /** Set when shared frames may arrive: the buffers posted by the writer. */
  shared: SharedReceiver | null = null
  /** A shared frame's buffer has not been posted here yet: reading resumes when it is. */
  blocked = false

  constructor(sab: SharedArrayBuffer, offset: number, bytes: number, private readonly onReadable: () => void) {
    super(sab, offset, bytes)
    this.rpos = Atomics.load(this.h, RPOS)
    this.taken = this.reported = Atomics.load(this.h, CONSUMED)
  }

  /** Reads every complete message available (at most `max`); returns them. */
  drain(deliver: (msg: Msg) => void, max = Infinity): number {
    // Awake (woken by a nudge or a close, not the writer's signal): publishes need not wake us.
    if (Atomics.load(this.h, READER_WAIT) === 1) Atomics.store(this.h, READER_WAIT, 0)
    const wpos = Atomics.load(this.h, WPOS)
    // The writer stores its high-water mark before any message, on the line WPOS is on.
    this.step = reportStep(Atomics.load(this.h, HWM))
    let n = 0
    this.blocked = false
    while (n < max) {
      const avail = (wpos - this.rpos) >>> 0
      // An empty or shared frame needs no bytes: only its head, already read.
      if (avail === 0 && !this.headOnly()) break
      if (this.frame !== null) {
        const take = Math.min(avail, this.frame.length - this.filled)
        this.copyOut(this.frame, this.filled, take)
        this.filled += take
        if (this.filled < this.frame.length) break
        this.frames.push(this.frame)
        this.frame = null
        if (this.complete(deliver)) n++
        continue
      }
      if (this.count === -1) {
        if (avail < 4) break
        if (this.whole(avail, deliver)) {
          n++
          continue
        }
        this.count = this.u32()
        this.lengths = []
        if (this.count === 0) {
          this.count = -1
          this.shared?.advanced(1)
        }
        continue
      }
      if (this.lengths.length < this.count) {
        if (avail < 4) break
        this.headWord(this.u32())
        continue
      }
      const entry = this.lengths[this.frames.length]!
      if (typeof entry !== "number") {
        const sab = this.shared?.get(entry.id)
        if (sab === undefined) {
          this.blocked = true
          break
        }
        this.frames.push(entry.slab ? this.copySlab(sab, entry.offset, entry.length) : Buffer.from(sab, entry.offset, entry.length))
        if (this.complete(deliver)) n++
        continue
      }
      this.frame = Buffer.allocUnsafe(entry)
      this.filled = 0
      if (entry === 0) {
        // An empty frame has no bytes to wait for.
        this.frames.push(this.frame)
        this.frame = null
        if (this.complete(deliver)) n++
      }
    }
    Atomics.store(this.h, RPOS, this.rpos)
    this.signal(WRITER_WAIT, WSIGNAL)
    return n
  }

  /**
   * The common case, a message wholly in the ring with its frames inline:
   * read it in one go, without the state kept for one that arrives in parts
   * (a --cpu-prof of 16 B PUSH -> PULL had 22% of the reader in GC; this
   * allocates the message's array and one Buffer per frame, nothing else).
   */
  private whole(avail: number, deliver: (msg: Msg) => void): boolean {
    const d = this.data
    const m = this.mask
    const p = this.rpos
    const count = this.peekU32(p)
    if (count === 0 || count > 64 || avail < 4 + 4 * count) return false
    let total = 4 + 4 * count
    for (let i = 0; i < count; i++) {
      const length = this.peekU32(p + 4 + 4 * i)
      // SHARED_MARK and SLAB_MARK: no inline frame is that long.
      if (length >= SLAB_MARK) return false
      total += length
      if (total > avail) return false
    }
    const msg: Buffer[] = new Array<Buffer>(count)
    let at = p + 4 + 4 * count
    for (let i = 0; i < count; i++) {
      const length = this.peekU32(p + 4 + 4 * i)
      const frame = Buffer.allocUnsafe(length)
      if (length <= 32) {
        // A loop beats a subarray() object and set() for a few bytes.
        for (let j = 0; j < length; j++) frame[j] = d[(at + j) & m]!
      } else this.copyAt(frame, at, length)
      msg[i] = frame
      at += length
    }
    this.rpos = (p + total) >>> 0
    deliver(msg)
    this.shared?.advanced(1)
    return true
  }

  private peekU32(p: number): number {
    const d = this.data
    const m = this.mask
    return (d[p & m]! | (d[(p + 1) & m]! << 8) | (d[(p + 2) & m]! << 16) | (d[(p + 3) & m]! << 24)) >>> 0
  }

  /** Whether the next frame to deliver is complete in the head already read (empty, or shared). */
  private headOnly(): boolean {
    if (this.count <= 0 || this.lengths.length !== this.count || this.frame !== null) return false
    const entry = this.lengths[this.frames.length]
    return entry === 0 || typeof entry === "object"
  }

  /** Delivers the message being read if it has all its frames; true if it did. */
  private complete(deliver: (msg: Msg) => void): boolean {
    if (this.frames.length !== this.count) return false
    deliver(this.frames)
    this.frames = []
    this.count = -1
    this.shared?.advanced(1)
    return true
  }

  /** One word of a message's head: a frame length, or part of a shared frame's descriptor. */
  private headWord(word: number): void {
    const d = this.descriptor
    if (d === null) {
      if ((word === SHARED_MARK || word === SLAB_MARK) && this.shared !== null) {
        this.descriptor = []
        this.slabDescriptor = word === SLAB_MARK
      } else this.lengths.push(word)
      return
    }
    d.push(word)
    if (d.length < WORDS_PER_SHARED - 1) return
    this.lengths.push({ id: d[0]!, offset: d[1]!, length: d[2]!, slab: this.slabDescriptor })
    this.descriptor = null
  }

  /** A slab frame: copied into a Buffer of this thread's own, then the slab is the writer's again. */
  private copySlab(sab: SharedArrayBuffer, offset: number, length: number): Buffer {
    const frame = Buffer.allocUnsafe(length)
    frame.set(new Uint8Array(sab, offset, length))
    releaseSlab(sab)
    return frame
  }

  /**
   * The receiving socket took `n` messages: frees their place under the
   * high-water mark. As libzmq's pipe (pipe.cpp, compute_lwm and
   * check_read's activate_write every lwm messages read), the writer is told
   * only in steps, so that a writer blocked at the high-water mark resumes
   * at the low-water mark: told of every message, it woke to write one and
   * slept again (16 B PUSH -> PULL: ~3,800 writer wake-ups per 1M messages,
   * and an atomic add per message).
   */
  consumed(n: number): void {
    this.taken = (this.taken + n) | 0
    if (((this.taken - this.reported) | 0) < this.step) return
    this.reported = this.taken
    Atomics.store(this.h, CONSUMED, this.taken)
    this.signal(WRITER_WAIT, WSIGNAL)
  }

  /** True once the writer closed and everything it wrote has been read. */
  get ended(): boolean {
    return !this.blocked && Atomics.load(this.h, CLOSED) === 1 && Atomics.load(this.h, WPOS) === this.rpos
  }

  /**
   * Sleeps until the writer publishes or closes, then calls onReadable. The
   * writer wakes a reader that sleeps so with Atomics.notify, which costs it
   * tens of microseconds (a --cpu-prof of 16 B PUSH -> PULL, loaded box).
   */
  waitReadable(): void {
    // RSIGNAL is read before the flag is raised: a signal in between makes waitAsync return at once.
    const seen = Atomics.load(this.h, RSIGNAL)
    Atomics.store(this.h, READER_WAIT, 1)
    const more = Atomics.load(this.h, WPOS) !== this.rpos || Atomics.load(this.h, CLOSED) === 1
    if (more) {
      Atomics.store(this.h, READER_WAIT, 0)
      queueMicrotask(this.onReadable)
      return
    }
    // A wait armed by watch() is still pending: the writer's signal ends it.
    if (!this.sleeping) this.arm(seen)
  }

  /**
   * Waits only for the writer's close or nudge, not for every publish: the
   * caller drains again by itself once its socket has taken what it holds
   * (thread-peer.ts), so a busy stream costs the writer no wake-ups.
   */
  watch(): void {
    if (!this.sleeping) this.arm(Atomics.load(this.h, RSIGNAL))
  }

  private arm(seen: number): void {
    this.sleeping = true
    const r = waitAsync(this.h, RSIGNAL, seen)
    const wake = (): void => {
      this.sleeping = false
      this.onReadable()
    }
    if (r.async) void (r.value as Promise<unknown>).then(wake)
    else queueMicrotask(wake)
  }

  private u32(): number {
    const d = this.data
    const m = this.mask
    const p = this.rpos
    const v = d[p & m]! | (d[(p + 1) & m]! << 8) | (d[(p + 2) & m]! << 16) | (d[(p + 3) & m]! << 24)
    this.rpos = (p + 4) >>> 0
    return v >>> 0
  }

  private copyOut(target: Buffer, at: number, n: number): void {
    const from = this.rpos & this.mask
    const first = Math.min(n, this.capacity - from)
    target.set(this.data.subarray(from, from + first), at)
    if (first < n) target.set(this.data.subarray(0, n - first), at + first)
    this.rpos = (this.rpos + n) >>> 0
  }

  /** Copies `n` bytes from ring position `pos` into the whole of `target`. */
  private copyAt(target: Buffer, pos: number, n: number): void {
    const from = pos & this.mask
    const first = Math.min(n, this.capacity - from)
    target.set(this.data.subarray(from, from + first), 0)
    if (first < n) target.set(this.data.subarray(0, n - first), first)
  }
}

/** Messages the writer at its high-water mark waits for to reach the low-water mark (any step when unlimited). */
function reportStep(hwm: number): number {
  return hwm > 0 ? Math.max(1, hwm - lowWaterMark(hwm)) : 1024
}

