import { EventEmitter } from "node:events"
import { errorMessage, isErrorCode, zmqError, type ZmqError } from "./errors.js"
import { Socket } from "./sockets/socket-base.js"

/**
 * The error of a failure event: an Error, as zeromq.js gives it. Errno
 * failures (bind:error, accept:error, close:error, handshake:error:other)
 * carry `code` and `errno`; protocol failures a `code` (ERR_ZMTP_*,
 * ERR_ZAP_*); authentication failures the ZAP `status`.
 */
export interface EventError extends Error {
  /** The errno name (EADDRINUSE, ECONNREFUSED...) or, for handshake:error:protocol, the reason (ERR_ZMTP_*, ERR_ZAP_*). */
  code?: string
  /** The errno number of an errno failure. */
  errno?: number
  /** For handshake:error:auth: the ZAP handler's status code (300 temporary, 400 denied, 500 internal error; RFC 27). */
  status?: number
}

/** An errno failure as zeromq.js reports it (its message for the code). */
export function errnoEventError(code: string): EventError {
  if (isErrorCode(code)) {
    const e: EventError = new Error(errorMessage(code))
    e.code = code
    e.errno = zmqError(code).errno
    return e
  }
  const e: EventError = new Error(code)
  e.code = code
  return e
}

/** A handshake:error:protocol error: zeromq.js names the protocol and gives the reason as code. */
export function protocolEventError(reason: string): EventError {
  const e: EventError = new Error(reason.startsWith("ERR_ZAP_") ? "ZAP protocol error" : "ZMTP protocol error")
  e.code = reason
  return e
}

const AUTH_MESSAGES: Record<number, string> = { 300: "Temporary error", 400: "Authentication failure", 500: "Internal error" }

/** A handshake:error:auth error: the ZAP status code and zeromq.js's text for it. */
export function authEventError(status: number): EventError {
  const e: EventError = new Error(AUTH_MESSAGES[status] ?? "Unknown error")
  e.status = status
  return e
}

/**
 * Socket events with zeromq.js v6's names and fields (libzmq's
 * zmq_socket_monitor events), as {@link Observer} delivers them. Every event
 * has its `type`; all but `end` and `unknown` the `address` of the endpoint
 * (the peer's for connections); failures an `error` ({@link EventError}).
 *
 * | type | when |
 * | --- | --- |
 * | `bind` / `bind:error` | a `bind()` listens, or fails (`error.code`: EADDRINUSE...) |
 * | `accept` / `accept:error` | a listener accepted a connection, or failed to |
 * | `connect` | an outgoing connection is established (TCP, before the handshake) |
 * | `connect:delay` | a connection attempt is under way (asynchronous connect) |
 * | `connect:retry` | a connection failed or was lost; a retry comes in `interval` ms |
 * | `handshake` | the ZMTP handshake and security mechanism succeeded: messages flow |
 * | `handshake:error:protocol` | the peers cannot agree or one broke ZMTP (RFC 23/37): `error.code` is ERR_ZMTP_* (e.g. ERR_ZMTP_MECHANISM_MISMATCH) or ERR_ZAP_* |
 * | `handshake:error:auth` | the ZAP handler refused the peer: `error.status` is its status code |
 * | `handshake:error:other` | the handshake failed otherwise: `error.code` is an errno name (the connection closed during it, `handshakeInterval` ran out...) |
 * | `disconnect` | an established connection ended (`error`, zmq-ts's own, when a memory limit dropped it) |
 * | `close` / `close:error` | a listener or connection was closed, or failed to close |
 * | `end` | the socket is closed: the last event |
 * | `unknown` | an event libzmq has and zeromq.js does not name |
 */
export type Event =
  | { type: "accept"; address: string }
  | { type: "accept:error"; address: string; error: EventError }
  | { type: "bind"; address: string }
  | { type: "bind:error"; address: string; error: EventError }
  | { type: "connect"; address: string }
  | { type: "connect:delay"; address: string }
  | { type: "connect:retry"; address: string; interval: number }
  | { type: "close"; address: string }
  | { type: "close:error"; address: string; error: EventError }
  /** `error` is zmq-ts's own: set when we dropped the peer for exceeding a memory limit (ENOBUFS). */
  | { type: "disconnect"; address: string; error?: EventError }
  | { type: "end" }
  | { type: "handshake"; address: string }
  | { type: "handshake:error:protocol"; address: string; error: EventError }
  | { type: "handshake:error:auth"; address: string; error: EventError }
  | { type: "handshake:error:other"; address: string; error: EventError }
  | { type: "unknown" }

/** The `type` of an {@link Event}: "accept", "bind", "connect:retry", "handshake:error:auth"... */
export type EventType = Event["type"]
/** The {@link Event} whose `type` is `E` (e.g. `EventOfType<"connect:retry">` has `interval`). */
export type EventOfType<E extends EventType = EventType> = Extract<Event, { type: E }>

/** Events kept for a reader that is not reading yet; older ones are dropped past this. */
const MAX_BACKLOG = 1000

