// The promise-based send() and receive() of zeromq.js v6 over a socket
// type's x* hooks: one pending operation each way, its timeout, the retries
// that pipe wake-ups trigger, and the counters of what went through. Socket
// (socket-base.ts) holds one MessageFlow in a private field and makes the
// application's checks before handing a call to it.
import { toError, zmqError, type ZmqError } from "../errors.js"
import type { FrameCopier, MessageLike } from "../msg.js"
import { SMALL_FRAME_MAX, type Msg } from "../pipe.js"
import { payloadBytes, type SocketCounters } from "../stats.js"
import { messageChannel } from "../trace.js"
import type { OptionValues } from "./option-table.js"
import type { Socket } from "./socket-base.js"

/**
 * zeromq.js resolves at most this many send()/receive() calls in a row
 * synchronously, then defers one to the event loop so that a tight
 * `await send()` loop cannot starve I/O. We do the same.
 */
const MAX_SYNC_OPERATIONS = 512

const RESOLVED = Promise.resolve()

interface PendingOp<T> {
  resolve: (value: T) => void
  reject: (err: ZmqError) => void
  timer: NodeJS.Timeout | null
  /** What the last attempt was refused with (ENOTSUP, EFSM), if refused: closing the socket rejects with it, as zeromq.js's last attempt does. */
  refusal: ZmqError | null
}

interface PendingSend extends PendingOp<void> {
  msg: Msg
}

/**
 * @internal One socket's send/receive state. It calls the socket type's
 * protected hooks (xsend, xrecv, ...) by element access: they belong to the
 * socket, this object only drives them.
 */
export class MessageFlow {
  pendingSend: PendingSend | null = null
  pendingRecv: PendingOp<Msg> | null = null
  /** Operations resolved synchronously in this turn of the event loop. */
  #syncOps = 0
  #inRetryRecv = false
  #inRetrySend = false

  constructor(
    private readonly socket: Socket,
    private readonly opts: OptionValues,
    private readonly counters: SocketCounters,
    private readonly copier: FrameCopier,
  ) {}

  /** The send() of zeromq.js, after the application's checks. */
  send(message: MessageLike | MessageLike[]): Promise<void> {
    // A small one-frame message goes straight into a connection's batch when
    // the socket type can place it there now (Pipe.writeSmall): no frame
    // array, no copy into a view of its own, no queue entry.
    if (message instanceof Uint8Array && message.length <= SMALL_FRAME_MAX && this.#syncOps < MAX_SYNC_OPERATIONS && this.trySendSmall(message)) {
      this.countSyncOp()
      if (this.pendingRecv !== null) this.retryRecv()
      return RESOLVED
    }
    return this.startSend(this.copier.toFrames(message))
  }

  /** A send without the application's checks (a Proxy's own forwarding). */
  startSend(msg: Msg): Promise<void> {
    let refusal: ZmqError | null = null
    if (this.#syncOps < MAX_SYNC_OPERATIONS || this.opts.sendTimeout === 0) {
      this.countSyncOp()
      try {
        if (this.trySend(msg)) {
          // A send may let a waiting receive go on (REQ); zeromq.js re-polls too.
          if (this.pendingRecv !== null) this.retryRecv()
          return RESOLVED
        }
      } catch (err) {
        // zeromq.js only sends once the socket is writable: where libzmq
        // refuses for the socket's state (REQ awaiting its reply: EFSM), the
        // send waits for that state to change instead.
        if (this.opts.sendTimeout === 0 || this.socket["xhasOut"]()) return Promise.reject(toError(err))
        refusal = err as ZmqError
      }
      if (this.opts.sendTimeout === 0) return Promise.reject(zmqError("EAGAIN"))
    }
    return new Promise<void>((resolve, reject) => {
      const pending: PendingSend = { msg, resolve, reject, timer: null, refusal }
      this.pendingSend = pending
      this.socket.homeContext!.holdOpen()
      if (this.opts.sendTimeout > 0) {
        pending.timer = setTimeout(() => this.sendTimedOut(), this.opts.sendTimeout)
      }
      // Deferred rather than retried here: either we ran out of synchronous
      // operations, or there is no room and a wake-up will retry.
      setImmediate(() => this.retrySend())
    })
  }

  /** zeromq.js sends nothing for an empty array, once the socket is writable. */
  private trySend(msg: Msg): boolean {
    if (msg.length === 0) return this.opts.sendTimeout === 0 || this.socket["xhasOut"]()
    if (!this.socket["xsend"](msg)) return false
    // Counted here, inline: the hot path pays two additions and one flag read.
    const c = this.counters
    c.messagesSent++
    c.bytesSent += msg.length === 1 ? msg[0]!.length : payloadBytes(msg)
    if (messageChannel.hasSubscribers) c.traceMessage(this.socket, "send", msg)
    return true
  }

  /** xsendSmall(), counted (and traced) as trySend() counts. */
  private trySendSmall(frame: Uint8Array): boolean {
    if (!this.socket["xsendSmall"](frame)) return false
    const c = this.counters
    c.messagesSent++
    c.bytesSent += frame.length
    if (messageChannel.hasSubscribers) c.traceMessage(this.socket, "send", [Buffer.from(frame.buffer, frame.byteOffset, frame.length)])
    return true
  }

  /** xrecv() for the application: what it returns is counted (and traced) as received. */
  private takeMessage(): Msg | undefined {
    const msg = this.socket["xrecv"]()
    if (msg !== undefined) {
      const c = this.counters
      c.messagesReceived++
      c.bytesReceived += msg.length === 1 ? msg[0]!.length : payloadBytes(msg)
      if (messageChannel.hasSubscribers) c.traceMessage(this.socket, "receive", msg)
    }
    return msg
  }

