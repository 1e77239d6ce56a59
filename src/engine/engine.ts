import type { ByteStream, StreamReader } from "./byte-stream.js"
import type { Engine, EngineEndReason, EngineHost, EngineOptions } from "./engine-types.js"
import { encodePing, type Metadata } from "../codec/command.js"
import { FrameDecoder, type DecoderSink } from "../codec/decoder.js"
import { encodeGreeting } from "../codec/greeting.js"
import { ProtocolError } from "../codec/protocol-error.js"
import { MechanismFailure } from "../mechanism/failure.js"
import { checkPeerSocketType, HANDSHAKE_COMMAND_MAX, type SecureCodec } from "../mechanism/mechanism.js"
import { AuthError, encodeZapRequest } from "../mechanism/zap.js"
import type { Msg, Pipe, PipePeer, WireMsg } from "../pipe.js"
import type { ZapCall } from "../transport/inproc.js"
import { checkDishMessage } from "./draft-wire.js"
import { PeerGreeting } from "./peer-greeting.js"
import { PeerCommands } from "./peer-commands.js"
import { ReadFlow } from "./read-flow.js"
import { Outbound } from "./outbound.js"
import { Heartbeat } from "./heartbeat.js"

export type { Engine, EngineEndReason, EngineHost, EngineOptions } from "./engine-types.js"

const enum State {
  Greeting,
  Handshake,
  Active,
  Stopped,
}

/** The routing id of a peer that announced none (shared: a zero-length Buffer cannot change). */
const NO_BYTES: Buffer = Buffer.alloc(0)

/** A reply as libzmq's REQ session accepts it: [4-byte id,] empty delimiter, at least one body frame. */
function isWellFormedReply(frames: Msg): boolean {
  const first = frames[0]!
  if (first.length === 0) return frames.length >= 2
  return first.length === 4 && frames.length >= 3 && frames[1]!.length === 0
}

/** The frame bound while the handshake runs: HANDSHAKE_COMMAND_MAX, or maxMessageSize if that is smaller. */
function handshakeFrameMax(maxMessageSize: number): number {
  return maxMessageSize >= 0 ? Math.min(maxMessageSize, HANDSHAKE_COMMAND_MAX) : HANDSHAKE_COMMAND_MAX
}

/**
 * One ZMTP connection: bytes from the stream go through the decoder to the
 * mechanism (during the handshake) or into the pipe (after it), and messages
 * from the pipe go through the encoder to the stream. Backpressure both ways:
 * reading stops while the inbound queue is at its high-water mark, and the
 * pipe is drained only as fast as the stream accepts bytes.
 */
export class ZmtpEngine implements Engine, DecoderSink, PipePeer, StreamReader {
  readonly stream: ByteStream
  readonly options: EngineOptions
  /** The peer's READY metadata, once known. */
  peerMetadata: Metadata = new Map()
  peerRoutingId: Buffer = NO_BYTES
  /** ZMTP minor version the peer announced (0 for 3.0, 1 for 3.1). */
  peerMinor = 0
  pipe: Pipe | null = null

  private readonly host: EngineHost
  private state = State.Greeting
  private readonly peerGreeting = new PeerGreeting()
  /** Our greeting has not been sent yet (greetOnPeerBytes). */
  private greetingDue = false
  /** onData calls under way: handshake output is held until the chunk is done (writeHeld). */
  private chunkDepth = 0
  /** The encoder holds handshake output (greeting, READY...) for writeHeld. */
  private outHeld = false
  private readonly decoder: FrameDecoder
  /** The write path (outbound.ts), which the handshake writes through too. */
  private readonly out: Outbound
  private handshakeTimer: NodeJS.Timeout | null = null
  /** The ZAP request under way, cancelled if we stop first. */
  private zapCall: ZapCall | null = null
  private readonly heartbeat = new Heartbeat(() => this.stop({ kind: "timeout" }))
  /** The CURVE box codec once the handshake is done; null for NULL and PLAIN. */
  private secure: SecureCodec | null = null
  /** Commands after the handshake, and CURVE's MESSAGE boxes (peer-commands.ts). */
  private readonly commands: PeerCommands
  /** The read path past the handshake's own steps: backpressure, held input, a backlog kept raw (read-flow.ts). */
  private readonly read: ReadFlow

