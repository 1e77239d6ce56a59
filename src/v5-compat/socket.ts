/**
 * The v5 Socket: an EventEmitter over a v6 socket. Incoming messages are
 * read in a loop and emitted as 'message' events (one argument per frame);
 * outgoing ones queue and are sent one at a time, each callback called once
 * its message is queued by the v6 socket.
 */
import { EventEmitter } from "node:events"
import type { MessageLike, Readable, Writable } from "../index.js"
import { Dealer, Pair, Publisher, Pull, Push, Reply, Request, Router, Stream, Subscriber, XPublisher, XSubscriber } from "../index.js"
import type { Socket as V6Socket } from "../sockets/socket-base.js"
import { zmqError } from "../errors.js"
import { Binds, type Callback } from "./binds.js"
import { ZMQ_SNDMORE, options as shortOptions, type ShortOptionName } from "./constants.js"
import { getOption, setOption, type OptionValue } from "./options.js"

/** All the socket types of the v5 API (xreq/xrep: old names of dealer/router). */
export type SocketType = "pair" | "req" | "rep" | "pub" | "sub" | "dealer" | "xreq" | "router" | "xrep" | "pull" | "push" | "xpub" | "xsub" | "stream"

const FACTORIES: Record<SocketType, () => V6Socket> = {
  pair: () => new Pair(),
  req: () => new Request(),
  rep: () => new Reply(),
  pub: () => new Publisher(),
  sub: () => new Subscriber(),
  dealer: () => new Dealer(),
  xreq: () => new Dealer(),
  router: () => new Router(),
  xrep: () => new Router(),
  pull: () => new Pull(),
  push: () => new Push(),
  xpub: () => new XPublisher(),
  xsub: () => new XSubscriber(),
  stream: () => new Stream(),
}

type Frames = MessageLike[]

/**
 * A v5 socket (zeromq.js 5.x): an EventEmitter whose options are properties
 * under libzmq's short names (`sock.identity`, `sock.linger`) or
 * `setsockopt`/`getsockopt`. Make one with `socket(type)`.
 *
 * Events:
 * - `'message'` `(...frames: Buffer[])`: a message arrived, one argument per frame;
 * - `'error'` `(err)`: a send or bind failed where no callback was given;
 * - after `monitor()`: `'connect'`, `'connect_delay'`, `'connect_retry'`,
 *   `'listen'`, `'bind_error'`, `'accept'`, `'accept_error'`, `'close'`,
 *   `'close_error'`, `'disconnect'`, `'handshake'`... each with
 *   `(value, address, error)` as v5 gave them.
 */