  /**
   * Async iteration's fast path: a message already queued, taken within the
   * cap on synchronous operations; undefined when receive() must decide
   * between rejecting and waiting.
   */
  takeQueued(): Msg | undefined {
    if (this.pendingRecv !== null || this.#syncOps >= MAX_SYNC_OPERATIONS) return undefined
    let msg: Msg | undefined
    try {
      msg = this.takeMessage()
    } catch {
      // receive() decides between rejecting and waiting.
    }
    if (msg !== undefined) this.countSyncOp()
    return msg
  }

  /** A receive without the application's checks (a Proxy's own forwarding). */
  startReceive(): Promise<Msg> {
    let refusal: ZmqError | null = null
    const tried = this.#syncOps < MAX_SYNC_OPERATIONS || this.opts.receiveTimeout === 0
    if (tried) {
      this.countSyncOp()
      let msg: Msg | undefined
      try {
        msg = this.takeMessage()
      } catch (err) {
        // As for send: not readable in this state (REP must reply first) waits.
        if (this.opts.receiveTimeout === 0 || this.socket["xhasIn"]()) return Promise.reject(toError(err))
        refusal = err as ZmqError
      }
      if (msg !== undefined) {
        if (this.pendingSend !== null) this.retrySend()
        return Promise.resolve(msg)
      }
      if (this.opts.receiveTimeout === 0) return Promise.reject(zmqError("EAGAIN"))
    }
    return new Promise<Msg>((resolve, reject) => {
      const pending: PendingOp<Msg> = { resolve, reject, timer: null, refusal }
      this.pendingRecv = pending
      this.socket.homeContext!.holdOpen()
      if (this.opts.receiveTimeout > 0) {
        pending.timer = setTimeout(() => this.receiveTimedOut(), this.opts.receiveTimeout)
      }
      // Nothing was queued just now: readActivated / wakeReader settle this
      // receive when a message comes. Only a receive deferred by the cap on
      // synchronous operations needs a retry of its own.
      if (!tried) setImmediate(() => this.retryRecv())
    })
  }

  /** At the timeout zeromq.js tries once more and reports what libzmq says (EFSM, ...) or EAGAIN. */
  private sendTimedOut(): void {
    const p = this.pendingSend
    if (p === null) return
    try {
      this.settleSend(this.trySend(p.msg) ? null : zmqError("EAGAIN"))
    } catch (err) {
      this.settleSend(err as ZmqError)
    }
  }

  private receiveTimedOut(): void {
    if (this.pendingRecv === null) return
    try {
      const msg = this.takeMessage()
      if (msg === undefined) this.settleRecv(null, zmqError("EAGAIN"))
      else this.settleRecv(msg, null)
    } catch (err) {
      this.settleRecv(null, err as ZmqError)
    }
  }

  private countSyncOp(): void {
    if (this.#syncOps++ === 0) {
      setImmediate(() => {
        this.#syncOps = 0
      })
    }
  }

  retrySend(): void {
    const p = this.pendingSend
    if (p === null || this.#inRetrySend) return
    let sent: boolean
    this.#inRetrySend = true
    try {
      // The small path too: else, once a send was deferred, the message it
      // queues keeps every later one off the small path (it needs an empty queue).
      const m = p.msg
      sent = (m.length === 1 && m[0]!.length <= SMALL_FRAME_MAX && this.trySendSmall(m[0]!)) || this.trySend(m)
    } catch (err) {
      if (!this.socket["xhasOut"]()) {
        p.refusal = err as ZmqError
        return
      }
      this.settleSend(err as ZmqError)
      return
    } finally {
      this.#inRetrySend = false
    }
    if (sent) {
      this.settleSend(null)
      if (this.pendingRecv !== null) this.retryRecv()
    }
  }

  retryRecv(): void {
    // xrecv() may wake us again (XPUB refilling from a stalled pipe): the
    // outer call settles the pending receive, nested ones must not.
    if (this.pendingRecv === null || this.#inRetryRecv) return
    let msg: Msg | undefined
    this.#inRetryRecv = true
    try {
      msg = this.takeMessage()
    } catch (err) {
      if (!this.socket["xhasIn"]()) {
        this.pendingRecv.refusal = err as ZmqError
        return
      }
      this.settleRecv(null, err as ZmqError)
      return
    } finally {
      this.#inRetryRecv = false
    }
    if (msg !== undefined) {
      this.settleRecv(msg, null)
      if (this.pendingSend !== null) this.retrySend()
    }
  }

  /** The socket closed: a pending operation fails as its last attempt did, else with EAGAIN. */
  cancel(): void {
    if (this.pendingSend) this.settleSend(this.pendingSend.refusal ?? zmqError("EAGAIN"))
    if (this.pendingRecv) this.settleRecv(null, this.pendingRecv.refusal ?? zmqError("EAGAIN"))
  }

  private settleSend(err: ZmqError | null): void {
    const p = this.pendingSend
    if (p === null) return
    this.pendingSend = null
    this.socket.homeContext?.release()
    if (p.timer) clearTimeout(p.timer)
    if (err) p.reject(err)
    else p.resolve()
  }

  private settleRecv(msg: Msg | null, err: ZmqError | null): void {
    const p = this.pendingRecv
    if (p === null) return
    this.pendingRecv = null
    this.socket.homeContext?.release()
    if (p.timer) clearTimeout(p.timer)
    if (err) p.reject(err)
    else p.resolve(msg!)
  }
}
