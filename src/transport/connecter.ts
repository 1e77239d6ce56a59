/**
 * A connecting endpoint, whatever carries it: dials, reconnects with backoff
 * after the connection breaks, and (unless `immediate`) keeps one pipe across
 * reconnects so that messages queued while disconnected are delivered
 * afterwards. How a connection is made is the Dialer's business: node:net
 * and node:tls in stream.ts, the browser's WebSocket in src/browser/.
 */
import { describePeer, disconnectEvent, failureEvent, isFatal, lingerOn, startEngine } from "../engine/session.js"
import type { ByteStream } from "../engine/byte-stream.js"
import type { Engine, EngineEndReason } from "../engine/engine.js"
import type { Pipe } from "../pipe.js"
import type { Socket } from "../sockets/socket-base.js"
import type { OptionValues } from "../sockets/option-table.js"
import type { EndpointHandle } from "./transport.js"

/** A connection attempt in progress: close() destroys it. */
export interface DialAttempt {
  destroy(): void
}

export interface DialCallbacks {
  /** The connection is up: the engine takes `stream` over. */
  connected(stream: ByteStream): void
  /** The attempt failed (its resources are released): a retry is scheduled. */
  failed(): void
  /** Whether the endpoint was closed meanwhile (the dialer then drops what it made). */
  closed(): boolean
}

/** Starts one attempt; null when there is nothing to dial (it is retried later, as libzmq does). */
export type Dialer = (callbacks: DialCallbacks) => DialAttempt | null

type Opts = Readonly<OptionValues>

export class Connecter implements EndpointHandle {
  private pipe: Pipe | null = null
  private engine: Engine | null = null
  private attempt: DialAttempt | null = null
  private timer: ReturnType<typeof setTimeout> | null = null
  private currentInterval: number
  private closed = false
  private closing: Promise<void> | null = null
  /** Set while lingering: told when a new connection is up, to watch it drain. */
  private onEngineReady: (() => void) | null = null
  private readonly connectRoutingId: Buffer | null

  constructor(
    private readonly socket: Socket,
    readonly endpoint: string,
    private readonly opts: Opts,
    private readonly dialer: Dialer,
  ) {
    this.currentInterval = opts.reconnectInterval
    this.connectRoutingId = socket.takeConnectRoutingId()
    if (!opts.immediate) {
      this.pipe = this.newPipe()
      socket.attachPipe(this.pipe)
    }
    this.dial()
  }

  private newPipe(): Pipe {
    const pipe = this.socket.newPipe(this.endpoint, this.opts)
    pipe.connectRoutingId = this.connectRoutingId
    return pipe
  }

  private dial(): void {
    this.timer = null
    if (this.closed) return
    this.attempt = this.dialer({
      connected: (stream) => this.connected(stream),
      failed: () => {
        this.attempt = null
        // An attempt cut short by close(): nothing to report or retry.
        if (this.closed) return
        // libzmq closes the failed attempt's socket (close) and then schedules a retry.
        this.socket.emit({ type: "close", address: this.endpoint })
        this.scheduleReconnect()
      },
      closed: () => this.closed,
    })
    if (this.attempt === null) this.scheduleReconnect()
  }

  private connected(stream: ByteStream): void {
    this.attempt = null
    if (this.closed) {
      stream.destroy()
      return
    }
    this.socket.emit({ type: "connect", address: this.endpoint })
    this.engine = startEngine(this.socket, stream, this, this.opts)
  }

  /** libzmq's backoff: interval plus random jitter, doubling up to reconnectMaxInterval. */
  private scheduleReconnect(): void {
    if (this.closed) return
    const base = this.opts.reconnectInterval
    if (base < 0) return // -1 disables reconnection (libzmq)
    const jitter = base > 0 ? Math.floor(Math.random() * base) : 0
    const interval = this.currentInterval + jitter
    const max = this.opts.reconnectMaxInterval
    if (max > 0 && max > base) this.currentInterval = Math.min(this.currentInterval * 2, max)
    this.socket.emit({ type: "connect:retry", address: this.endpoint, interval })
    this.timer = setTimeout(() => this.dial(), interval)
    this.timer.unref()
  }

  engineReady(engine: Engine): Pipe {
    this.currentInterval = this.opts.reconnectInterval
    let pipe = this.pipe
    if (pipe === null) {
      pipe = this.newPipe()
      describePeer(pipe, engine)
      this.pipe = pipe
      this.socket.attachPipe(pipe)
    } else {
      describePeer(pipe, engine)
      // The pipe outlived a reconnect: let the socket type react (XSUB
      // resends its subscriptions, ROUTER re-reads the peer's identity).
      this.socket.pipeHandshaken(pipe)
    }
    this.socket.emit({ type: "handshake", address: this.endpoint })
    if (this.onEngineReady !== null) queueMicrotask(this.onEngineReady)
    return pipe
  }

  engineStopped(_engine: Engine, reason: EngineEndReason): void {
    this.engine = null
    if (this.pipe?.refused) this.pipe = null
    const failure = failureEvent(this.endpoint, reason)
    if (failure) this.socket.emit(failure)
    if (!this.socket.closed) this.socket.emit(disconnectEvent(this.endpoint, reason))
    if (this.closed) return
    if (isFatal(reason)) {
      // libzmq ends the session after a protocol error instead of reconnecting.
      this.closed = true
      this.dropPipe()
      return
    }
    if (this.opts.immediate) this.dropPipe()
    this.scheduleReconnect()
  }

  private dropPipe(): void {
    const pipe = this.pipe
    this.pipe = null
    if (pipe) {
      pipe.outbound.clear()
      pipe.terminate()
    }
  }

  async close(linger: number): Promise<void> {
    if (this.closing === null) this.closing = this.shutdown(linger)
    return this.closing
  }

  private async shutdown(linger: number): Promise<void> {
    let graceful = false
    const pipe = this.pipe
    if (pipe !== null && !this.closed) {
      // libzmq stops routing to the pipe at once (zmq_disconnect); what is
      // already queued keeps trying to leave, across reconnects, for `linger` ms.
      pipe.terminate()
      graceful = (await lingerOn(
        pipe,
        linger,
        () => this.engine,
        (watch) => (this.onEngineReady = watch),
      )) && linger !== 0
    }
    this.onEngineReady = null
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    // A connection in progress (no engine yet) has nothing of ours to deliver.
    if (this.engine === null) this.attempt?.destroy()
    this.attempt = null
    this.engine?.close(graceful)
    this.dropPipe()
  }
}
