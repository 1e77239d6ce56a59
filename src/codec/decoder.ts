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
 * ones are gathered chunk by chunk and joined at the end, so that a peer who
 * merely *claims* a huge size makes us hold only the bytes it really sent.
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
 * of that chunk; only a frame that spans chunks is copied.
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

  private run(chunk: Buffer, off: number): boolean {
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
    }
    this.state = State.Body
  }

  private finishBody(): boolean {
    const body = this.body ?? Buffer.concat(this.bodyParts!, this.bodySize)
    this.body = null
    this.bodyParts = null
    return this.deliver(body)
  }

  private deliver(body: Buffer): boolean {
    this.state = State.Flags
    const flags = this.flags
    if (flags & FLAG_COMMAND) return this.sink.onCommand(body)
    const frames = this.frames
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
