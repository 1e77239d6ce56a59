import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, FRAME_OVERHEAD } from "./constants.js"

const enum State {
  Flags,
  Size,
  Body,
}

/** The bounds FrameScanner checks each frame header against (FrameDecoder's, plus its own). */
export interface ScanLimits {
  /** Largest frame body the decoder accepts, -1 for no limit (ZMQ_MAXMSGSIZE). */
  maxFrameSize: number
  /** Largest message the decoder accepts, as msgCost counts it; -1 for no limit. */
  messageBudget: number
  /** Largest frame body the scanner takes: a larger one is flagged (read it in place instead). */
  frameMax: number
}

/**
 * Counts the complete ZMTP messages (RFC 37 "Framing") in bytes that are
 * held undecoded, and what they will cost once decoded (msgCost), reading
 * only the frame headers: no allocation, no copy. A connection that already
 * has a batch of decoded messages waiting keeps the rest of its input raw
 * (engine/held-input.ts) and still holds it to the high-water mark, which
 * counts messages, and to the memory budget.
 *
 * It does not decide what is valid: it sets `flagged` at the first frame it
 * does not take, where the decoder must see the bytes at once: a command
 * (PING must be answered, SUBSCRIBE applied), a body above `frameMax`, or a
 * header the decoder will refuse (a size above maxFrameSize or the message
 * budget). Everything it counted before that is plain data frames whose
 * headers the decoder accepts. Bytes after a flag are not looked at.
 */
export class FrameScanner {
  /** Complete messages seen. */
  messages = 0
  /** msgCost of those messages. */
  cost = 0
  /** A frame the scanner does not take was found (see above); scanning has stopped. */
  flagged = false

  private readonly limits: ScanLimits
  private state = State.Flags
  private flags = 0
  /** Long size: bytes of it still to read, and its value so far. */
  private sizeNeed = 0
  private size = 0
  private bodyLeft = 0
  /** msgCost of the frames of the message under way. */
  private partCost = 0

  constructor(limits: ScanLimits) {
    this.limits = limits
  }

  /** Starts over at a message boundary, with nothing counted. */
  reset(): void {
    this.messages = 0
    this.cost = 0
    this.flagged = false
    this.state = State.Flags
    this.partCost = 0
    this.bodyLeft = 0
  }

  /** Reads one more chunk of the stream, continuing where the last ended. */
  scan(chunk: Uint8Array): void {
    const len = chunk.length
    let off = 0
    while (off < len && !this.flagged) {
      switch (this.state) {
        case State.Flags: {
          const flags = chunk[off]!
          // Fast path: a short frame whose size octet is in this chunk.
          if ((flags & (FLAG_LONG | FLAG_COMMAND)) === 0 && off + 1 < len) {
            this.flags = flags
            const size = chunk[off + 1]!
            off += 2
            if (!this.frame(size)) return
            if (len - off >= size) {
              off += size
              this.frameDone()
            } else {
              this.bodyLeft = size - (len - off)
              off = len
              this.state = State.Body
            }
            break
          }
          if (flags & FLAG_COMMAND) {
            this.flagged = true
            return
          }
          this.flags = flags
          this.sizeNeed = flags & FLAG_LONG ? 8 : 1
          this.size = 0
          this.state = State.Size
          off++
          break
        }
        case State.Size: {
          while (off < len && this.sizeNeed > 0) {
            // Sizes past frameMax are flagged, so the high octets only need to be seen as zero.
            this.size = this.size * 256 + chunk[off++]!
            this.sizeNeed--
            if (this.size > this.limits.frameMax) {
              this.flagged = true
              return
            }
          }
          if (this.sizeNeed > 0) break
          const size = this.size
          if (!this.frame(size)) return
          this.bodyLeft = size
          this.state = State.Body
          if (size === 0) this.frameDone()
          break
        }
        case State.Body: {
          const n = Math.min(this.bodyLeft, len - off)
          this.bodyLeft -= n
          off += n
          if (this.bodyLeft === 0) this.frameDone()
          break
        }
      }
    }
  }

  /** A data frame header of `size`: false (and flagged) when the scanner does not take it. */
  private frame(size: number): boolean {
    const l = this.limits
    const cost = this.partCost + size + FRAME_OVERHEAD
    // The decoder's checks (checkSize), made at the header as it makes them.
    if (size > l.frameMax || (l.maxFrameSize >= 0 && size > l.maxFrameSize) || (l.messageBudget >= 0 && cost > l.messageBudget)) {
      this.flagged = true
      return false
    }
    this.partCost = cost
    return true
  }

  private frameDone(): void {
    this.state = State.Flags
    if (this.flags & FLAG_MORE) return
    this.messages++
    this.cost += this.partCost
    this.partCost = 0
  }
}
