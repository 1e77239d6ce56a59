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
 * Frames in shared memory (shared-frames.ts) and large ordinary frames
 * copied into slabs (slab-pool.ts) are only described in the head.
 */

/**
 * Header words (Int32, shared). Positions are byte counters wrapping at 2^32.
 * Each side's words sit on a 64-byte cache line of their own: with the
 * writer's WPOS next to the reader's RPOS and CONSUMED, every message made
 * the line bounce between the two cores (a --cpu-prof of 16 B PUSH -> PULL
 * had 11% of the reader in one Atomics.load of a flag on that line).
 */
export const WPOS = 0 // bytes published by the writer
export const STARTED = 1 // messages the writer started writing
export const CLOSED = 2 // the writer is gone: nothing more will come
export const HWM = 3 // the writer's high-water mark, so the reader knows how often to report CONSUMED
export const RPOS = 16 // bytes released by the reader
export const CONSUMED = 17 // messages the receiving socket has taken (reported in steps, see RingReader.consumed)
export const READER_WAIT = 32 // 1: the reader sleeps on RSIGNAL
export const RSIGNAL = 33
export const WRITER_WAIT = 48 // 1: the writer sleeps on WSIGNAL
export const WSIGNAL = 49
const HEADER_WORDS = 64
/** Per frame in a message's head: its length, or SHARED_MARK / SLAB_MARK and three words. */
export const WORDS_PER_SHARED = 4
export const HEADER_BYTES = HEADER_WORDS * 4

/**
 * 256 KiB a direction: 4 KiB messages still batch well, and 100 connections
 * cost 50 MiB. (1 MiB, tried 2026-12-07: 4 KiB messages woke the writer 3.6x
 * less and its CPU per message fell ~35%, but the reader's rose ~25%, copying
 * from memory further out of cache, and msgs/s did not change.)
 */
export const RING_BYTES = 256 * 1024

export function ringBuffer(capacity = RING_BYTES): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + capacity)
}

export type Msg = Buffer[]

/** A frame of a message being read: its length, or where it lies in a shared buffer (a slab: to copy out). */
export type Entry = number | { id: number; offset: number; length: number; slab: boolean }

/** Atomics.waitAsync (ES2024; in Node since 16), typed here as the project targets an older lib. */
export const { waitAsync } = Atomics as unknown as {
  waitAsync(this: void, a: Int32Array, index: number, value: number): { async: boolean; value: Promise<unknown> | string }
}


export class RingBase {
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
