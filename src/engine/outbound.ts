import { encodeCommand } from "../codec/command.js"
import { FrameEncoder } from "../codec/encoder.js"
import { WIRE_REF_MIN } from "../codec/wire.js"
import { SECURE_COMMAND, SECURE_MORE, type SecureCodec } from "../mechanism/mechanism.js"
import type { Pipe, WireMsg } from "../pipe.js"
import type { SocketTypeName } from "../sockets/socket-types.js"
import type { ByteStream } from "./byte-stream.js"
import { groupCommandOut } from "./draft-wire.js"
import { UnsentTracker } from "./unsent.js"

/** Bytes we hand to the stream per write before yielding to the event loop. */
const WRITE_BUDGET = 256 * 1024
/**
 * Bytes we let Node's stream hold before we stop taking messages from the
 * pipe. Kept small: what sits in the stream when the connection resets is
 * lost, whereas what stays in the pipe survives a reconnect (libzmq keeps
 * only one batch outside its pipe). 256 KiB still keeps 1 MiB messages
 * streaming back to back (test/fault/reset-backlog.test.ts measures the loss).
 */
const STREAM_LIMIT = 256 * 1024
/**
 * Bytes of small messages encodeNow() packs into the batch before it sends
 * callers back to the queue until the next flush: one batch outside the
 * pipe, as libzmq keeps.
 */
const DIRECT_LIMIT = 64 * 1024

/** A fan-out message's ZMTP bytes, encoded by the first connection that needs them (null: too large). */
function wireOf(msg: WireMsg): Buffer | null {
  let wire = msg.wire
  if (wire === undefined) wire = msg.wire = msg.wireFrom!.encode(msg)
  return wire
}

/**
 * A ZMTP connection's write path: messages from the pipe go through the
 * encoder to the stream, batched per turn of the event loop, and the pipe is
 * drained only as fast as the stream accepts bytes. The engine (engine.ts)
 * sets the state fields below as its handshake progresses; the handshake
 * writes through the same encoder and writeOut().
 */
export class Outbound {
  readonly encoder = new FrameEncoder()
  /** The handshake is done and the engine has not stopped. */
  active = false
  /** The engine has stopped: nothing more is written. */
  stopped = false
  /** The pipe this connection carries, once the handshake is done. */
  pipe: Pipe | null = null
  /** The CURVE box codec once the handshake is done; null for NULL and PLAIN. */
  secure: SecureCodec | null = null
  /** encodeNow() may take messages on this connection (set once the handshake is done). */
  directOk = false
  /** SUB and XSUB talking to a ZMTP 3.1 peer send subscriptions as commands. */
  subCommands = false
  flushScheduled = false
  waitingDrain = false
  /** A PONG waits in the encoder: one at a time (see pong()). */
  private pongQueued = false
  private drainWaiters: (() => void)[] = []
  /** Messages taken from the pipe, until the kernel has them: requeued if the connection fails first. */
  readonly unsent: UnsentTracker
  private readonly onWritten = (): void => this.unsent.prune()
  private readonly stream: ByteStream
  private readonly socketType: SocketTypeName

  constructor(stream: ByteStream, socketType: SocketTypeName) {
    this.stream = stream
    this.socketType = socketType
    this.unsent = new UnsentTracker(stream)
  }

  /**
   * Answers a PING. One PONG at a time, as libzmq keeps: a peer that PINGs
   * without reading cannot make replies pile up in memory.
   */
  pong(body: Buffer): void {
    if (this.waitingDrain || this.pongQueued) return
    this.pongQueued = true
    this.sendCommand(body)
    this.scheduleFlush()
  }

  /** Sends a command after the handshake: in a CURVE box when the mechanism encrypts. */
  sendCommand(body: Buffer): void {
    if (this.secure !== null) this.encoder.encodeFrame(this.secure.encodeFrame(SECURE_COMMAND, body), 0)
    else this.encoder.encodeCommand(body)
  }

  /**
   * A small one-frame message encoded at send() (Pipe.writeSmall).
   * Refused where flush() would do more than encode it: before the handshake
   * is done, with CURVE boxes, for SUB/XSUB (a \x00/\x01 message may become
   * a command) and DISH (JOIN/LEAVE), while the stream is full, and past one
   * batch.
   */
  encodeNow(frame: Uint8Array): boolean {
    if (!this.directOk || !this.active || this.waitingDrain || this.encoder.pendingBytes >= DIRECT_LIMIT) return false
    this.unsent.takenSmall(this.encoder.pendingBytes)
    this.encoder.encodeSmall(frame)
    this.scheduleFlush()
    return true
  }

  /**
   * A fan-out socket's message (Pipe.writeWire), its ZMTP bytes
   * encoded once for all connections and appended to the batch by
   * reference; refused as encodeNow() refuses, and when too large for wire
   * bytes (flush() then writes its bodies by reference).
   */
  encodeWire(msg: WireMsg): boolean {
    if (!this.directOk || !this.active || this.waitingDrain || this.encoder.pendingBytes >= DIRECT_LIMIT) return false
    const wire = wireOf(msg)
    if (wire === null) return false
    this.unsent.taken(msg, this.encoder.pendingBytes)
    this.encoder.appendWire(wire)
    this.scheduleFlush()
    return true
  }

  scheduleFlush(): void {
    if (this.flushScheduled || this.waitingDrain || this.stopped) return
    this.flushScheduled = true
    // setImmediate, not a microtask: every message sent during this turn of
    // the event loop goes out in the same write (automatic batching), and a
    // lone message still leaves at the end of this turn.
    setImmediate(() => this.flush())
  }

