import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, SHORT_FRAME_MAX } from "./constants.js"

/** Bodies at least this large are written by reference, not copied into the batch. */
const COPY_LIMIT = 8 * 1024
/** Size of the scratch area that small frames are packed into. */
const BATCH_SIZE = 64 * 1024
/** Until a connection sends its first frame it holds no scratch area. */
const NO_SCRATCH = Buffer.alloc(0)
/**
 * The first scratch area: room for the handshake's commands and a few small
 * messages, taken from Node's shared pool. Each new area is 4x the last, up
 * to BATCH_SIZE, so a busy connection reaches full batches after three. A
 * 64 KiB area at once cost every connection a large allocation (and its
 * external-memory GC pressure) for a 30-byte READY: with 10,000 connections,
 * 5% of a client's CPU in createUnsafeBuffer and much of its GC.
 */
const FIRST_SCRATCH = 1024

/**
 * Sans-I/O ZMTP 3.x frame encoder (RFC 37 "Framing"). Messages are appended
 * to a batch: headers and small bodies are packed together into one buffer,
 * large bodies are kept as references so they are never copied. take() hands
 * the batch over as a list of buffers to write in one go (automatic batching).
 */
export class FrameEncoder {
  private scratch = NO_SCRATCH
  /** Start of the part of `scratch` not yet handed to `out`. */
  private start = 0
  private pos = 0
  private out: Buffer[] = []
  private bytes = 0
  /**
   * The run of wire bytes appended last (appendWire), not yet in `out`: its
   * first view, and where in that view's ArrayBuffer the run ends. Views that
   * follow each other in one slab are merged into one.
   */
  private wireFirst: Buffer | null = null
  private wireEnd = 0

  /** Bytes encoded and not yet taken. */
  get pendingBytes(): number {
    return this.bytes + (this.pos - this.start)
  }

  /**
   * Appends a message already encoded (WireEncoder), by reference: a socket
   * that sends one message to many connections encodes it once, and each
   * connection's batch refers to the same bytes.
   */
  appendWire(wire: Buffer): void {
    const first = this.wireFirst
    if (first !== null && wire.buffer === first.buffer && wire.byteOffset === this.wireEnd) {
      this.wireEnd += wire.length
    } else {
      if (first !== null) this.closeWire()
      else this.flushScratch()
      this.wireFirst = wire
      this.wireEnd = wire.byteOffset + wire.length
    }
    this.bytes += wire.length
  }

  /** Appends every frame of one message, MORE set on all but the last. */
  encodeMessage(frames: readonly Buffer[], copyLimit = COPY_LIMIT): void {
    const last = frames.length - 1
    for (let i = 0; i <= last; i++) {
      this.encodeFrame(frames[i]!, i < last ? FLAG_MORE : 0, copyLimit)
    }
  }

  /** Appends one command frame; `body` is name-size, name and data. */
  encodeCommand(body: Buffer): void {
    this.encodeFrame(body, FLAG_COMMAND)
  }

  /** Appends raw bytes (the greeting) in order with everything else. */
  encodeRaw(bytes: Buffer): void {
    if (this.wireFirst !== null) this.closeWire()
    this.flushScratch()
    this.out.push(bytes)
    this.bytes += bytes.length
  }

  /**
   * Copies raw bytes (the greeting) into the batch, in order with the frames
   * around it: a greeting and the READY after it leave as one buffer, in one write.
   */
  copyRaw(bytes: Uint8Array): void {
    if (this.wireFirst !== null) this.closeWire()
    this.reserve(bytes.length)
    this.scratch.set(bytes, this.pos)
    this.pos += bytes.length
  }

  /** Appends one frame; a body of `copyLimit` bytes or more is written by reference. */
  encodeFrame(body: Buffer, flags: number, copyLimit = COPY_LIMIT): void {
    if (this.wireFirst !== null) this.closeWire()
    const size = body.length
    const long = size > SHORT_FRAME_MAX
    const headerLen = long ? 9 : 2
    const copy = size < copyLimit
    this.reserve(copy ? headerLen + size : headerLen)
    const s = this.scratch
    let p = this.pos
    if (long) {
      s[p] = flags | FLAG_LONG
      // 64-bit size, written as two 32-bit halves (sizes never exceed 2^53).
      s.writeUInt32BE(Math.floor(size / 0x1_0000_0000), p + 1)
      s.writeUInt32BE(size >>> 0, p + 5)
      p += 9
    } else {
      s[p] = flags
      s[p + 1] = size
      p += 2
    }
    if (copy) {
      if (size > 0) {
        if (size < 64) {
          for (let i = 0; i < size; i++) s[p + i] = body[i]!
        } else {
          body.copy(s, p)
        }
        p += size
      }
      this.pos = p
    } else {
      this.pos = p
      this.flushScratch()
      this.out.push(body)
      this.bytes += size
    }
  }

  /**
   * Appends a one-frame message (no flags) whose body is small: header and
   * body are copied straight into the batch. This is libzmq's way of keeping
   * a small message (its "very small message" lives inside msg_t, then the
   * encoder copies it into its batch): the body exists once, in the batch.
   */
  encodeSmall(body: Uint8Array): void {
    if (this.wireFirst !== null) this.closeWire()
    const size = body.length
    this.reserve(2 + size)
    const s = this.scratch
    const p = this.pos
    s[p] = 0
    s[p + 1] = size
    if (size < 64) {
      for (let i = 0; i < size; i++) s[p + 2 + i] = body[i]!
    } else {
      s.set(body, p + 2)
    }
    this.pos = p + 2 + size
  }

  /** Hands over everything encoded so far, in order, and starts a new batch. */
  take(): Buffer[] {
    if (this.wireFirst !== null) this.closeWire()
    this.flushScratch()
    const out = this.out
    this.out = []
    this.bytes = 0
    return out
  }

  /** Moves the run of wire bytes to `out` (counted in `bytes` already). */
  private closeWire(): void {
    const first = this.wireFirst!
    const len = this.wireEnd - first.byteOffset
    this.out.push(len === first.length ? first : Buffer.from(first.buffer, first.byteOffset, len))
    this.wireFirst = null
  }

  private flushScratch(): void {
    if (this.pos > this.start) {
      this.out.push(this.scratch.subarray(this.start, this.pos))
      this.bytes += this.pos - this.start
      this.start = this.pos
    }
  }

  private reserve(n: number): void {
    if (this.scratch.length - this.pos >= n) return
    const size = this.scratch.length === 0 ? FIRST_SCRATCH : Math.min(BATCH_SIZE, this.scratch.length * 4)
    const pending = this.pos - this.start
    if (pending > 0 && this.scratch.length < BATCH_SIZE) {
      // Still growing: the part of the batch packed so far (nothing was
      // taken after it) moves to the larger area, so a batch stays one buffer.
      const next = Buffer.allocUnsafe(Math.max(size, pending + n))
      this.scratch.copy(next, 0, this.start, this.pos)
      this.scratch = next
      this.start = 0
      this.pos = pending
      return
    }
    this.flushScratch()
    this.scratch = Buffer.allocUnsafe(Math.max(size, n))
    this.start = 0
    this.pos = 0
  }
}
