import { constants as bufferConstants } from "node:buffer"
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, FRAME_OVERHEAD } from "./constants.js"
import { ProtocolError } from "./protocol-error.js"

/** Receives what the decoder produces. Returning false pauses the decoder. */
export interface DecoderSink {
  /** A complete message: every frame up to the one without MORE. */
  onMessage(frames: Buffer[]): boolean
  /** One command frame body (name-size, name, data), RFC 37 "Commands". */
  onCommand(body: Buffer): boolean
}

/** Largest body Node can hold in one Buffer: a size above it can never be served. */
const HARD_MAX_FRAME = bufferConstants.MAX_LENGTH
/**
 * Bodies up to this size are allocated once, when their size is known. Larger
 * ones are gathered piece by piece and joined at the end, so that a peer who
 * merely *claims* a huge size makes us hold only about what it really sent:
 * a piece read in place (bodyTarget) is at most max(this, bytes received so
 * far), so what we allocate stays below twice what arrived plus this.
 */
const PREALLOCATE_LIMIT = 1 << 20

const enum State {
  Flags,
  Size,
  Body,
}

/**
 * Sans-I/O ZMTP 3.x frame decoder (RFC 37 "Framing"): bytes in, messages and
 * commands out. Frames that lie wholly inside one chunk are delivered as views
 * of that chunk; only a frame that spans chunks is copied. A transport that
 * can choose where its next read lands asks bodyTarget() for the rest of a
 * large frame's body and reports with bodyFilled(): the bytes are then read
 * straight into the frame's own buffer, as libzmq's decoder does (its
 * get_buffer hands out the message's data for large bodies), and never copied.
 */
export class FrameDecoder {
  /** Largest frame body accepted; -1 means no limit (ZMQ_MAXMSGSIZE, or a handshake command's bound). */
  maxFrameSize: number
  /**
   * Largest message accepted, as msgCost counts it (bytes plus FRAME_OVERHEAD
   * a frame); -1 for no limit. libzmq bounds frames but neither their number
   * nor their sum: an endless MORE chain would grow memory until the process
   * dies, so the message being assembled is held to the connection's budget.
   */
  messageBudget: number

  private readonly sink: DecoderSink
  private state = State.Flags
  private flags = 0
  private readonly sizeBuf = Buffer.alloc(8)
  private sizeNeed = 0
  private sizeFill = 0
  private bodySize = 0
  private bodyFill = 0
  private body: Buffer | null = null
  private bodyParts: Buffer[] | null = null
  /** The piece of a gathered body being read in place (bodyTarget), and how much of it is filled. */
  private piece: Buffer | null = null
  private pieceFill = 0
  /** What bodyTarget() last handed out; bodyFilled() accepts bytes only there. */
  private target: Buffer | null = null
  private frames: Buffer[] = []
  /** msgCost of `frames`. */
  private framesCost = 0
  private chunk: Buffer | null = null
  private offset = 0

  constructor(sink: DecoderSink, maxFrameSize = -1, messageBudget = -1) {
    this.sink = sink
    this.maxFrameSize = maxFrameSize
    this.messageBudget = messageBudget
  }

  /** True while a chunk is held because the sink asked us to pause. */
  get paused(): boolean {
    return this.chunk !== null
  }

  /** What the decoder holds of its last chunk while paused (the bytes resume() decodes first), or null. */
  get heldRest(): Buffer | null {
    return this.chunk === null ? null : this.chunk.subarray(this.offset)
  }

  /** True when a frame or multipart message has begun but not finished. */
  get midMessage(): boolean {
    return this.state !== State.Flags || this.frames.length > 0
  }

  /**
   * Feeds one chunk. Returns true when it was consumed entirely, false when
   * the sink paused us; then the rest is held until resume(). Throws
   * ProtocolError on malformed input; the decoder is unusable afterwards.
   */
  push(chunk: Buffer): boolean {
    if (this.chunk !== null) throw new Error("decoder is paused")
    return this.run(chunk, 0)
  }

  /** Continues with the held chunk after a pause. Same result as push(). */
  resume(): boolean {
    const chunk = this.chunk
    if (chunk === null) return true
    this.chunk = null
    return this.run(chunk, this.offset)
  }

  /**
   * Where the next bytes of the stream should be read to: the rest of the
   * current frame's body, when at least `min` bytes of it are missing;
   * null when the decoder is between frames (or paused), and the bytes
   * should come through push() as usual. Bodies above PREALLOCATE_LIMIT
   * are handed out in bounded pieces (see there).
   */
  bodyTarget(min: number): Buffer | null {
    this.target = null
    if (this.state !== State.Body || this.chunk !== null) return null
    const rest = this.bodySize - this.bodyFill
    if (rest < min || rest === 0) return null
    if (this.body !== null) {
      this.target = this.body.subarray(this.bodyFill)
      return this.target
    }
    if (this.piece === null || this.pieceFill === this.piece.length) {
      this.sealPiece()
      this.piece = Buffer.allocUnsafe(Math.min(rest, Math.max(PREALLOCATE_LIMIT, this.bodyFill)))
      this.pieceFill = 0
    }
    this.target = this.piece.subarray(this.pieceFill)
    return this.target
  }

  /**
   * `n` bytes were read into the buffer bodyTarget() returned last. Same
   * result as push(): false when the sink paused us.
   */
  bodyFilled(n: number): boolean {
    const target = this.target
    this.target = null
    // Only a caller bug gets here (the target is invalidated by push()): the bytes would be lost.
    if (target === null || n > target.length || this.state !== State.Body) throw new Error("bytes read outside the frame body")
    this.bodyFill += n
    if (this.piece !== null) this.pieceFill += n
    if (this.bodyFill === this.bodySize) return this.finishBody()
    return true
  }

