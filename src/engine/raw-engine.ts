import type { ByteStream } from "./byte-stream.js"
import type { Msg, Pipe, PipePeer } from "../pipe.js"
import type { Engine, EngineHost } from "./engine.js"

const EMPTY = Buffer.alloc(0)
/** Bytes handed to the stream per flush before yielding to the event loop. */
const WRITE_BUDGET = 256 * 1024

/**
 * A connection without ZMTP, for STREAM sockets (libzmq's raw_engine_t):
 * every chunk read becomes a one-frame message, every message written is
 * sent as its bytes. An empty message announces connect and disconnect
 * (ZMQ_STREAM_NOTIFY) and, sent by the application, closes the connection.
 */
export class RawEngine implements Engine, PipePeer {
  readonly stream: ByteStream
  readonly peerMetadata = new Map<string, Buffer>()
  readonly peerRoutingId = EMPTY
  pipe: Pipe | null = null
  private readonly host: EngineHost
  private readonly notify: boolean
  private state: "active" | "stopped" = "active"
  private flushScheduled = false
  private waitingDrain = false
  private readPaused = false
  private drainWaiters: (() => void)[] = []

  constructor(stream: ByteStream, notify: boolean, host: EngineHost) {
    this.stream = stream
    this.host = host
    this.notify = notify
    stream.on("data", (chunk: Buffer) => this.onData(chunk))
    stream.on("end", () => this.stop())
    stream.on("error", () => this.stop())
    stream.on("close", () => this.stop())
    stream.on("drain", () => this.onDrain())
    // Attach on the next tick so the caller has finished setting us up.
    queueMicrotask(() => this.ready())
  }

  get active(): boolean {
    return this.state === "active" && this.pipe !== null
  }

  get stopped(): boolean {
    return this.state === "stopped"
  }

  private ready(): void {
    if (this.state === "stopped") return
    const pipe = this.host.engineReady(this)
    this.pipe = pipe
    pipe.attachPeer(this)
    if (this.notify) pipe.inbound.push([EMPTY])
    if (pipe.outbound.length > 0) this.scheduleFlush()
  }

  private onData(chunk: Buffer): void {
    const pipe = this.pipe
    if (pipe === null || this.state === "stopped") return
    pipe.inbound.push([chunk])
    if (!pipe.inbound.checkWrite() && !this.readPaused) {
      this.readPaused = true
      this.stream.pause()
    }
  }

  inboundDrained(): void {
    if (!this.readPaused || this.state === "stopped") return
    this.readPaused = false
    this.stream.resume()
  }

  outboundReady(): void {
    this.scheduleFlush()
  }

  pipeClosed(): void {
    this.close()
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.waitingDrain || this.state === "stopped") return
    this.flushScheduled = true
    setImmediate(() => this.flush())
  }

  private flush(): void {
    this.flushScheduled = false
    const pipe = this.pipe
    if (pipe === null || this.state === "stopped" || this.waitingDrain) return
    let budget = WRITE_BUDGET
    let ok = true
    this.stream.cork()
    while (budget > 0) {
      const msg: Msg | undefined = pipe.outbound.read()
      if (msg === undefined) break
      const data = msg[0] ?? EMPTY
      if (data.length === 0) {
        // An empty message from the application closes the connection (libzmq).
        this.stream.uncork()
        this.stream.end()
        return
      }
      ok = this.stream.write(data)
      budget -= data.length
    }
    this.stream.uncork()
    if (!ok) this.waitingDrain = true
    else if (pipe.outbound.length > 0) this.scheduleFlush()
    else this.notifyDrained()
  }

  private onDrain(): void {
    if (!this.waitingDrain) return
    this.waitingDrain = false
    if (this.pipe !== null && this.pipe.outbound.length > 0) this.scheduleFlush()
    else this.notifyDrained()
  }

  get busy(): boolean {
    return this.waitingDrain || this.stream.writableLength > 0
  }

  whenDrained(fn: () => void): void {
    // As ZmtpEngine: a closing socket's queued bytes are written now, not at the end of the turn.
    if (this.flushScheduled) this.flush()
    const queued = this.pipe !== null && this.pipe.outbound.length > 0
    if (!queued && !this.waitingDrain && this.stream.writableLength === 0) {
      fn()
      return
    }
    this.drainWaiters.push(fn)
    // As ZmtpEngine: with only Node's stream holding bytes, nothing else would tell us.
    if (!queued && !this.flushScheduled && !this.waitingDrain) this.notifyDrained()
  }

  private notifyDrained(): void {
    if (this.drainWaiters.length === 0) return
    if (this.stream.writableLength > 0) {
      this.stream.write(EMPTY, () => this.notifyDrained())
      return
    }
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const fn of waiters) fn()
  }

  close(): void {
    this.stop()
  }

  private stop(): void {
    if (this.state === "stopped") return
    this.state = "stopped"
    const pipe = this.pipe
    if (pipe !== null) {
      pipe.detachPeer()
      if (this.notify && !pipe.closedByApp) pipe.inbound.push([EMPTY])
    }
    this.stream.destroy()
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const fn of waiters) fn()
    this.host.engineStopped(this, { kind: "connection" })
  }
}
