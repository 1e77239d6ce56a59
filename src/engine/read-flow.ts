import type { ScanLimits } from "../codec/frame-scan.js"
import { FRAME_OVERHEAD } from "../codec/constants.js"
import type { FrameDecoder } from "../codec/decoder.js"
import { msgCost, type Msg, type Pipe } from "../pipe.js"
import type { ByteStream } from "./byte-stream.js"
import type { EngineOptions } from "./engine-types.js"
import { HeldInput } from "./held-input.js"

/**
 * A frame body still missing at least this many bytes is read straight into
 * its own buffer when the stream allows it (ByteStream.readDirect); smaller
 * rests come with the next read into the stream's arena, which may also
 * bring the frames after it.
 */
const DIRECT_READ_MIN = 32 * 1024

/**
 * Messages decoded ahead of the application: past this many in the queue,
 * the rest of the input is kept raw and decoded a batch at a time as the
 * queue empties (held-input.ts says why). Only for plain ZMTP data frames
 * of at most DIRECT_READ_MIN bytes (larger bodies are read in place), and
 * not where decoding a message may raise a protocol error (REQ, DISH, CURVE).
 */
const DECODE_BATCH = 1024

/**
 * A ZMTP connection's read path once bytes are past the greeting: what the
 * decoder delivers goes into the pipe, reading stops while the inbound queue
 * is at its high-water mark, input is held while ZAP answers, and past a
 * batch of decoded messages the rest is kept raw (held-input.ts). The engine
 * (engine.ts) is the decoder's sink and checks each message before queue();
 * it sets the state fields below as its handshake progresses.
 */
export class ReadFlow {
  /** The pipe this connection fills, once the handshake is done. */
  pipe: Pipe | null = null
  /** The handshake waits for ZAP: what arrives is held, not decoded (RFC 27). */
  zapWaiting = false
  /** The engine has stopped. */
  stopped = false
  readPaused = false
  /** Input read but not decoded: while ZAP answers, and past a batch of decoded messages (DECODE_BATCH). */
  readonly held: HeldInput
  private readonly scanLimits: ScanLimits
  /** This connection keeps a backlog raw (DECODE_BATCH): set at the handshake's end. */
  private batchOk = false
  /** deliver() stopped the decoder at a batch's end (not because the queue is full). */
  private softStop = false
  /** The held bytes hold a frame the decoder must see now (FrameScanner.flagged): decode past batches. */
  private eager = false
  /** The decoder stopped because the queue is full: only inboundDrained() resumes it. */
  private queueFull = false
  private readonly onLow = (): void => this.resumeReading(true)
  /** Set once the peer's FIN came: what we hold is decoded past the high-water mark. */
  private draining = false

  private readonly stream: ByteStream
  private readonly decoder: FrameDecoder
  private readonly fail: (err: unknown) => void

  constructor(stream: ByteStream, decoder: FrameDecoder, options: EngineOptions, fail: (err: unknown) => void) {
    this.stream = stream
    this.decoder = decoder
    this.fail = fail
    this.scanLimits = { maxFrameSize: options.maxMessageSize, messageBudget: options.receiveMemoryLimit, frameMax: DIRECT_READ_MIN }
    this.held = new HeldInput(this.scanLimits)
  }

  /** The handshake is done: frames may be as large as maxMessageSize now, and `batchOk` says whether a backlog may be kept raw. */
  handshakeDone(batchOk: boolean): void {
    this.scanLimits.maxFrameSize = this.decoder.maxFrameSize
    this.batchOk = batchOk
  }

  /** The rest of a large frame's body, to be read in place (see FrameDecoder.bodyTarget). */
  target(): Buffer | null {
    if (this.readPaused || this.zapWaiting || this.held.length > 0) return null
    return this.decoder.bodyTarget(DIRECT_READ_MIN)
  }

  /** Bytes arrived in the buffer target() gave out. Throws what the decoder throws. */
  filled(n: number): void {
    if (!this.decoder.bodyFilled(n) && this.decoderStopped() === "eager") this.resumeReading()
  }

  /** Bytes read (after the greeting). Throws what the decoder throws. */
  push(chunk: Buffer): void {
    if (this.zapWaiting || this.held.length > 0 || this.held.backlog) {
      // Bytes that came with the greeting, held until ZAP has answered; or a backlog, counted as it comes.
      this.held.push(chunk)
      if (!this.held.backlog) return
      if (this.held.flagged) {
        this.eager = true
        this.resumeReading()
      } else if (this.held.overLimit(this.pipe!.inbound, false)) {
        this.pauseReading()
      }
      return
    }
    if (!this.decoder.push(chunk) && this.decoderStopped() === "eager") this.resumeReading()
  }

