import { Context } from "../context.js"
import { hideAndSeal } from "../seal.js"
import { defaultContext } from "../default-context.js"
import type { ProtocolError } from "../codec/protocol-error.js"
import { toError, withAddress, zmqError, type ZmqError } from "../errors.js"
import type { Mechanism } from "../mechanism/mechanism.js"
import { checkCurveOptions, CurveKeyMemo } from "../mechanism/curve-options.js"
import { FrameCopier, type MessageLike } from "../msg.js"
import { Observer, type Event } from "../observer.js"
import { MsgQueue, Pipe, terminateInproc, type Msg } from "../pipe.js"
import { SocketCounters, type SocketStats } from "../stats.js"
import { checkUri, parseEndpoint, type Endpoint } from "../transport/address.js"
import { bindEndpoint, connectEndpoint } from "../transport/transport.js"
import { SOCKET_TYPES, SOCKET_TYPE_NAMES, type SocketTypeName } from "./socket-types.js"
import { defaultOptions, type OptionName, type OptionValues } from "./option-table.js"
import { getOptionById, installOptions, setOptionById } from "./option-access.js"
import type { RawStored } from "./option-raw.js"
import type { SocketOptionProps } from "./socket-option-props.js"
import { applyOptionChange, newMechanism, readOnlyOption, THREAD_SAFE_TYPES } from "./socket-option-hooks.js"
import { bindFailed, EndpointTable } from "./socket-endpoints.js"
import { MessageFlow } from "./socket-flow.js"
import { installSocketMethods } from "./socket-methods.js"
import { buildForType, buildingImplementation, checkArgs, checkOptionsArg, Internal } from "./socket-registry.js"

export { checkArgs } from "./socket-registry.js"
/** @internal */
export { Internal, registerSocketClass } from "./socket-registry.js"


const EMPTY = Buffer.alloc(0)
// zeromq.js's iterator ends with { done: true } and no value key.
const ITER_DONE = Object.freeze({ done: true }) as IteratorResult<Buffer[], undefined>

// The option properties (socket-option-props.ts), merged into the class:
// declared there, installed on the prototype by installOptions() below.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- the class installs them
export interface Socket extends SocketOptionProps {}