  constructor(stream: ByteStream, options: EngineOptions, host: EngineHost) {
    this.stream = stream
    this.options = options
    this.host = host
    this.out = new Outbound(stream, options.socketType)
    this.commands = new PeerCommands(options, this.out, this.heartbeat, (frames) => this.deliver(frames))
    this.decoder = new FrameDecoder(this, handshakeFrameMax(options.maxMessageSize), options.receiveMemoryLimit)
    this.read = new ReadFlow(stream, this.decoder, options, (err) => this.fail(err))

    if (stream.readDirect !== undefined) stream.readDirect(this)
    else stream.on("data", (chunk: Buffer) => this.onData(chunk))
    stream.on("end", () => this.onPeerEnd())
    stream.on("error", (error: Error) => {
      this.requeueUnsent()
      this.stop({ kind: "connection", error })
    })
    stream.on("close", () => this.onPeerEnd())
    stream.on("drain", () => this.out.onDrain())

    if (options.handshakeInterval > 0) {
      this.handshakeTimer = setTimeout(() => this.stop({ kind: "timeout" }), options.handshakeInterval)
      this.handshakeTimer.unref?.()
    }
    // RFC 23 "Version Negotiation": each peer sends (at least the start of)
    // its greeting as soon as it has connected; libzmq sends its 10-octet
    // signature, we send all 64 octets. So an accepting peer loses no round
    // trip by answering the first bytes it reads with its greeting, and when
    // the connecting peer's whole greeting came at once, the greeting and
    // READY leave together: one write instead of two (of three per served
    // request, the costliest; docs/performance.md "Many connections").
    if (options.greetOnPeerBytes === true) this.greetingDue = true
    else this.stream.write(encodeGreeting(options.mechanism.name, options.mechanism.asServer, options.routingId.length))
  }

  get active(): boolean {
    return this.state === State.Active
  }

  get stopped(): boolean {
    return this.state === State.Stopped
  }

  // ---- inbound -----------------------------------------------------------

  /** StreamReader: the rest of a large frame's body, to be read in place (see FrameDecoder.bodyTarget). */
  readTarget(): Buffer | null {
    if (this.state !== State.Active && this.state !== State.Handshake) return null
    return this.read.target()
  }

  /** StreamReader: bytes arrived in the buffer readTarget() gave out. */
  targetFilled(n: number): void {
    if (this.state === State.Stopped) return
    try {
      this.read.filled(n)
    } catch (err) {
      this.fail(err)
    }
  }

  /** StreamReader: bytes read anywhere else, as a 'data' event brings them. */
  onChunk(chunk: Buffer): void {
    this.onData(chunk)
  }

  private onData(chunk: Buffer): void {
    if (this.state === State.Stopped) return
    this.chunkDepth++
    try {
      if (this.state === State.Greeting) {
        if (this.greetingDue) {
          const mech = this.options.mechanism
          this.greetingDue = false
          this.out.encoder.copyRaw(encodeGreeting(mech.name, mech.asServer, this.options.routingId.length))
          this.outHeld = true
        }
        const rest = this.readGreeting(chunk)
        if (rest === null || (this.state as State) !== State.Handshake) return
        chunk = rest
        if (chunk.length === 0) return
      }
      this.read.push(chunk)
    } catch (err) {
      // What the handshake holds (our greeting at least) still goes first:
      // a peer told nothing learns of a mechanism mismatch only as a broken
      // connection (handshake:error:other, where libzmq reports protocol).
      if (this.outHeld) {
        this.outHeld = false
        this.out.writeOut()
      }
      this.fail(err)
    } finally {
      if (--this.chunkDepth === 0 && this.outHeld) this.writeHeld()
    }
  }