  private flush(): void {
    this.flushScheduled = false
    if (!this.active || this.waitingDrain) return
    const queue = this.pipe!.outbound
    let budget = WRITE_BUDGET
    const subCommands = this.subCommands
    const groupCommands = this.socketType === "DISH"
    const subscriber = this.socketType === "SUB" || this.socketType === "XSUB"
    const secure = this.secure
    while (budget > 0) {
      const msg = queue.read()
      if (msg === undefined) break
      if (subCommands && msg.length === 1 && msg[0]!.length > 0 && msg[0]![0]! <= 1) {
        // RFC 37 (ZMTP 3.1): (un)subscriptions travel as SUBSCRIBE / CANCEL
        // commands; to ZMTP 3.0 peers they stay \x01 / \x00 messages.
        const m = msg[0]!
        this.sendCommand(encodeCommand(m[0] === 1 ? "SUBSCRIBE" : "CANCEL", m.subarray(1)))
        budget -= m.length
        continue
      }
      const groupCommand = groupCommands ? groupCommandOut(msg) : null
      if (groupCommand !== null) {
        this.sendCommand(groupCommand)
        budget -= groupCommand.length
        continue
      }
      if (secure !== null) {
        // RFC 25: each frame becomes one MESSAGE box carrying its MORE flag;
        // libzmq sends the boxes as plain frames without flags of their own.
        const last = msg.length - 1
        for (let i = 0; i <= last; i++) {
          this.encoder.encodeFrame(secure.encodeFrame(i < last ? SECURE_MORE : 0, msg[i]!), 0)
          budget -= msg[i]!.length + 33
        }
        continue
      }
      // (Un)subscriptions are not requeued: a reconnected SUB or XSUB sends them all again.
      if (!subscriber) this.unsent.taken(msg, this.encoder.pendingBytes)
      if ((msg as WireMsg).wireFrom !== undefined) {
        // A fan-out socket's message: its ZMTP bytes are encoded once, for every connection.
        const wire = wireOf(msg)
        if (wire !== null) {
          this.encoder.appendWire(wire)
          budget -= wire.length
          continue
        }
        // Too large for that: its bodies are shared by every connection, so none copies them.
        this.encoder.encodeMessage(msg, WIRE_REF_MIN)
      } else {
        this.encoder.encodeMessage(msg)
      }
      for (let i = 0; i < msg.length; i++) budget -= msg[i]!.length + 9
    }
    this.writeOut()
    if (!this.waitingDrain && queue.length > 0) this.scheduleFlush()
    if (this.encoder.pendingBytes === 0 && queue.length === 0 && !this.waitingDrain) this.notifyDrained()
  }

  writeOut(): void {
    this.pongQueued = false
    if (this.encoder.pendingBytes === 0 || this.stopped) return
    this.unsent.wrote(this.encoder.pendingBytes)
    const bufs = this.encoder.take()
    const stream = this.stream
    // CURVE seals into memory it reuses once the stream is done with this write.
    const release = this.secure?.writeBoundary?.() ?? null
    const done = release === null ? this.onWritten : (err?: Error | null): void => {
      this.onWritten()
      if (err == null) release()
    }
    let ok = true
    if (bufs.length === 1) {
      ok = stream.write(bufs[0]!, done)
    } else {
      stream.cork()
      const last = bufs.length - 1
      for (let i = 0; i < last; i++) ok = stream.write(bufs[i]!)
      ok = stream.write(bufs[last]!, done)
      stream.uncork()
    }
    // Node's stream says "full" past 16 KiB; we keep feeding it up to
    // STREAM_LIMIT, then wait for drain.
    if (!ok && stream.writableLength >= STREAM_LIMIT) this.waitingDrain = true
  }

  onDrain(): void {
    if (!this.waitingDrain) return
    this.waitingDrain = false
    if (!this.active) return
    if (this.pipe!.outbound.length > 0) this.scheduleFlush()
    else this.notifyDrained()
  }

  /** True when nothing we were asked to send is still queued with us or the stream. */
  get drained(): boolean {
    return (
      this.active &&
      (this.pipe === null || this.pipe.outbound.length === 0) &&
      this.encoder.pendingBytes === 0 &&
      !this.waitingDrain &&
      this.stream.writableLength === 0
    )
  }

  /** Bytes are still on their way to the kernel. */
  get busy(): boolean {
    return this.encoder.pendingBytes > 0 || this.waitingDrain || this.stream.writableLength > 0
  }

  /** Calls `fn` once everything queued so far has been handed to the kernel. */
  whenDrained(fn: () => void): void {
    // A closing socket waits on this: write what is queued now rather than at
    // the end of the turn, as libzmq's I/O thread would have, before the peer
    // may be gone (a peer closed in the same turn would otherwise leave the
    // message undeliverable and the lingering socket waiting forever).
    if (this.flushScheduled) this.flush()
    if (this.drained) {
      fn()
      return
    }
    this.drainWaiters.push(fn)
    // The flush above told no one (we were not waiting yet): when only Node's
    // stream still holds bytes, no later flush or 'drain' will, so ask it.
    if (!this.flushScheduled && !this.waitingDrain && this.encoder.pendingBytes === 0 && (this.pipe === null || this.pipe.outbound.length === 0)) {
      this.notifyDrained()
    }
  }

  notifyDrained(): void {
    if (this.drainWaiters.length === 0) return
    if (this.stream.writableLength > 0) {
      // Node still holds bytes; 'drain' is only emitted after a write returned
      // false, so wait for the write callback instead.
      this.stream.write(Buffer.alloc(0), () => this.notifyDrained())
      return
    }
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const fn of waiters) fn()
  }

  /** The engine stopped: whoever waits on whenDrained() hears it now. */
  releaseWaiters(): void {
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const fn of waiters) fn()
  }
}
