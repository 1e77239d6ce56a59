/**
 * One direction of a cross-thread inproc connection: a byte ring in a
 * SharedArrayBuffer carrying whole messages, written by one thread and read
 * by another.
 *
 * Why a ring and not MessagePort.postMessage (measured on the 2-core CI
 * box, 16 B messages, transport alone without sockets): one postMessage per
 * message peaks at ~160k msg/s (a structured clone and a port event each);
 * batching 1000 messages per postMessage reaches ~1M msg/s but still clones
 * every frame, cannot tell the writer synchronously how much the reader
 * holds (the high-water mark), and needs a MessagePort in both threads, which
 * cannot be handed to a thread already running (BroadcastChannel, the only
 * process-wide channel, does not transfer ports; it does share
 * SharedArrayBuffers). With the ring, PUSH -> PULL between threads with
 * full socket semantics measured ~520k msg/s (zeromq.js: 36k-55k): each
 * frame is copied once in and once out, and the threads only wake each
 * other (Atomics.notify / Atomics.waitAsync) when the reader has gone to
 * sleep on an empty ring or the writer on a full one, so a busy stream costs
 * no wake-up at all.
 *
 * A message is written as [frame count][length, bytes]...; one larger than
 * the ring streams through it in pieces, and the reader hands it to the
 * socket only once it is complete, so multipart messages stay atomic.
 */

import { shareable, SHARED_MARK, type SharedReceiver, type SharedSender } from "./shared-frames.js"

/** Header words (Int32, shared). Positions are byte counters wrapping at 2^32. */
const WPOS = 0 // bytes published by the writer
const RPOS = 1 // bytes released by the reader
const STARTED = 2 // messages the writer started writing
const CONSUMED = 3 // messages the receiving socket has taken
const READER_WAIT = 4 // 1: the reader sleeps on RSIGNAL
const WRITER_WAIT = 5 // 1: the writer sleeps on WSIGNAL
const RSIGNAL = 6
const WSIGNAL = 7
const CLOSED = 8 // the writer is gone: nothing more will come
const HEADER_WORDS = 16
/** Per frame in a message's head: its length, or SHARED_MARK and three words (shared-frames.ts). */
const WORDS_PER_SHARED = 4
const HEADER_BYTES = HEADER_WORDS * 4

/** 256 KiB a direction: 4 KiB messages still batch well, and 100 connections cost 50 MiB. */
export const RING_BYTES = 256 * 1024

export function ringBuffer(capacity = RING_BYTES): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + capacity)
}

export type Msg = Buffer[]

/** A frame of a message being read: its length, or where it lies in a shared buffer. */
type Entry = number | { id: number; offset: number; length: number }

/** Atomics.waitAsync (ES2024; in Node since 16), typed here as the project targets an older lib. */
const { waitAsync } = Atomics as unknown as {
  waitAsync(this: void, a: Int32Array, index: number, value: number): { async: boolean; value: Promise<unknown> | string }
}


class RingBase {
  protected readonly h: Int32Array
  protected readonly data: Uint8Array
  protected readonly mask: number
  protected readonly capacity: number

  /** The ring at `offset`, of `bytes` bytes (header included; the data part a power of two). */
  constructor(sab: SharedArrayBuffer, offset: number, bytes: number) {
    this.h = new Int32Array(sab, offset, HEADER_WORDS)
    this.capacity = bytes - HEADER_BYTES
    this.data = new Uint8Array(sab, offset + HEADER_BYTES, this.capacity)
    this.mask = this.capacity - 1
  }

  /** Sleeps (without holding the event loop) until the other side signals on `word`. */
  protected sleep(flag: number, word: number, seen: number, recheck: () => boolean, wake: () => void): void {
    Atomics.store(this.h, flag, 1)
    if (recheck()) {
      Atomics.store(this.h, flag, 0)
      queueMicrotask(wake)
      return
    }
    const r = waitAsync(this.h, word, seen)
    if (r.async) void (r.value as Promise<unknown>).then(wake)
    else queueMicrotask(wake)
  }

  protected signal(flag: number, word: number): void {
    if (Atomics.load(this.h, flag) === 1 && Atomics.compareExchange(this.h, flag, 1, 0) === 1) {
      Atomics.add(this.h, word, 1)
      Atomics.notify(this.h, word)
    }
  }
}

/** The writing end. `hwm` bounds messages written but not yet taken by the receiving socket (0: none). */
export class RingWriter extends RingBase {
  hwm = 0
  /** Set when frames in shared memory may travel as descriptors instead of bytes. */
  sharer: SharedSender | null = null
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
  private sleeping = false

  constructor(sab: SharedArrayBuffer, offset: number, bytes: number, private readonly onWritable: () => void) {
    super(sab, offset, bytes)
    this.wpos = Atomics.load(this.h, WPOS)
    this.started_ = Atomics.load(this.h, STARTED)
    this.rposSeen = Atomics.load(this.h, RPOS)
    this.consumedSeen = Atomics.load(this.h, CONSUMED)
  }

  /** True when another message may be started now. */
  get ready(): boolean {
    if (this.pending.length > 0 && !this.flushPending()) return false
    if (this.hwm > 0 && ((this.started_ - this.consumedSeen) | 0) >= this.hwm) {
      this.consumedSeen = Atomics.load(this.h, CONSUMED)
      if (((this.started_ - this.consumedSeen) | 0) >= this.hwm) return false
    }
    return this.free(8) >= 8
  }