  /**
   * Writes the handshake output held while a chunk was read: a greeting with
   * the READY that answers the peer's, or (connecting side) our READY with
   * the first messages when the peer's greeting and READY came in one chunk
   * and completed the handshake; the flush due at the end of this turn then
   * writes it with them (RFC 23 NULL: "A peer MAY start to send messages
   * immediately after sending its metadata").
   */
  private writeHeld(): void {
    this.outHeld = false
    if (this.state === State.Active && this.out.flushScheduled) return
    this.out.writeOut()
  }

  /** Reads the peer's greeting (peer-greeting.ts), then starts the mechanism. Returns what follows the greeting. */
  private readGreeting(chunk: Buffer): Buffer | null {
    const g = this.peerGreeting.read(chunk)
    if (g === null) return null
    this.peerMinor = g.minor
    const mech = this.options.mechanism
    if (g.mechanism !== mech.name) {
      throw new ProtocolError("ERR_ZMTP_MECHANISM_MISMATCH", `peer uses ${g.mechanism}, we use ${mech.name}`)
    }
    this.state = State.Handshake
    this.mechanismStep(mech.start())
    return chunk.subarray(this.peerGreeting.taken)
  }

  /** Sends what the mechanism produced, then asks ZAP or finishes the handshake as it requires. */
  private mechanismStep(commands: Buffer[]): void {
    for (const cmd of commands) this.out.encoder.encodeCommand(cmd)
    if (commands.length > 0) {
      if (this.chunkDepth > 0) this.outHeld = true
      else this.out.writeOut()
    }
    const mech = this.options.mechanism
    if (mech.zapRequest !== null) this.askZap()
    else if (mech.status === "ready") this.handshakeDone()
  }

  /**
   * RFC 27: the handshake waits for the ZAP handler's verdict. Reading stops
   * meanwhile, so nothing the peer sends is acted on before the reply.
   */
  private askZap(): void {
    const mech = this.options.mechanism
    const request = mech.zapRequest!
    mech.zapRequest = null
    const call = this.options.zap(encodeZapRequest(request))
    if (call === null) {
      this.mechanismStep(mech.onZapMissing())
      return
    }
    this.read.zapWaiting = true
    this.zapCall = call
    this.read.pauseReading()
    call.reply.then(
      (reply) => {
        this.zapCall = null
        if (this.state === State.Stopped) return
        this.read.zapWaiting = false
        try {
          this.mechanismStep(mech.onZapReply(reply))
        } catch (err) {
          this.fail(err)
          return
        }
        this.read.resumeReading()
      },
      (err: unknown) => this.fail(err),
    )
  }

  onCommand(body: Buffer): boolean {
    if (this.state === State.Stopped) return false
    if (this.state === State.Handshake) {
      this.mechanismStep(this.options.mechanism.onCommand(body))
      return (this.state as State) !== State.Stopped && !this.read.zapWaiting
    }
    if (this.heartbeat.armed) this.heartbeat.peerAlive()
    // CURVE: after the handshake every frame is a MESSAGE box, whatever its flags.
    if (this.secure !== null) return this.commands.secureFrame(body)
    return this.commands.handle(body)
  }