export class Socket extends EventEmitter {
  /**
   * v5 sockets carry their options as properties (`sock.identity = "a"`),
   * installed below from the short option names; `unknown` keeps them typed
   * without `any` (read them with a cast or a check).
   */
  [key: string]: unknown
  /** The socket type, as given to `socket(type)`. */
  type: SocketType
  // The short option properties (installed on the prototype below), typed as v5 programs use them.
  /** ZMQ_AFFINITY (v6: `affinity`). */
  declare affinity: number
  /** ZMQ_BACKLOG (v6: `backlog`). */
  declare backlog: number
  /**
   * ZMQ_IDENTITY: the routing id announced to ROUTER peers (v6: `routingId`); REQ, REP, DEALER and ROUTER
   * sockets.
   */
  declare identity: string | Buffer | null
  /** ZMQ_LINGER in ms (v6: `linger`). */
  declare linger: number
  /** ZMQ_RATE (v6: `rate`). */
  declare rate: number
  /** ZMQ_RCVBUF (v6: `receiveBufferSize`). */
  declare rcvbuf: number
  /**
   * ZMQ_LAST_ENDPOINT: the last endpoint bound or connected (v6: `lastEndpoint`); with a wildcard tcp port,
   * read it once the bind has completed.
   */
  declare readonly last_endpoint: string | null
  /** ZMQ_RECONNECT_IVL in ms (v6: `reconnectInterval`). */
  declare reconnect_ivl: number
  /** ZMQ_RECOVERY_IVL (v6: `recoveryInterval`). */
  declare recovery_ivl: number
  /** ZMQ_SNDBUF (v6: `sendBufferSize`). */
  declare sndbuf: number
  /** ZMQ_MECHANISM: 0 NULL, 1 PLAIN, 2 CURVE, as the security options select. */
  declare readonly mechanism: number
  /** ZMQ_PLAIN_SERVER (v6: `plainServer`). */
  declare plain_server: number | boolean
  /** ZMQ_PLAIN_USERNAME (v6: `plainUsername`). */
  declare plain_username: string | Buffer | null
  /** ZMQ_PLAIN_PASSWORD (v6: `plainPassword`). */
  declare plain_password: string | Buffer | null
  /** ZMQ_CURVE_SERVER (v6: `curveServer`). */
  declare curve_server: number | boolean
  /** ZMQ_CURVE_PUBLICKEY (v6: `curvePublicKey`). */
  declare curve_publickey: string | Buffer | null
  /** ZMQ_CURVE_SECRETKEY (v6: `curveSecretKey`). */
  declare curve_secretkey: string | Buffer | null
  /** ZMQ_CURVE_SERVERKEY (v6: `curveServerKey`). */
  declare curve_serverkey: string | Buffer | null
  /** ZMQ_ZAP_DOMAIN (v6: `zapDomain`). */
  declare zap_domain: string | Buffer | null
  /** ZMQ_HEARTBEAT_IVL in ms (v6: `heartbeatInterval`). */
  declare heartbeat_ivl: number
  /** ZMQ_HEARTBEAT_TTL in ms (v6: `heartbeatTimeToLive`). */
  declare heartbeat_ttl: number
  /** ZMQ_HEARTBEAT_TIMEOUT in ms (v6: `heartbeatTimeout`). */
  declare heartbeat_timeout: number
  /** ZMQ_CONNECT_TIMEOUT in ms (v6: `connectTimeout`). */
  declare connect_timeout: number
  readonly #inner: V6Socket
  readonly #reader: Readable | null
  readonly #writer: Writable | null
  readonly #binds: Binds
  /** Frames given with ZMQ_SNDMORE, waiting for the last part. */
  #parts: Frames = []
  readonly #sendQueue: [Frames, Callback | undefined][] = []
  /** Messages received while paused, emitted on resume. */
  readonly #recvQueue: Buffer[][] = []
  #paused = false
  #sending = false
  #receiving = false
  /** Wakes a REQ receive loop waiting for its first request to go out. */
  #requestSent: (() => void) | null = null
  #sentCount = 0

  /** A socket of `type` ("push", "router"...); throws for an unknown type. */
  constructor(type: SocketType) {
    super()
    if (!Object.prototype.hasOwnProperty.call(FACTORIES, type)) throw new Error(`Invalid socket type: ${String(type)}`)
    this.type = type
    this.#inner = FACTORIES[type]()
    const canRead = type !== "push" && type !== "pub"
    const canWrite = type !== "pull" && type !== "sub"
    this.#reader = canRead ? (this.#inner as unknown as Readable) : null
    this.#writer = canWrite ? (this.#inner as unknown as Writable) : null
    const inner = this.#inner
    this.#binds = new Binds({ inner, emit: (event, ...args) => this.emit(event, ...args) })
    this.#startReceiving()
  }

  /** True once `close()` has been called. */
  get closed(): boolean {
    return this.#inner.closed
  }

  /** Binds to `address` in the background; `cb(err)` is called when done (without `cb`, a failure is an `'error'` event). */
  bind(address: string, cb?: Callback): this {
    this.#binds.bind(address, cb)
    return this
  }

  /** Unbinds `address` in the background; `cb(err)` is called when done. */
  unbind(address: string, cb?: Callback): this {
    this.#binds.unbind(address, cb)
    return this
  }

