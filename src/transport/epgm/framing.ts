/**
 * ZeroMQ messages over PGM as libzmq 4.3 frames them (pgm_sender.cpp,
 * pgm_receiver.cpp), sans I/O.
 *
 * Each APDU (one PGM ODATA's TSDU: libzmq never lets OpenPGM fragment) is
 *   offset (uint16, network order) | a stretch of the ZMTP/1.0 byte stream
 * where the stream is libzmq's v1 encoding of the frames: length (1 octet,
 * or 0xff then 8 octets) counting the flags octet, flags (bit 0: MORE), body.
 * A message may span many APDUs and an APDU may hold many messages. The
 * offset is where the first message (not a further frame of a multipart
 * message) starts in this APDU, 0xffff if none starts there: a receiver that
 * joins late, or rejoins after unrecoverable loss, skips to that point.
 *
 * libzmq's sender sets the offset at the first point, after what continues
 * from the previous APDU, where it would start a new message, even when no
 * message follows (the offset then equals the stretch's length): this does
 * the same, so the bytes on the wire are libzmq's.
 */
import type { Msg } from "../../pipe.js"

export const NO_MESSAGE_START = 0xffff

/** Splits the pipe's messages into APDUs of at most `maxTsdu` bytes, offset included. */
export class ApduEncoder {
  private readonly capacity: number
  /** The v1 bytes of the frame being written, and how much of them went out. */
  private current: Buffer[] = []
  private currentIndex = 0
  private currentPos = 0
  /** The frames still to load of the message being sent. */
  private frames: Msg = []
  private frameIndex = 0
  /** MORE flag of the frame loaded last (libzmq's more_flag). */
  private more = false

  constructor(maxTsdu: number) {
    if (maxTsdu < 3) throw new RangeError("an APDU needs room for its offset and one byte")
    this.capacity = maxTsdu - 2
  }

  /** True while part of a message is loaded and not yet in an APDU. */
  get pending(): boolean {
    return this.currentIndex < this.current.length || this.frameIndex < this.frames.length
  }

  /**
   * The next APDU, pulling whole messages with `pull` while there is room,
   * or null when there is nothing to send.
   */
  next(pull: () => Msg | undefined): Buffer | null {
    const out = Buffer.allocUnsafe(this.capacity + 2)
    let bytes = this.drain(out, 2, this.capacity)
    let offset = NO_MESSAGE_START
    while (bytes < this.capacity) {
      if (!this.more && offset === NO_MESSAGE_START) offset = bytes
      if (!this.load(pull)) break
      bytes += this.drain(out, 2 + bytes, this.capacity - bytes)
    }
    if (bytes === 0) return null
    out.writeUInt16BE(offset, 0)
    return out.subarray(0, 2 + bytes)
  }

  /** Loads the next frame (of the current message, else of the next one); false if there is none. */
  private load(pull: () => Msg | undefined): boolean {
    if (this.frameIndex >= this.frames.length) {
      const msg = pull()
      if (msg === undefined || msg.length === 0) return false
      this.frames = msg
      this.frameIndex = 0
    }
    const body = this.frames[this.frameIndex++]!
    this.more = this.frameIndex < this.frames.length
    const size = body.length + 1
    let head: Buffer
    if (size < 0xff) {
      head = Buffer.of(size, this.more ? 1 : 0)
    } else {
      head = Buffer.alloc(10)
      head[0] = 0xff
      head.writeBigUInt64BE(BigInt(size), 1)
      head[9] = this.more ? 1 : 0
    }
    this.current = body.length > 0 ? [head, body] : [head]
    this.currentIndex = 0
    this.currentPos = 0
    if (this.frameIndex >= this.frames.length) {
      this.frames = []
      this.frameIndex = 0
    }
    return true
  }