  /** Moves the filled part of the piece being read in place to the gathered parts. */
  private sealPiece(): void {
    const piece = this.piece
    if (piece === null) return
    if (this.pieceFill > 0) this.bodyParts!.push(this.pieceFill === piece.length ? piece : piece.subarray(0, this.pieceFill))
    this.piece = null
    this.pieceFill = 0
  }

  private run(chunk: Buffer, off: number): boolean {
    this.target = null
    const len = chunk.length
    while (off < len) {
      switch (this.state) {
        case State.Flags: {
          const flags = chunk[off]!
          const sizeLen = flags & FLAG_LONG ? 8 : 1
          // Fast path: the whole size field is in this chunk.
          if (len - off > sizeLen) {
            const size = sizeLen === 1 ? chunk[off + 1]! : this.readLongSize(chunk, off + 1)
            off += 1 + sizeLen
            this.flags = flags
            this.checkSize(size)
            // Fast path: the whole body is in this chunk, take a view.
            if (len - off >= size) {
              const body = chunk.subarray(off, off + size)
              off += size
              if (!this.deliver(body)) return this.pause(chunk, off)
            } else {
              this.beginBody(size)
            }
          } else {
            this.flags = flags
            this.sizeNeed = sizeLen
            this.sizeFill = 0
            this.state = State.Size
            off += 1
          }
          break
        }
        case State.Size: {
          const n = Math.min(this.sizeNeed - this.sizeFill, len - off)
          chunk.copy(this.sizeBuf, this.sizeFill, off, off + n)
          this.sizeFill += n
          off += n
          if (this.sizeFill === this.sizeNeed) {
            const size = this.sizeNeed === 1 ? this.sizeBuf[0]! : this.readLongSize(this.sizeBuf, 0)
            this.checkSize(size)
            this.beginBody(size)
            if (size === 0 && !this.finishBody()) return this.pause(chunk, off)
          }
          break
        }
        case State.Body: {
          const n = Math.min(this.bodySize - this.bodyFill, len - off)
          if (this.body !== null) {
            chunk.copy(this.body, this.bodyFill, off, off + n)
          } else {
            this.sealPiece()
            this.bodyParts!.push(chunk.subarray(off, off + n))
          }
          this.bodyFill += n
          off += n
          if (this.bodyFill === this.bodySize && !this.finishBody()) return this.pause(chunk, off)
          break
        }
      }
    }
    return true
  }

  private pause(chunk: Buffer, off: number): boolean {
    if (off >= chunk.length) return false
    this.chunk = chunk
    this.offset = off
    return false
  }

  /** Reads a 64-bit big-endian size without losing precision past 2^53. */
  private readLongSize(buf: Buffer, at: number): number {
    const hi = buf.readUInt32BE(at)
    const lo = buf.readUInt32BE(at + 4)
    // Anything at or above 2^53 is far beyond what we could ever hold; report
    // it as such instead of letting floating point round it to something small.
    if (hi >= 0x200000) return Number.POSITIVE_INFINITY
    return hi * 0x1_0000_0000 + lo
  }

  private checkSize(size: number): void {
    // libzmq applies ZMQ_MAXMSGSIZE to each frame, not to the whole message.
    if (this.maxFrameSize >= 0 && size > this.maxFrameSize) {
      throw new ProtocolError("EMSGSIZE", `frame of ${size} bytes exceeds maxMessageSize ${this.maxFrameSize}`)
    }
    if (size > HARD_MAX_FRAME) {
      throw new ProtocolError("EMSGSIZE", `frame of ${size} bytes cannot be held`)
    }
    // Refused at the header, before its bytes are read (a claim costs nothing to make).
    if (this.messageBudget >= 0 && !(this.flags & FLAG_COMMAND) && this.framesCost + size + FRAME_OVERHEAD > this.messageBudget) {
      throw new ProtocolError("ENOBUFS", `message larger than receiveMemoryLimit (${this.messageBudget} bytes) refused`)
    }
  }

  private beginBody(size: number): void {
    this.bodySize = size
    this.bodyFill = 0
    if (size <= PREALLOCATE_LIMIT) {
      this.body = Buffer.allocUnsafe(size)
      this.bodyParts = null
    } else {
      this.body = null
      this.bodyParts = []
      this.piece = null
      this.pieceFill = 0
    }
    this.state = State.Body
  }

  private finishBody(): boolean {
    let body = this.body
    if (body === null) {
      this.sealPiece()
      const parts = this.bodyParts!
      // One piece read in place is the whole body: no join needed.
      body = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.bodySize)
    }
    this.body = null
    this.bodyParts = null
    return this.deliver(body)
  }

  private deliver(body: Buffer): boolean {
    this.state = State.Flags
    const flags = this.flags
    if (flags & FLAG_COMMAND) return this.sink.onCommand(body)
    const frames = this.frames
    // A one-frame message gets an array of its exact size: push() onto an empty array reserves 17 slots
    // (~150 bytes), which was a fifth of what a subscriber allocated per 16-byte message.
    if (frames.length === 0 && !(flags & FLAG_MORE)) return this.sink.onMessage([body])
    frames.push(body)
    if (flags & FLAG_MORE) {
      this.framesCost += body.length + FRAME_OVERHEAD
      return true
    }
    this.frames = []
    this.framesCost = 0
    return this.sink.onMessage(frames)
  }
}
