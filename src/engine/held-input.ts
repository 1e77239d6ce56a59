import { FrameScanner, type ScanLimits } from "../codec/frame-scan.js"
import { lowWaterMark, type MsgQueue } from "../pipe.js"

/**
 * Bytes a connection read but has not decoded yet, oldest first.
 *
 * Two reasons to hold input: the handshake waits for a ZAP reply (RFC 27),
 * and, once connected, the socket already has a batch of decoded messages
 * it has not read (a *backlog*). Decoding a whole read into the queue made a
 * subscriber with a large high-water mark hold 150-200k message objects at
 * once, promoted to V8's old generation, and spend ~40% of its CPU in GC
 * (docs/performance.md, "PUB -> 4 SUB"); raw bytes are a few objects per
 * 64 KiB. So past a batch, input is kept raw and decoded a batch at a time
 * as the application reads.
 *
 * While in backlog mode the FrameScanner counts the complete messages held
 * and their msgCost, so that the high-water mark (in messages) and the
 * memory budget bound the queue and the raw bytes together, as they bound
 * the queue alone when every message is decoded at once. `pending` is what
 * the scanner counted minus what has been decoded since.
 */
export class HeldInput {
  /** Counting held messages (see above); false while only ZAP holds input. */
  backlog = false
  private chunks: Buffer[] = []
  private head = 0
  private readonly scanner: FrameScanner
  /** Messages counted and decoded since the backlog began, and the msgCost of each side. */
  private decodedMsgs = 0
  private decodedCost = 0

  constructor(limits: ScanLimits) {
    this.scanner = new FrameScanner(limits)
  }

  get length(): number {
    return this.chunks.length - this.head
  }

  /** Whole messages held undecoded (backlog mode only). */
  get pendingMessages(): number {
    // After a flag the decoder goes past what was counted: nothing is pending then.
    return Math.max(0, this.scanner.messages - this.decodedMsgs)
  }

  /** msgCost of those messages. */
  get pendingCost(): number {
    return Math.max(0, this.scanner.cost - this.decodedCost)
  }

  /** The scanner met a frame the decoder must see now (scanner.flagged): decode everything held. */
  get flagged(): boolean {
    return this.scanner.flagged
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk)
    if (this.backlog) this.scanner.scan(chunk)
  }

  shift(): Buffer | undefined {
    if (this.head === this.chunks.length) return undefined
    const chunk = this.chunks[this.head]!
    this.chunks[this.head++] = EMPTY
    if (this.head === this.chunks.length) this.clearChunks()
    else if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head)
      this.head = 0
    }
    return chunk
  }

  /**
   * Begins counting at a message boundary: `rest` is what the decoder holds
   * of its last chunk, followed by the chunks held here.
   */
  beginBacklog(rest: Buffer | null): void {
    this.backlog = true
    this.scanner.reset()
    this.decodedMsgs = 0
    this.decodedCost = 0
    if (rest !== null) this.scanner.scan(rest)
    for (let i = this.head; i < this.chunks.length && !this.scanner.flagged; i++) this.scanner.scan(this.chunks[i]!)
  }

  /**
   * The high-water mark and memory budget over `queue` and the backlog
   * together: reached (stop reading), or, `forResume`, not yet back down to
   * where MsgQueue resumes a writer (low-water mark, half the budget).
   */
  overLimit(queue: MsgQueue, forResume: boolean): boolean {
    const msgs = queue.length + this.pendingMessages
    const cost = queue.queuedBytes + this.pendingCost
    if (forResume) return (queue.hwm > 0 && msgs > lowWaterMark(queue.hwm)) || (queue.byteLimit > 0 && cost > queue.byteLimit / 2)
    return (queue.hwm > 0 && msgs >= queue.hwm) || (queue.byteLimit > 0 && cost >= queue.byteLimit)
  }

  /** A counted message was decoded into the queue. */
  decoded(cost: number): void {
    this.decodedMsgs++
    this.decodedCost += cost
  }

  /** Everything held was decoded (or dropped): back to decoding as bytes come. */
  endBacklog(): void {
    this.backlog = false
    this.scanner.reset()
    this.decodedMsgs = 0
    this.decodedCost = 0
  }

  /** Drops everything held. */
  clear(): void {
    this.clearChunks()
    this.endBacklog()
  }

  private clearChunks(): void {
    this.chunks = []
    this.head = 0
  }
}

const EMPTY = Buffer.alloc(0)
