import { EventEmitter } from "node:events"
import { zmqError, type ZmqError } from "./errors.js"
import { Socket } from "./sockets/socket-base.js"

/** Error details carried by failure events, as zeromq.js gives them. */
export interface EventError {
  code: string
  errno?: number
  message: string
}

/** Socket events with zeromq.js v6's names and fields. */
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
  | { type: "disconnect"; address: string }
  | { type: "end" }
  | { type: "handshake"; address: string }
  | { type: "handshake:error:protocol"; address: string; error: EventError }
  | { type: "handshake:error:auth"; address: string; error: EventError & { status?: number } }
  | { type: "handshake:error:other"; address: string; error: EventError }
  | { type: "unknown" }

export type EventType = Event["type"]
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

  constructor(socket: Socket) {
    if (arguments.length > 1) throw new TypeError(`Expected 1 argument but received ${arguments.length}`)
    // zeromq.js: a non-object is a TypeError, an object that is no socket EINVAL (without a code).
    if (typeof socket !== "object" || socket === null) throw new TypeError("Socket must be a socket object")
    if (!(socket instanceof Socket)) throw new Error("Invalid argument")
    this.hold = socket.attachObserver(this)
  }

  get closed(): boolean {
    return this.isClosed
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

  receive(): Promise<Event> {
    if (this.emitter !== null) {
      return Promise.reject(new Error("Observer is in event emitter mode. After a call to events.on() it is not possible to read events with events.receive()."))
    }
    const next = this.backlog.shift()
    if (next !== undefined) return Promise.resolve(next)
    // As zeromq.js: EBADF once closed (a receive pending at close gets EAGAIN).
    if (this.isClosed) return Promise.reject(zmqError("EBADF"))
    if (this.waiter !== null) return Promise.reject(zmqError("EBUSY", "Observer is busy reading; only one receive operation may be in progress at any time"))
    this.setHolding(true)
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
  }

  on<E extends EventType>(type: E, listener: (data: EventOfType<E>) => void): this {
    this.mode().on(type, listener as (data: Event) => void)
    return this
  }

  off<E extends EventType>(type: E, listener: (data: EventOfType<E>) => void): this {
    this.mode().off(type, listener as (data: Event) => void)
    return this
  }

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