/**
 * The base of every socket type: options, endpoints, pipes and the
 * promise-based send/receive of zeromq.js v6. A socket type fills the x*
 * hooks with its routing strategy (libzmq's socket_base_t design).
 *
 * As with zeromq.js, `Socket` can be subclassed with a socket type number:
 * `class MySocket extends Socket { constructor() { super(8) } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- with SocketOptionProps above
export class Socket {
  // The implementation's state lives in private fields: zeromq.js sockets
  // show no own properties, and hiding public-style fields one by one
  // (Object.defineProperty per field and instance, seal.ts) cost about half
  // of constructing a socket, 3 us a field. What other modules read goes
  // through the accessors below, on the prototype.
  readonly #opts: OptionValues = defaultOptions()
  /** CURVE: the long-term key's import and a server's public key, made at the first connection. */
  #curveKeys: CurveKeyMemo | undefined
  #typeName: SocketTypeName = "PAIR"
  readonly #pipes = new Set<Pipe>()
  readonly #copier = new FrameCopier()
  #nextConnectRoutingId: Buffer | null = null
  #proxied = false

  /** The context, until close(). */
  /** @internal */
  #ctx: Context | null = null
  /** The context, until the socket has finished closing (lingering endpoints still use it). */
  /** @internal */
  #home: Context | null = null
  /** @internal */
  #isClosed = false
  /** @internal */
  #busy = false
  /** @internal */
  #closeRequested = false
  /** @internal */
  #observer: Observer | null = null
  /** Identifies this socket to the context's count without referencing it. */
  /** @internal */
  readonly #countToken = {}
  /** @internal */
  #exitDeadline: number | undefined
  /** Endpoints still closing (lingering) after close(). */
  /** @internal */
  #lingering = 0
  /** @internal What `stats` reports (zmq-ts's own, src/stats.ts); last, so that the fields above keep their places. */
  readonly #counters = new SocketCounters()
  /** The pending send and receive, their retries and timeouts (socket-flow.ts). */
  readonly #flow = new MessageFlow(this, this.#opts, this.#counters, this.#copier)
  /** Binds and connects, their count and ZMQ_LAST_ENDPOINT (socket-endpoints.ts). */
  readonly #ends = new EndpointTable()

  /** @internal Option values, by zeromq.js name; read directly on hot paths. */
  get opts(): OptionValues {
    return this.#opts
  }

  /** @internal */
  get typeName(): SocketTypeName {
    return this.#typeName
  }

  /** @internal */
  get pipes(): Set<Pipe> {
    return this.#pipes
  }

  /** @internal */
  get copier(): FrameCopier {
    return this.#copier
  }

  /** @internal Set while a Proxy runs on this socket: the application may not use it. */
  get proxied(): boolean {
    return this.#proxied
  }

  /** @internal */
  set proxied(value: boolean) {
    this.#proxied = value
  }

  /** @internal Set by `connect(address, { routingId })` on the types that have it. */
  protected get nextConnectRoutingId(): Buffer | null {
    return this.#nextConnectRoutingId
  }

  /** @internal */
  protected set nextConnectRoutingId(value: Buffer | null) {
    this.#nextConnectRoutingId = value
  }

  /**
   * A socket of libzmq type number `type` (ZMQ_PUSH is 8: see `SocketType` in zmq-ts/util), with `options` as
   * for the named classes. Subclasses call `super(type)`, as in zeromq.js.
   */
  constructor(type: number, options?: object) {
    // zeromq.js's `new Socket(type)`: the type's implementation, built with this class's prototype chain.
    if (!(options instanceof Internal)) return buildForType(new.target, Socket, type, options, arguments.length)
    const opts = options.options
    checkOptionsArg(opts)
    let ctx: Context
    if (opts !== undefined && "context" in opts) {
      const given = (opts as { context?: unknown }).context
      if (!(given instanceof Context)) throw new Error("Invalid argument")
      ctx = given
    } else {
      ctx = defaultContext()
    }
    if (ctx.socketCount >= ctx.maxSockets) throw zmqError("EMFILE", "Too many open file descriptors")
    this.#typeName = SOCKET_TYPE_NAMES[type]!
    this.#ctx = this.#home = ctx
    // libzmq's socket_base_t starts with the context's ZMQ_IPV6 as the socket's own.
    this.#opts.ipv6 = ctx.values.ipv6
    ctx.opened(this, this.#countToken)
  }

  /**
   * Makes the socket non-extensible, as zeromq.js's are, then applies the
   * constructor's options as assignments (so unknown or read-only names throw
   * as they do on zeromq.js sockets). Each socket class calls it last.
   */
  /** @internal */
  protected seal(options: object | undefined): void {
    if (buildingImplementation()) return
    hideAndSeal(this)
    if (options === undefined) return
    for (const key of Object.keys(options)) {
      if (key === "context") continue
      ;(this as Record<string, unknown>)[key] = (options as Record<string, unknown>)[key]
    }
  }

  // ---- options (accessors are installed from the option table) --------------

  /** @internal The context until the socket has finished closing. */
  get homeContext(): Context | null {
    return this.#home
  }

  /** @internal An option setter's checks: open socket; warns when only later endpoints will see it. */
  optionWrite(now: boolean): void {
    // zeromq.js warns after libzmq's setsockopt whatever it answered, and keeps its endpoint count when the socket closes.
    // Not `> 0`: zeromq.js's count is unsigned, so one below zero (a failed unbind) reads as in use.
    if (!now && (this.#isClosed ? this.#ends.countAtClose : this.#ends.count) !== 0) {
      process.emitWarning("Socket option will not take effect until next connect/bind.")
    }
    if (this.#isClosed) throw zmqError("ENOTSOCK", "Socket operation on non-socket")
  }

  /** @internal An option getter's check. */
  optionRead(): void {
    if (this.#isClosed) throw zmqError("ENOTSOCK", "Socket operation on non-socket")
  }

  /** @internal A new value is in `opts`: applies it where it acts at once. */
  optionChanged(name: OptionName): void {
    applyOptionChange(this.#opts, this.#pipes, name)
  }

  /** @internal libzmq's socket_base_t read-only options, for get*Option(id). */
  readOnlyOption(id: number): RawStored | undefined {
    return readOnlyOption(this, this.#typeName, this.#opts, this.#ends.last, id)
  }

  /**
   * Reads option number `option` (libzmq's ZMQ_* constant) as a boolean, for options without a property, as
   * zeromq.js's protected method of that name does (subclass Socket to use it).
   */
  protected getBoolOption(option: number): boolean {
    return getOptionById(this, option, "bool") as boolean
  }
  /**
   * Sets option number `option` (libzmq's ZMQ_* constant) as a boolean, for options without a property, as
   * zeromq.js's protected method of that name does (subclass Socket to use it).
   */
  protected setBoolOption(option: number, value: boolean): void {
    setOptionById(this, option, value)
  }
  /**
   * Reads option number `option` (libzmq's ZMQ_* constant) as a 32-bit integer, for options without a
   * property, as zeromq.js's protected method of that name does (subclass Socket to use it).
   */
  protected getInt32Option(option: number): number {
    return getOptionById(this, option, "int32") as number
  }
  /**
   * Sets option number `option` (libzmq's ZMQ_* constant) as a 32-bit integer, for options without a
   * property, as zeromq.js's protected method of that name does (subclass Socket to use it).
   */
  protected setInt32Option(option: number, value: number): void {
    setOptionById(this, option, value)
  }
  /**
   * Reads option number `option` (libzmq's ZMQ_* constant) as an unsigned 32-bit integer, for options without
   * a property, as zeromq.js's protected method of that name does (subclass Socket to use it).
   */
  protected getUint32Option(option: number): number {
    return getOptionById(this, option, "uint32") as number
  }
  /**
   * Sets option number `option` (libzmq's ZMQ_* constant) as an unsigned 32-bit integer, for options without
   * a property, as zeromq.js's protected method of that name does (subclass Socket to use it).
   */
  protected setUint32Option(option: number, value: number): void {
    setOptionById(this, option, value)
  }
  /**
   * Reads option number `option` (libzmq's ZMQ_* constant) as a 64-bit integer, for options without a
   * property, as zeromq.js's protected method of that name does (subclass Socket to use it).
   */
  protected getInt64Option(option: number): number {
    return getOptionById(this, option, "int64") as number
  }
  /**
   * Sets option number `option` (libzmq's ZMQ_* constant) as a 64-bit integer, for options without a
   * property, as zeromq.js's protected method of that name does (subclass Socket to use it).
   */
  protected setInt64Option(option: number, value: number): void {
    setOptionById(this, option, value)
  }
  /**
   * Reads option number `option` (libzmq's ZMQ_* constant) as an unsigned 64-bit integer, for options without
   * a property, as zeromq.js's protected method of that name does (subclass Socket to use it).
   */
  protected getUint64Option(option: number): number {
    return getOptionById(this, option, "uint64") as number
  }
  /**
   * Sets option number `option` (libzmq's ZMQ_* constant) as an unsigned 64-bit integer, for options without
   * a property, as zeromq.js's protected method of that name does (subclass Socket to use it).
   */
  protected setUint64Option(option: number, value: number): void {
    setOptionById(this, option, value)
  }
  /**
   * Reads option number `option` (libzmq's ZMQ_* constant) as a string (null when unset), for options without
   * a property, as zeromq.js's protected method of that name does (subclass Socket to use it).
   */
  protected getStringOption(option: number): string | null {
    return getOptionById(this, option, "string") as string | null
  }
  /**
   * Sets option number `option` (libzmq's ZMQ_* constant) as a string (null when unset), for options without
   * a property, as zeromq.js's protected method of that name does (subclass Socket to use it).
   */
  protected setStringOption(option: number, value: string | Buffer | null): void {
    setOptionById(this, option, value)
  }

  /**
   * @internal At process exit: true while messages wait to be written to some
   * peer (tcp/ipc) and `linger` still allows waiting for them. A closing
   * socket's endpoints enforce linger themselves.
   */
  pendingAtExit(now: number): boolean {
    if (this.#lingering > 0) return true
    if (this.#opts.linger === 0 || !this.hasUnsentMessages()) return false
    if (this.#opts.linger < 0) return true
    this.#exitDeadline ??= now + this.#opts.linger
    return now < this.#exitDeadline
  }

  // ---- read-only properties -------------------------------------------------

  /**
   * ZMQ_TYPE: the socket type number (libzmq's ZMQ_PAIR 0 ... ZMQ_CHANNEL 20; see `SocketType` in
   * zmq-ts/util).
   */
  get type(): number {
    this.optionRead()
    return SOCKET_TYPES[this.#typeName]
  }

  /**
   * ZMQ_LAST_ENDPOINT: the endpoint of the last successful `bind()` (with the port the OS chose for
   * `tcp://host:*`) or `connect()`; null before any.
   */
  get lastEndpoint(): string | null {
    this.optionRead()
    return this.#ends.last
  }

  /**
   * ZMQ_THREAD_SAFE: true for the draft types SERVER, CLIENT, RADIO, DISH, GATHER, SCATTER, PEER and CHANNEL,
   * as libzmq reports.
   */
  get threadSafe(): boolean {
    this.optionRead()
    return THREAD_SAFE_TYPES.has(this.#typeName)
  }

  /** The context the socket was made in; undefined once closed (zeromq.js lets go of it). */
  get context(): Context {
    return (this.#ctx ?? undefined) as Context
  }

  /** True once `close()` has been called. */
  get closed(): boolean {
    return this.#isClosed
  }

  /** True when receive() would resolve at once (ZMQ_POLLIN). */
  get readable(): boolean {
    return !this.#isClosed && this.xhasIn()
  }

  /** True when send() would resolve at once (ZMQ_POLLOUT). */
  get writable(): boolean {
    return !this.#isClosed && this.xhasOut()
  }

  /** The socket's event stream (zeromq.js `socket.events`). */
  get events(): Observer {
    if (this.#observer === null) {
      // zeromq.js cannot attach an observer to a closed socket.
      return new Observer(this)
    }
    return this.#observer
  }

  /** @internal `new Observer(socket)`: it receives this socket's events from now on. Returns what keeps the process alive for it. */
  attachObserver(observer: Observer): Context {
    if (this.#isClosed) throw zmqError("ENOTSOCK", "Socket operation on non-socket")
    this.#observer = observer
    return this.#ctx!
  }

  /** The security mechanism the options select (zeromq.js `securityMechanism`). */
  get securityMechanism(): null | "plain" | "curve" {
    this.optionRead()
    return this.mechanismName
  }

  /** @internal */
  private get mechanismName(): null | "plain" | "curve" {
    return this.#opts.mechanism
  }

  // ---- endpoints --------------------------------------------------------------

  // zeromq.js validates arguments and the socket's state synchronously (a
  // usage error throws); what libzmq reports on the address rejects (bind,
  // unbind) or throws (connect, disconnect) with the address attached.

  /**
   * Binds to `address` (`tcp://`, `ipc://`, `inproc://`, `ws://`, `wss://`, `udp://`) and resolves once the
   * endpoint accepts connections. A wildcard port (`tcp://127.0.0.1:*`) is chosen by the OS: read it back
   * from `lastEndpoint`.
   *
   * Rejects with a `ZmqError` (EADDRINUSE, EINVAL, EPROTONOSUPPORT...) carrying the `address`; throws at once
   * for a wrong argument or a closed socket. Options are copied at this call: later changes reach later binds
   * only.
   */
  bind(address: string): Promise<void> {
    // zeromq.js checks each argument in turn, then their number.
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    checkArgs(arguments.length, 1)
    this.validateOpen()
    this.#busy = true
    // libzmq counts an endpoint for every bind, even one that failed (a Proxy checks it).
    this.#ends.count++
    return this.doBind(address).finally(() => {
      this.#busy = false
      if (this.#closeRequested) this.close()
    })
  }

  private async doBind(address: string): Promise<void> {
    let endpoint: Endpoint | null = null
    try {
      endpoint = parseEndpoint(address, true, this.#typeName)
      this.checkSecurityOptions()
      this.goLive()
      const handle = await bindEndpoint(this, endpoint)
      if (this.#isClosed || this.#closeRequested) {
        void handle.close(this.#opts.linger)
        return
      }
      this.#ends.addBind(address, handle)
      // libzmq's monitor has no events for inproc.
      if (endpoint.transport !== "inproc") this.emit({ type: "bind", address: handle.endpoint })
    } catch (err) {
      throw bindFailed(err, address, endpoint !== null, (event) => this.emit(event))
    }
  }

  /**
   * Stops listening on an endpoint made by `bind()` (the address as given, or as `lastEndpoint` reports it);
   * connections already accepted are closed. Rejects with ENOENT for an address not bound.
   */
  unbind(address: string): Promise<void> {
    // zeromq.js checks each argument in turn, then their number.
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    checkArgs(arguments.length, 1)
    this.validateOpen()
    this.#busy = true
    // zeromq.js counts one endpoint less for every unbind, even one that failed (its unsigned count then wraps).
    this.#ends.count--
    return this.doUnbind(address).finally(() => {
      this.#busy = false
      if (this.#closeRequested) this.close()
    })
  }

  private async doUnbind(address: string): Promise<void> {
    checkUri(address)
    const handle = this.#ends.takeBind(address)
    await handle.close(0)
    if (!handle.endpoint.startsWith("inproc://")) this.emit({ type: "close", address: handle.endpoint })
  }

  /**
   * Connects to `address` in the background and returns at once: the connection is made (and remade after a
   * loss, every `reconnectInterval`) whether or not the peer is up yet; messages queue meanwhile, up to the
   * high-water mark. Watch `events` to see it happen. Throws a `ZmqError` for a malformed or unsupported
   * address.
   */
  connect(address: string): void {
    // zeromq.js checks each argument in turn, then their number.
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    checkArgs(arguments.length, 1)
    this.validateOpen()
    let endpoint: Endpoint
    try {
      endpoint = parseEndpoint(address, false, this.#typeName)
    } catch (err) {
      throw withAddress(err, address)
    }
    this.checkSecurityOptions()
    this.goLive()
    const handle = connectEndpoint(this, endpoint)
    this.#ends.addConnect(address, handle, endpoint.transport === "inproc")
    this.#ends.count++
  }

  /**
   * Undoes a `connect()` to `address`; messages still queued for it are delivered within `linger`. Throws
   * ENOENT for an address not connected.
   */
  disconnect(address: string): void {
    // zeromq.js checks each argument in turn, then their number.
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    checkArgs(arguments.length, 1)
    this.validateOpen()
    checkUri(address)
    const handle = this.#ends.takeConnect(address)
    this.#ends.count--
    void handle.close(this.#opts.linger)
  }

  /** @internal Binds and connects made, less unbinds and disconnects (libzmq's count, which a Proxy checks). */
  get endpointsInUse(): number {
    return this.#ends.count
  }

  /**
   * Closes the socket at once for the application; queued outgoing messages
   * are still delivered in the background within `linger` (libzmq's rule).
   */
  close(): void {
    checkArgs(arguments.length, 0)
    if (this.#isClosed) return
    // zeromq.js cannot close a socket in the middle of a bind or unbind; it closes once that is done.
    if (this.#busy || this.#proxied) {
      this.#closeRequested = true
      return
    }
    this.#closeRequested = false
    this.#ends.countAtClose = this.#ends.count
    this.#ends.count = 0
    this.#isClosed = true
    const ctx = this.#home!
    this.#ctx = null
    ctx.closed(this.#countToken)
    const linger = this.#opts.linger
    this.#flow.cancel()
    const closing = this.#ends.closeAll(linger, (event) => this.emit(event))
    for (const pipe of [...this.#pipes]) if (pipe.inproc) terminateInproc(pipe)
    this.#lingering = closing.length
    const done = (): void => {
      this.#lingering = 0
      ctx.leave(this)
      // Nothing refers to the context any more: both can be collected.
      this.#home = null
      this.emit({ type: "end" })
      this.#observer?.close()
    }
    if (closing.length === 0) done()
    else Promise.all(closing).then(done, done)
  }

  // ---- send / receive (socket-flow.ts) -----------------------------------------

  /**
   * @internal The send() of zeromq.js; concrete writable types expose it and
   * pass their `arguments.length`. Usage errors throw, as zeromq.js's do.
   */
  protected sendMessage(message: MessageLike | MessageLike[], argc = 1): Promise<void> {
    if (message === undefined) throw new TypeError("Message must be present")
    checkArgs(argc, 1)
    this.validateOpen()
    if (this.#flow.pendingSend !== null) {
      throw zmqError("EBUSY", "Socket is busy writing; only one send operation may be in progress at any time")
    }
    return this.#flow.send(message)
  }

  /** @internal A send without the application's checks (a Proxy's own forwarding). */
  startSend(msg: Msg): Promise<void> {
    return this.#flow.startSend(msg)
  }

  /** @internal The receive() of zeromq.js; concrete readable types expose it. */
  protected receiveMessage(argc = 0): Promise<Msg> {
    checkArgs(argc, 0)
    this.validateOpen()
    if (this.#flow.pendingRecv !== null) {
      throw zmqError("EBUSY", "Socket is busy reading; only one receive operation may be in progress at any time")
    }
    return this.#flow.startReceive()
  }

  /** @internal A receive without the application's checks (a Proxy's own forwarding). */
  startReceive(): Promise<Msg> {
    return this.#flow.startReceive()
  }

  /** Async iteration as zeromq.js does it: ends quietly once the socket is closed. */
  /** @internal */
  protected iterate(): AsyncIterator<Msg, undefined> {
    const toResult = (value: Msg): IteratorResult<Msg, undefined> => ({ value, done: false })
    const onError = (err: unknown): IteratorResult<Msg, undefined> => {
      if (this.#isClosed && (err as ZmqError).code === "EAGAIN") return ITER_DONE
      throw err
    }
    return {
      next: (): Promise<IteratorResult<Msg, undefined>> => {
        if (this.#isClosed) return Promise.resolve(ITER_DONE)
        // Fast path: a message is already queued; one promise, no extra hops.
        if (!this.#busy && !this.#proxied) {
          const msg = this.#flow.takeQueued()
          if (msg !== undefined) return Promise.resolve({ value: msg, done: false })
        }
        // zeromq.js's next() is an async function: a usage error rejects it.
        try {
          return this.receiveMessage().then(toResult, onError)
        } catch (err) {
          return Promise.reject(toError(err))
        }
      },
    }
  }

  // ---- pipes (PipeOwner) --------------------------------------------------------

  /**
   * @internal Creates a pipe for a tcp/ipc peer with this socket's high-water
   * marks (which apply at once) and its endpoint's receiveMemoryLimit (taken at bind/connect).
   */
  newPipe(endpoint: string, opts: Readonly<OptionValues> = this.#opts): Pipe {
    const pipe = new Pipe(new MsgQueue(this.#opts.receiveHighWaterMark, opts.receiveMemoryLimit), new MsgQueue(this.#opts.sendHighWaterMark))
    pipe.endpoint = endpoint
    if (this.conflateQueues) pipe.inbound.conflate = pipe.outbound.conflate = true
    return pipe
  }

  /** @internal A transport has a pipe ready for this socket. */
  attachPipe(pipe: Pipe): void {
    this.#pipes.add(pipe)
    pipe.attachOwner(this)
    this.xattachPipe(pipe)
    if (this.#flow.pendingSend !== null) this.#flow.retrySend()
    if (this.#flow.pendingRecv !== null && pipe.inbound.length > 0) this.#flow.retryRecv()
  }

  /** A socket type made a message available outside of its pipes (e.g. XPUB's subscriptions). */
  /** @internal */
  protected wakeReader(): void {
    if (this.#flow.pendingRecv !== null) this.#flow.retryRecv()
  }

  /** Gives up a pipe the socket type does not want; its connection is closed (`reason`: the peer broke a rule). */
  /** @internal */
  protected refusePipe(pipe: Pipe, reason?: ProtocolError): void {
    this.#pipes.delete(pipe)
    pipe.close(reason)
  }

  /** @internal A pipe's peer (re)completed its handshake after the pipe was attached. */
  pipeHandshaken(pipe: Pipe): void {
    if (this.#pipes.has(pipe)) this.xpipeHandshaken(pipe)
  }

  /** @internal The routing id set for the next connect only (ZMQ_CONNECT_ROUTING_ID). */
  takeConnectRoutingId(): Buffer | null {
    const id = this.#nextConnectRoutingId
    this.#nextConnectRoutingId = null
    return id
  }

  /** @internal */
  readActivated(pipe: Pipe): void {
    this.xreadActivated(pipe)
    if (this.#flow.pendingRecv !== null) this.#flow.retryRecv()
  }

  /** @internal */
  writeActivated(pipe: Pipe): void {
    this.xwriteActivated(pipe)
    if (this.#flow.pendingSend !== null) this.#flow.retrySend()
  }

  /** @internal */
  pipeTerminated(pipe: Pipe): void {
    this.#pipes.delete(pipe)
    this.xpipeTerminated(pipe)
  }

  // ---- transports' view ----------------------------------------------------------

  /** @internal STREAM overrides this (ZMQ_STREAM_NOTIFY). */
  get rawNotify(): boolean {
    return false
  }

  /** @internal Types with a `conflate` option override this (ZMQ_CONFLATE). */
  protected get conflateQueues(): boolean {
    return false
  }

  /** @internal Whether this socket's connections keep only the newest message (inproc asks the connecter, as libzmq). */
  get conflating(): boolean {
    return this.conflateQueues
  }

  /** @internal */
  private hasUnsentMessages(): boolean {
    for (const pipe of this.#pipes) if (!pipe.inproc && (pipe.outbound.length > 0 || pipe.peer?.busy === true)) return true
    return false
  }

  /** From the first bind or connect on, the context watches us at exit. */
  /** @internal */
  private goLive(): void {
    this.homeContext!.goLive(this)
  }

  /** Refuses to bind or connect with security options no connection could use. */
  /** @internal */
  private checkSecurityOptions(): void {
    if (this.mechanismName === "curve") checkCurveOptions(this.#opts)
  }

  /**
   * @internal The options one bind or connect goes on with: libzmq copies
   * them into its listener or session, so options set later (zeromq.js warns
   * they wait for the next bind/connect) never reach that endpoint's
   * connections, reconnections included. Values are replaced on set, never
   * mutated, so a shallow copy is a true snapshot.
   */
  endpointOptions(): Readonly<OptionValues> {
    return Object.freeze({ ...this.#opts })
  }

  /**
   * @internal The mechanism for a new connection, from the security options
   * of its endpoint. `peerAddress` may be a function: it is called at most
   * once, when a ZAP request needs the address (a tcp peer's address costs a
   * getpeername(2) per connection, which most connections never use).
   */
  makeMechanism(peerAddress: string | (() => string), o: Readonly<OptionValues> = this.#opts): Mechanism {
    return newMechanism(this.#typeName, o, peerAddress, () => (this.#curveKeys ??= new CurveKeyMemo()))
  }

  /** @internal */
  get routingIdForPeers(): Buffer {
    return this.#opts.routingId ?? EMPTY
  }

  /** @internal Reports a socket event to the observer, if anyone asked for it. */
  emit(event: Event): void {
    this.#counters.event(this, event)
    this.#observer?.push(event)
  }

  /** @internal PipeOwner: `pipe` was at its high-water mark and missed `msg`. */
  messageDropped(pipe: Pipe, msg: Msg): void {
    this.#counters.dropped(this, pipe, msg)
  }

  /**
   * zmq-ts's own (zeromq.js has no such property): a snapshot of this
   * socket's counters, messages and bytes in and out, queue depths, drops,
   * connections, handshakes and their failures, reconnects. Readable at any
   * time, also after close(). See docs/tracing.md.
   */
  get stats(): SocketStats {
    return this.#counters.snapshot(this.#pipes)
  }

  /** @internal zeromq.js's ValidateOpen: a blocked socket (bind, unbind, proxy) is busy, a closed one gone. */
  private validateOpen(): void {
    if (this.#busy || this.#proxied) throw zmqError("EBUSY", "Socket is blocked by a bind or unbind operation")
    if (this.#isClosed) throw zmqError("EBADF")
  }

  // ---- hooks for socket types -------------------------------------------------------

  /** @internal */
  protected xattachPipe(pipe: Pipe): void {
    this.refusePipe(pipe)
  }
  /** @internal */
  protected xpipeTerminated(_pipe: Pipe): void {}
  /** @internal */
  protected xreadActivated(_pipe: Pipe): void {}
  /** @internal */
  protected xpipeHandshaken(_pipe: Pipe): void {}
  /** @internal */
  protected xwriteActivated(_pipe: Pipe): void {}
  /**
   * Sends a one-frame message of at most SMALL_FRAME_MAX bytes without
   * queueing it (Pipe.writeSmall), if this socket type and its pipe's state
   * allow; false means "not sent, take the ordinary path", never "full".
   * The frame is the application's own buffer: it must be copied if kept.
   */
  /** @internal */
  protected xsendSmall(_frame: Uint8Array): boolean {
    return false
  }

  /** Queues one whole message; false if it would block. May throw (EFSM, EHOSTUNREACH, ENOTSUP). */
  /** @internal */
  protected xsend(_msg: Msg): boolean {
    throw zmqError("ENOTSUP")
  }
  /** Takes one whole message, or undefined if none is ready. May throw (EFSM, ENOTSUP). */
  /** @internal */
  protected xrecv(): Msg | undefined {
    throw zmqError("ENOTSUP")
  }
  /** @internal */
  protected xhasIn(): boolean {
    return false
  }
  /** @internal */
  protected xhasOut(): boolean {
    return false
  }
}

installOptions(Socket, "Socket")
installSocketMethods(Socket)