  onMessage(frames: Msg): boolean {
    if (this.state === State.Stopped) return false
    if (this.state !== State.Active) {
      throw new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "message before handshake completed")
    }
    if (this.heartbeat.armed) this.heartbeat.peerAlive()
    if (this.secure !== null) {
      // Outer frames are MESSAGE boxes; a peer that bundles several under MORE
      // has sent them all already, so they are all decrypted into the queue
      // (past the high-water mark by at most this one outer message).
      let more = true
      const commands = this.commands
      for (const body of frames) more = commands.secureFrame(body) && more
      return more
    }
    return this.deliver(frames)
  }

  private deliver(frames: Msg): boolean {
    // libzmq's req_session_t: a reply that is not [request id,] "", body... is
    // a protocol error on tcp/ipc (the connection ends, without reconnecting).
    if (this.options.socketType === "REQ" && !isWellFormedReply(frames)) {
      throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", "malformed reply to a REQ socket")
    }
    if (this.options.socketType === "DISH") checkDishMessage(frames)
    return this.read.queue(frames)
  }

  /** RFC 37 PING with our TTL and no context, as libzmq sends it. */
  private ping(): void {
    if (this.state !== State.Active) return
    const o = this.options
    this.out.sendCommand(encodePing(Math.floor(o.heartbeatTimeToLive / 100), Buffer.alloc(0)))
    this.out.scheduleFlush()
    this.heartbeat.pinged(o.heartbeatTimeout >= 0 ? o.heartbeatTimeout : o.heartbeatInterval)
  }

  /** SUB and XSUB talking to a ZMTP 3.1 peer send subscriptions as commands. */
  private get sendsSubscribeCommands(): boolean {
    const type = this.options.socketType
    return this.peerMinor >= 1 && (type === "SUB" || type === "XSUB")
  }

  private handshakeDone(): void {
    const mech = this.options.mechanism
    this.peerMetadata = mech.peerMetadata
    checkPeerSocketType(this.options.socketType, this.peerMetadata)
    this.peerRoutingId = this.peerMetadata.get("identity") ?? NO_BYTES
    this.secure = mech.decodeFrame !== undefined && mech.encodeFrame !== undefined ? (mech as SecureCodec) : null
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer)
    this.handshakeTimer = null
    this.decoder.maxFrameSize = this.options.maxMessageSize
    const type = this.options.socketType
    this.read.handshakeDone(this.secure === null && type !== "REQ" && type !== "DISH")
    this.state = State.Active
    const out = this.out
    out.active = true
    out.secure = this.secure
    this.commands.secure = this.secure
    out.subCommands = this.sendsSubscribeCommands
    out.directOk = this.secure === null && !out.subCommands && type !== "DISH"
    if (this.options.heartbeatInterval > 0) this.heartbeat.start(this.options.heartbeatInterval, () => this.ping())
    const pipe = this.host.engineReady(this)
    this.pipe = pipe
    out.pipe = pipe
    this.read.pipe = pipe
    pipe.attachPeer(this)
    if (pipe.refused) {
      // The socket refused this peer while attaching it (e.g. PAIR is taken);
      // the handshake output held for this chunk still goes first, as before.
      this.out.writeOut()
      this.close()
      return
    }
    if (pipe.outbound.length > 0) {
      this.out.scheduleFlush()
    } else {
      // Nothing to send it with: whatever the handshake holds goes now, before drain waiters hear "drained".
      this.out.writeOut()
      this.out.notifyDrained()
    }
  }

  /**
   * The peer finished sending (FIN). libzmq delivers every message that fully
   * arrived before it, also ones the socket had no room for yet. Node emits
   * 'end' only once it has handed us every byte, so all that is left is the
   * chunk the decoder holds while paused at the high-water mark, and what a
   * direct-read stream read ahead meanwhile (at most 64 KiB): it is decoded
   * past the mark (each message still held to the memory budget), then the
   * connection ends as usual.
   */
  private onPeerEnd(): void {
    if (this.state === State.Stopped) return
    if (this.state === State.Active && this.read.behind) {
      try {
        this.read.peerEnded()
      } catch (err) {
        this.fail(err)
        return
      }
    }
    this.stop({ kind: "connection" })
  }

  /** PipePeer: the socket drained our inbound queue below its low-water mark. */
  inboundDrained(): void {
    this.read.inboundDrained()
  }

  // ---- outbound ----------------------------------------------------------

  /** PipePeer: the socket gave up the pipe; with a reason, the peer broke a rule (a fatal protocol error). */
  pipeClosed(reason?: ProtocolError): void {
    if (reason === undefined) this.close()
    else this.stop({ kind: "protocol", error: reason })
  }

  /** PipePeer: messages are waiting in the outbound queue. */
  outboundReady(): void {
    this.out.scheduleFlush()
  }

  /** PipePeer: a small one-frame message encoded at send() (Pipe.writeSmall); see Outbound.encodeNow. */
  encodeNow(frame: Uint8Array): boolean {
    return this.out.encodeNow(frame)
  }

  /** PipePeer: whether a WireMsg's bytes are used here (plain ZMTP; CURVE seals each frame instead). */
  get takesWire(): boolean {
    return this.out.directOk
  }

  /** PipePeer: a fan-out socket's message (Pipe.writeWire); see Outbound.encodeWire. */
  encodeWire(msg: WireMsg): boolean {
    return this.out.encodeWire(msg)
  }

  /** True when nothing we were asked to send is still queued with us or the stream. */
  get drained(): boolean {
    return this.out.drained
  }

  /** PipePeer: bytes are still on their way to the kernel. */
  get busy(): boolean {
    return this.out.busy
  }

  /** Calls `fn` once everything queued so far has been handed to the kernel. */
  whenDrained(fn: () => void): void {
    this.out.whenDrained(fn)
  }

  // ---- ending ------------------------------------------------------------

  /**
   * The connection failed: what we took from the pipe but never handed to
   * the kernel goes back to the pipe's front, whole, for the next connection
   * (a connecting socket's pipe outlives its connections). libzmq loses its
   * one batch outside the pipe; Node's stream can hold far more. Not for
   * CURVE (a box is sealed from the message's own buffer) nor conflating pipes.
   */
  private requeueUnsent(): void {
    const pipe = this.pipe
    if (pipe === null || this.state !== State.Active || this.secure !== null || pipe.outbound.conflate || pipe.terminated) return
    pipe.outbound.prepend(this.out.unsent.unsent())
  }

  private fail(err: unknown): void {
    if (err instanceof ProtocolError) {
      this.stop({ kind: "protocol", error: err })
    } else if (err instanceof AuthError) {
      // Tell the peer why (an ERROR for 400/500) before closing.
      for (const cmd of err.farewell) this.out.encoder.encodeCommand(cmd)
      this.out.writeOut()
      this.stop({ kind: "auth", error: err }, true)
    } else if (err instanceof MechanismFailure) {
      this.stop({ kind: "other", error: err })
    } else {
      this.stop({ kind: "connection", error: err instanceof Error ? err : new Error(String(err)) })
    }
  }

  /** Closes the connection now; queued messages stay in the pipe (see Engine.close). */
  close(graceful = false): void {
    this.stop({ kind: "closed" }, graceful && this.state === State.Active)
  }

  /** Half-closes after everything queued has been written (linger). */
  end(): void {
    if (this.state === State.Stopped) return
    this.stream.end()
  }

  private stop(reason: EngineEndReason, flushFirst = false): void {
    if (this.state === State.Stopped) return
    if (this.state === State.Active && this.read.held.backlog && (reason.kind === "connection" || reason.kind === "timeout")) {
      // The backlog's whole messages count against the high-water mark as queued ones do: keep them as those are kept.
      try {
        this.read.drainHeld()
      } catch {
        // Only whole messages reach the queue; a bad frame ends what there is to keep.
      }
    }
    reason.handshaking = this.state !== State.Active
    this.state = State.Stopped
    this.out.active = false
    this.out.stopped = true
    this.read.stopped = true
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer)
    this.handshakeTimer = null
    this.heartbeat.stop()
    this.read.held.clear()
    this.zapCall?.cancel()
    this.zapCall = null
    this.pipe?.detachPeer()
    if (flushFirst && !this.stream.destroyed) {
      // Let what we just wrote leave, but do not wait on the peer for long.
      this.stream.end()
      setTimeout(() => this.stream.destroy(), 1000).unref()
    } else {
      this.stream.destroy()
    }
    this.out.releaseWaiters()
    this.host.engineStopped(this, reason)
  }
}