  /** A message the engine accepted: into the queue. Returns whether the decoder may go on. */
  queue(frames: Msg): boolean {
    const inbound = this.pipe!.inbound
    inbound.push(frames)
    if (this.held.backlog) this.held.decoded(frames.length === 1 ? frames[0]!.length + FRAME_OVERHEAD : msgCost(frames))
    if (this.draining) return true
    // Stop decoding once the queue is at its high-water mark or memory budget; checkWrite()
    // arms the wake-up that resumes us when the socket has drained it.
    if (!inbound.checkWrite()) {
      this.queueFull = true
      return false
    }
    if (inbound.length >= DECODE_BATCH && this.batchOk && !this.eager) {
      this.softStop = true
      return false
    }
    return true
  }

  /** Reading is behind the peer: paused, or keeping a backlog raw (see peerEnded). */
  get behind(): boolean {
    return this.readPaused || this.held.backlog
  }

  /** The peer's FIN came while reading was behind: decode what is held past the high-water mark (engine.ts onPeerEnd). */
  peerEnded(): void {
    this.drainHeld()
    // A stream that reads ahead while paused (direct-read.ts) hands over what it held.
    this.readPaused = false
    this.stream.resume()
  }

  /** The socket drained our inbound queue below its low-water mark. */
  inboundDrained(): void {
    this.queueFull = false
    this.resumeReading(true)
  }

  /**
   * The decoder stopped at a message boundary because deliver() said so: at
   * a batch's end ("soft": what follows is kept raw and counted, "eager"
   * when it holds a frame to decode at once), or otherwise ("hard": the queue
   * is full, or the handshake waits for ZAP).
   */
  private decoderStopped(): "soft" | "eager" | "hard" {
    if (!this.softStop) {
      this.pauseReading()
      return "hard"
    }
    this.softStop = false
    if (!this.held.backlog) this.held.beginBacklog(this.decoder.heldRest)
    if (this.held.flagged) {
      this.eager = true
      return "eager"
    }
    // The application taking the queue's last message decodes the next batch.
    this.pipe!.inbound.onLow = this.onLow
    if (this.held.overLimit(this.pipe!.inbound, false)) this.pauseReading()
    return "soft"
  }

  /** Decodes what is held, until all of it is ("done") or the decoder stops (decoderStopped). */
  private decodeHeld(): "done" | "soft" | "eager" | "hard" {
    let more = this.decoder.resume()
    while (more) {
      const chunk = this.held.shift()
      if (chunk === undefined) return "done"
      more = this.decoder.push(chunk)
    }
    return this.decoderStopped()
  }

  /** Decodes everything held past the high-water mark (the peer is gone: libzmq delivers what fully arrived). */
  drainHeld(): void {
    this.draining = true
    this.decodeHeld()
    this.held.clear()
  }

  pauseReading(): void {
    if (this.readPaused) return
    this.readPaused = true
    this.stream.pause()
  }

  /**
   * Decodes held input (after ZAP, a full queue, or the next batch of a
   * backlog) and reads on when there is room. `fromRead`: called inside the
   * socket's read of its queue (MsgQueue.onWritable / onLow), where a failure
   * or new input must not change the pipes under it: both wait for a microtask.
   */
  resumeReading(fromRead = false): void {
    if (this.stopped || this.zapWaiting || this.queueFull) return
    if (this.pipe !== null) this.pipe.inbound.onLow = null
    let outcome: "done" | "soft" | "eager" | "hard"
    try {
      do outcome = this.decodeHeld()
      while (outcome === "eager")
    } catch (err) {
      if (fromRead) queueMicrotask(() => this.fail(err))
      else this.fail(err)
      return
    }
    if (outcome === "done") {
      this.eager = false
      this.held.endBacklog()
    } else if (outcome === "hard" || this.held.overLimit(this.pipe!.inbound, true)) {
      return
    }
    if (!this.readPaused) return
    this.readPaused = false
    if (fromRead) queueMicrotask(() => this.readOn())
    else this.stream.resume()
  }

  private readOn(): void {
    if (!this.stopped && !this.readPaused) this.stream.resume()
  }
}