  /** Copies up to `room` bytes of the loaded frame into `out` at `at`; returns how many. */
  private drain(out: Buffer, at: number, room: number): number {
    let n = 0
    while (n < room && this.currentIndex < this.current.length) {
      const part = this.current[this.currentIndex]!
      const take = Math.min(part.length - this.currentPos, room - n)
      part.copy(out, at + n, this.currentPos, this.currentPos + take)
      n += take
      this.currentPos += take
      if (this.currentPos === part.length) {
        this.currentIndex++
        this.currentPos = 0
      }
    }
    return n
  }
}

type DecodeState = "length" | "length8" | "flags" | "body"

/**
 * One publisher's APDUs back into messages (libzmq keeps one v1 decoder per
 * TSI). Until joined, APDUs without a message start are skipped; a framing
 * error or a reset (unrecoverable loss) unjoins it and drops the partial
 * message, so no corrupted message is ever delivered.
 */
export class ApduDecoder {
  private joined = false
  private state: DecodeState = "length"
  private lengthBytes: number[] = []
  private remaining = 0
  private more = false
  private chunks: Buffer[] = []
  private frames: Buffer[] = []
  private readonly maxMessageSize: number

  /** `maxMessageSize` as ZMQ_MAXMSGSIZE: the largest frame body accepted, -1 for no limit. */
  constructor(maxMessageSize: number) {
    this.maxMessageSize = maxMessageSize
  }

  get isJoined(): boolean {
    return this.joined
  }

  /** Forgets the stream: the next APDU with a message start rejoins it. */
  reset(): void {
    this.joined = false
    this.state = "length"
    this.lengthBytes = []
    this.chunks = []
    this.frames = []
  }

  /**
   * Feeds one APDU; complete messages are appended to `out`. Returns false
   * if the APDU was malformed (the stream is then reset).
   */
  push(apdu: Buffer, out: Msg[]): boolean {
    if (apdu.length < 2) {
      this.reset()
      return false
    }
    const offset = apdu.readUInt16BE(0)
    let pos = 2
    if (!this.joined) {
      if (offset === NO_MESSAGE_START) return true
      // libzmq asserts this; a forged offset only loses the APDU here.
      if (offset > apdu.length - 2) return false
      pos += offset
      this.joined = true
    }
    if (!this.decode(apdu, pos, out)) {
      this.reset()
      return false
    }
    return true
  }

  private decode(buf: Buffer, pos: number, out: Msg[]): boolean {
    while (pos < buf.length) {
      switch (this.state) {
        case "length": {
          const b = buf[pos++]!
          if (b === 0xff) {
            this.state = "length8"
            this.lengthBytes = []
          } else if (!this.sized(b)) {
            return false
          }
          break
        }
        case "length8": {
          this.lengthBytes.push(buf[pos++]!)
          if (this.lengthBytes.length === 8) {
            const size = Buffer.from(this.lengthBytes).readBigUInt64BE(0)
            if (size > BigInt(Number.MAX_SAFE_INTEGER) || !this.sized(Number(size))) return false
          }
          break
        }
        case "flags":
          this.more = (buf[pos++]! & 1) !== 0
          if (this.remaining === 0) this.frameDone(out)
          else this.state = "body"
          break
        case "body": {
          const take = Math.min(this.remaining, buf.length - pos)
          // Node hands each datagram its own buffer: keeping a view of it is safe.
          this.chunks.push(buf.subarray(pos, pos + take))
          pos += take
          this.remaining -= take
          if (this.remaining === 0) this.frameDone(out)
          break
        }
      }
    }
    return true
  }

  /** A frame's v1 size (flags octet included): 0 is a framing error (libzmq's v1_decoder), as is one over maxMessageSize. */
  private sized(size: number): boolean {
    if (size === 0) return false
    if (this.maxMessageSize >= 0 && size - 1 > this.maxMessageSize) return false
    this.remaining = size - 1
    this.state = "flags"
    return true
  }

  private frameDone(out: Msg[]): void {
    const chunks = this.chunks
    this.frames.push(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
    this.chunks = []
    this.state = "length"
    if (!this.more) {
      out.push(this.frames)
      this.frames = []
    }
  }
}