  /**
   * Binds to `address`. Every error that can be known at once is thrown, as
   * zeromq.js throws it; inproc and ipc endpoints are bound on return, tcp ones
   * a moment later (Node cannot listen synchronously): a failure only the OS
   * can report arrives as an `'error'` event. Later operations wait for it.
   */
  bindSync(address: string): void {
    this.#binds.bindSync(address)
  }

  /** Unbinds `address`, after any bind still under way (see `bindSync`). */
  unbindSync(address: string): void {
    this.#binds.unbindSync(address)
  }

  /** Connects to `address` (in the background, reconnecting as needed). */
  connect(address: string): this {
    this.#inner.connect(address)
    return this
  }

  /** Undoes a `connect()` to `address`. */
  disconnect(address: string): this {
    this.#inner.disconnect(address)
    return this
  }

  /** Queues a message, or a part of one with ZMQ_SNDMORE; `cb` runs once it is handed to the socket. */
  send(message: MessageLike[] | MessageLike, givenFlags?: number | null, cb?: Callback): this {
    const flags = (givenFlags ?? 0) | 0
    this.#parts = this.#parts.concat(message)
    if ((flags & ZMQ_SNDMORE) === 0) {
      this.#sendQueue.push([this.#parts, cb])
      this.#parts = []
      if (!this.#paused) this.#startSending()
    }
    return this
  }

  /** Removed in zeromq.js's compatibility mode too: throws; use `on('message', ...)`. */
  read(): never {
    throw new Error("read() has been removed from compatibility mode; use on('message', ...) instead.")
  }

  /** Stops emitting `'message'` events and sending queued messages until `resume()`. */
  pause(): void {
    this.#paused = true
  }

  /** Emits the messages received while paused and sends those queued. */
  resume(): void {
    this.#paused = false
    this.#startReceiving()
    this.#startSending()
  }

  /** Closes the socket; queued messages are still delivered within `linger`. */
  close(): this {
    this.#inner.close()
    this.#requestSent?.()
    return this
  }

  /** Starts emitting the socket's events (see the class description); the arguments are ignored, as in zeromq.js's compatibility mode. */
  monitor(interval?: number, num?: number): this {
    if (interval || num) process.emitWarning("Arguments to monitor() are ignored in compatibility mode; all events are read automatically")
    void this.#readEvents()
    return this
  }

  /** Stops the events started by `monitor()`. */
  unmonitor(): this {
    this.#inner.events.close()
    return this
  }

  /** On a `sub` socket: receive messages starting with `filter`. */
  subscribe(filter: string): this {
    if (!(this.#inner instanceof Subscriber)) throw new Error("Subscriber socket required")
    this.#inner.subscribe(filter)
    return this
  }

  /** On a `sub` socket: undo a `subscribe(filter)`. */
  unsubscribe(filter: string): this {
    if (!(this.#inner instanceof Subscriber)) throw new Error("Subscriber socket required")
    this.#inner.unsubscribe(filter)
    return this
  }

  /** Sets an option by number (`zmq.ZMQ_LINGER`) or short name (`"linger"`). */
  setsockopt(option: number | ShortOptionName, value: unknown): this {
    setOption(this.#inner, typeof option === "number" ? option : shortOptions[option], value)
    return this
  }

  /** Reads an option by number or short name. */
  getsockopt(option: number | ShortOptionName): OptionValue {
    return getOption(this.#inner, typeof option === "number" ? option : shortOptions[option])
  }

  #startSending(): void {
    if (this.#sending || this.#sendQueue.length === 0) return
    if (this.#writer === null) {
      // zeromq.js fails here with an unhandled rejection; an 'error' event is the v5 way to say it.
      this.#sendQueue.length = 0
      process.nextTick(() => this.emit("error", new Error("Cannot send on this socket type.")))
      return
    }
    this.#sending = true
    void this.#sendLoop(this.#writer)
  }

  async #sendLoop(writer: Writable): Promise<void> {
    try {
      while (!this.#inner.closed && !this.#paused && this.#sendQueue.length > 0) {
        // A bindSync still completing: the v6 socket is busy (EBUSY) until it
        // is done. (During a bind(address, cb) zeromq.js's send fails with
        // EBUSY, and so does ours.)
        const binding = this.#binds.syncPending
        if (binding !== null) await binding
        const [msg, cb] = this.#sendQueue.shift()!
        let failure: Error | null = null
        try {
          await writer.send(msg)
          this.#sentCount++
          this.#requestSent?.()
        } catch (err) {
          failure = err as Error
        }
        // Outside the try: a throwing callback must not be called a second time with its own error.
        if (failure === null) cb?.()
        else if (cb) cb(failure)
        else this.emit("error", failure)
      }
    } finally {
      this.#sending = false
    }
  }

  #startReceiving(): void {
    if (this.#receiving || this.#reader === null) return
    this.#receiving = true
    void this.#receiveLoop(this.#reader)
  }

  async #receiveLoop(reader: Readable): Promise<void> {
    try {
      while (!this.#inner.closed && !this.#paused) {
        for (const queued of this.#recvQueue.splice(0)) process.nextTick(() => this.emit("message", ...queued))
        const sentBefore = this.#sentCount
        // The v6 socket refuses a receive while it binds (EBUSY): wait, rather than spin.
        if (this.#binds.busy) await this.#binds.settled()
        try {
          const msg = await reader.receive()
          if (this.#paused) this.#recvQueue.push(msg)
          else process.nextTick(() => this.emit("message", ...msg))
        } catch (err) {
          const code = (err as { code?: unknown }).code
          // zmq-ts's REQ/REP refuse a receive out of turn (EFSM) where zeromq.js's waits: wait for the next send.
          if (code === "EFSM") {
            if (this.#sentCount === sentBefore && !this.#inner.closed) await new Promise<void>((r) => (this.#requestSent = r))
          } else if (!this.#inner.closed && code !== "EBUSY") process.nextTick(() => this.emit("error", err))
          this.#requestSent = null
        }
      }
    } finally {
      this.#receiving = false
    }
  }

  /** Socket events under v5's names, with (value, address, error) as v5 gave them. */
  async #readEvents(): Promise<void> {
    const events = this.#inner.events
    while (!events.closed) {
      try {
        const event = await events.receive()
        let name: string = event.type
        let value: number | undefined
        let error: unknown
        switch (event.type) {
          case "connect":
          case "accept":
          case "close":
          case "disconnect":
            break
          case "connect:delay":
            name = "connect_delay"
            break
          case "connect:retry":
            name = "connect_retry"
            value = event.interval
            break
          case "bind":
            name = "listen"
            break
          case "bind:error":
          case "accept:error":
          case "close:error":
            name = event.type.replace(":", "_")
            // zeromq.js's events carry Error objects.
            error = event.error ? Object.assign(new Error(event.error.message), { errno: event.error.errno, code: event.error.code }) : undefined
            value = event.error ? event.error.errno : 0
            break
          case "end":
            return
          default:
            continue
        }
        this.emit(name, value, event.address, error)
      } catch (err) {
        // zeromq.js's observer fails a pending receive with ENOTSOCK once closed, which v5 reports.
        if (this.#inner.closed) return
        this.emit("error", events.closed ? zmqError("ENOTSOCK", "Socket operation on non-socket") : err)
      }
    }
  }
}

// The short option names as properties; a string value goes in as UTF-8 bytes, as in v5.
for (const key of Object.keys(shortOptions) as ShortOptionName[]) {
  if (Object.prototype.hasOwnProperty.call(Socket.prototype, key)) continue
  Object.defineProperty(Socket.prototype, key, {
    configurable: true,
    get(this: Socket) {
      return this.getsockopt(shortOptions[key])
    },
    set(this: Socket, value: unknown) {
      this.setsockopt(shortOptions[key], typeof value === "string" ? Buffer.from(value, "utf8") : value)
    },
  })
}