/**
 * A socket's event stream (`socket.events`), with zeromq.js v6's two modes:
 * receive() / async iteration, or on()/off() listeners (after which receive()
 * is no longer available). Unlike zmq_socket_monitor it needs no extra socket.
 */
export class Observer {
  /** @internal */
  private backlog: Event[] = []
  /** Keeps the process alive while someone waits for events (as zeromq.js's observer does). */
  /** @internal */
  private readonly hold: { holdOpen(): void; release(): void } | null
  /** @internal */
  private holding = false
  /** @internal */
  private waiter: { resolve: (e: Event) => void; reject: (e: ZmqError) => void } | null = null
  /** @internal */
  private emitter: EventEmitter | null = null
  /** @internal */
  private isClosed = false

  /** The event stream of `socket`; usually read as `socket.events`, which makes one on first use. */
  constructor(socket: Socket) {
    if (arguments.length > 1) throw new TypeError(`Expected 1 argument but received ${arguments.length}`)
    // zeromq.js: a non-object is a TypeError, an object that is no socket EINVAL (without a code).
    if (typeof socket !== "object" || socket === null) throw new TypeError("Socket must be a socket object")
    if (!(socket instanceof Socket)) throw new Error("Invalid argument")
    this.hold = socket.attachObserver(this)
  }

  /** As zeromq.js's: closed once the end event has been read. */
  get closed(): boolean {
    return this.isClosed && this.backlog.length === 0
  }

  /** @internal */
  private setHolding(on: boolean): void {
    if (this.hold === null || on === this.holding) return
    this.holding = on
    if (on) this.hold.holdOpen()
    else this.hold.release()
  }

  /** @internal Called by the socket. */
  push(event: Event): void {
    if (this.isClosed) return
    // zeromq.js leaves out an empty address (libzmq's close of a listener that failed to bind).
    if ("address" in event && event.address === "") {
      const copy: Record<string, unknown> = { ...event }
      delete copy.address
      event = copy as unknown as Event
    }
    if (this.emitter !== null) {
      this.emitter.emit(event.type, event)
      return
    }
    if (this.waiter !== null) {
      const w = this.waiter
      this.waiter = null
      this.setHolding(false)
      w.resolve(event)
      return
    }
    if (this.backlog.length >= MAX_BACKLOG) this.backlog.shift()
    this.backlog.push(event)
  }

  /**
   * Resolves with the next event (up to 1000 are kept for a reader that is not
   * reading). Throws once `on()` has been used, EBUSY while another
   * `receive()` waits, and EBADF once the observer is closed.
   */
  receive(): Promise<Event> {
    if (this.emitter !== null) {
      // zeromq.js replaces receive with a getter that throws.
      throw new Error("Observer is in event emitter mode. After a call to events.on() it is not possible to read events with events.receive().")
    }
    const next = this.backlog.shift()
    if (next !== undefined) return Promise.resolve(next)
    // As zeromq.js: usage errors throw; EBADF once closed (a receive pending at close gets EAGAIN).
    if (this.isClosed) throw zmqError("EBADF")
    if (this.waiter !== null) throw zmqError("EBUSY", "Observer is busy reading; only one receive operation may be in progress at any time")
    this.setHolding(true)
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
  }

  /** Calls `listener` with every event of `type` from now on (and those kept so far); switches the observer to listener mode for good. */
  on<E extends EventType>(type: E, listener: (data: EventOfType<E>) => void): this {
    this.mode().on(type, listener as (data: Event) => void)
    return this
  }

  /** Removes a listener added with `on()`. */
  off<E extends EventType>(type: E, listener: (data: EventOfType<E>) => void): this {
    this.mode().off(type, listener as (data: Event) => void)
    return this
  }

  /** Stops delivering events; a pending `receive()` rejects with EAGAIN. Closing the socket closes its observer (after the `end` event). */
  close(): void {
    if (this.isClosed) return
    this.isClosed = true
    this.setHolding(false)
    const w = this.waiter
    this.waiter = null
    w?.reject(zmqError("EAGAIN"))
  }

  /** @internal */
  private mode(): EventEmitter {
    if (this.emitter === null) {
      this.emitter = new EventEmitter()
      // zeromq.js keeps reading events for its listeners until the socket closes.
      if (!this.isClosed) this.setHolding(true)
      for (const e of this.backlog) this.emitter.emit(e.type, e)
      this.backlog = []
    }
    return this.emitter
  }

  /** Iterates over events (`for await (const event of socket.events)`); ends when the observer is closed. */
  [Symbol.asyncIterator](): AsyncIterator<Event, undefined> {
    return {
      next: async (): Promise<IteratorResult<Event, undefined>> => {
        if (this.isClosed && this.backlog.length === 0) return { done: true, value: undefined }
        try {
          return { value: await this.receive(), done: false }
        } catch (err) {
          const code = (err as ZmqError).code
          if (this.isClosed && (code === "EAGAIN" || code === "EBADF")) return { done: true, value: undefined }
          throw err
        }
      },
    }
  }
}