  /** Writes a message (ready must have been true); it may be left partly written until room appears. */
  write(msg: Msg): void {
    this.started_ = (this.started_ + 1) | 0
    let shared = 0
    let fits = 4 + 4 * msg.length
    for (let i = 0; i < msg.length; i++) {
      fits += msg[i]!.length
      if (this.sharer !== null && shareable(msg[i]!)) shared++
    }
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

  /** write() for a message with shared frames, or one that does not fit the free room. */
  private writeHead(msg: Msg, shared: number): void {
    const head = new Uint8Array(4 + 4 * msg.length + 4 * (WORDS_PER_SHARED - 1) * shared)
    const view = new DataView(head.buffer)
    view.setUint32(0, msg.length, true)
    // Shared frames are only described in the head; the others follow it.
    const body = shared === 0 ? msg : []
    let at = 4
    let fits = head.length
    for (let i = 0; i < msg.length; i++) {
      const frame = msg[i]!
      if (shared > 0 && shareable(frame)) {
        view.setUint32(at, SHARED_MARK, true)
        view.setUint32(at + 4, this.sharer!.idOf(frame.buffer as SharedArrayBuffer), true)
        view.setUint32(at + 8, frame.byteOffset, true)
        view.setUint32(at + 12, frame.length, true)
        at += 4 * WORDS_PER_SHARED
        continue
      }
      view.setUint32(at, frame.length, true)
      at += 4
      fits += frame.length
      if (shared > 0) body.push(frame)
    }
    if (fits <= this.free(fits)) {
      this.put(head)
      for (let i = 0; i < body.length; i++) this.put(body[i]!)
      return
    }
    this.pending = [head, ...body]
    if (!this.flushPending()) return
  }

  /** Messages started on this ring so far (wrapping at 2^32). */
  get started(): number {
    return this.started_
  }

  /** Makes what was written visible and wakes the reader if it sleeps. */
  publish(): void {
    Atomics.store(this.h, STARTED, this.started_)
    Atomics.store(this.h, WPOS, this.wpos)
    this.signal(READER_WAIT, RSIGNAL)
  }

  /** Sleeps until the reader frees room or takes messages, then calls onWritable. */
  waitWritable(): void {
    if (this.sleeping) return
    this.sleeping = true
    this.publish()
    const seen = Atomics.load(this.h, WSIGNAL)
    this.sleep(WRITER_WAIT, WSIGNAL, seen, () => this.ready, () => {
      this.sleeping = false
      this.onWritable()
    })
  }

  /** Nothing more will be written; the reader delivers what is there, then sees the end. */
  close(): void {
    this.sharer?.close()
    this.publish()
    Atomics.store(this.h, CLOSED, 1)
    Atomics.add(this.h, RSIGNAL, 1)
    Atomics.notify(this.h, RSIGNAL)
  }

  get busy(): boolean {
    return this.pending.length > 0
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
    const at = this.wpos & this.mask
    const first = Math.min(bytes.length, this.capacity - at)
    this.data.set(first === bytes.length ? bytes : bytes.subarray(0, first), at)
    if (first < bytes.length) this.data.set(bytes.subarray(first), 0)
    this.wpos = (this.wpos + bytes.length) >>> 0
  }
}

/** The reading end: decodes whole messages and hands them over. */
export class RingReader extends RingBase {
  private rpos: number
  private frames: Buffer[] = []
  private count = -1 // frames of the message being read, -1 before its header
  private lengths: Entry[] = []
  /** The words read so far of a shared frame's descriptor (after its mark), or null. */
  private descriptor: number[] | null = null
  private frame: Buffer | null = null
  private filled = 0
  private sleeping = false
  /** Set when shared frames may arrive: the buffers posted by the writer. */
  shared: SharedReceiver | null = null
  /** A shared frame's buffer has not been posted here yet: reading resumes when it is. */
  blocked = false

  constructor(sab: SharedArrayBuffer, offset: number, bytes: number, private readonly onReadable: () => void) {
    super(sab, offset, bytes)
    this.rpos = Atomics.load(this.h, RPOS)
  }

  /** Reads every complete message available (at most `max`); returns them. */
  drain(deliver: (msg: Msg) => void, max = Infinity): number {
    const wpos = Atomics.load(this.h, WPOS)
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
        this.frames.push(Buffer.from(sab, entry.offset, entry.length))
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
      if (word === SHARED_MARK && this.shared !== null) this.descriptor = []
      else this.lengths.push(word)
      return
    }
    d.push(word)
    if (d.length < WORDS_PER_SHARED - 1) return
    this.lengths.push({ id: d[0]!, offset: d[1]!, length: d[2]! })
    this.descriptor = null
  }

  /** The receiving socket took `n` messages: frees their place under the high-water mark. */
  consumed(n: number): void {
    Atomics.add(this.h, CONSUMED, n)
    this.signal(WRITER_WAIT, WSIGNAL)
  }

  /** True once the writer closed and everything it wrote has been read. */
  get ended(): boolean {
    return !this.blocked && Atomics.load(this.h, CLOSED) === 1 && Atomics.load(this.h, WPOS) === this.rpos
  }

  /** Sleeps until the writer publishes or closes, then calls onReadable. */
  waitReadable(): void {
    if (this.sleeping) return
    this.sleeping = true
    const seen = Atomics.load(this.h, RSIGNAL)
    const more = (): boolean => Atomics.load(this.h, WPOS) !== this.rpos || Atomics.load(this.h, CLOSED) === 1
    this.sleep(READER_WAIT, RSIGNAL, seen, more, () => {
      this.sleeping = false
      this.onReadable()
    })
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
}
