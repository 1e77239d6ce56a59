import { Context } from "../context.js"
import { defaultContext } from "../default-context.js"
import { toError, withAddress, zmqError, type ZmqError } from "../errors.js"
import type { Mechanism, MechanismContext } from "../mechanism/mechanism.js"
import { NullMechanism } from "../mechanism/null.js"
import { PlainClient, PlainServer } from "../mechanism/plain.js"
import { checkCurveOptions, makeCurve } from "../mechanism/curve-options.js"
import { FrameCopier, type MessageLike } from "../msg.js"
import { errnoEventError, Observer, type Event } from "../observer.js"
import { MsgQueue, Pipe, terminateInproc, type Msg, type PipeOwner } from "../pipe.js"
import { checkUri, parseEndpoint, type Endpoint } from "../transport/address.js"
import type { EndpointHandle } from "../transport/transport.js"
import { bindEndpoint, connectEndpoint } from "../transport/transport.js"
import { SOCKET_TYPES, type SocketTypeName } from "./socket-types.js"

/**
 * zeromq.js resolves at most this many send()/receive() calls in a row
 * synchronously, then defers one to the event loop so that a tight
 * `await send()` loop cannot starve I/O. We do the same.
 */
const MAX_SYNC_OPERATIONS = 512

interface PendingOp<T> {
  resolve: (value: T) => void
  reject: (err: ZmqError) => void
  timer: NodeJS.Timeout | null
}

interface PendingSend extends PendingOp<void> {
  msg: Msg
}

const RESOLVED = Promise.resolve()
/** Errors of the listening socket itself, which libzmq reports as bind:error. */
const LISTEN_ERRORS = new Set(["EADDRINUSE", "EACCES", "EADDRNOTAVAIL", "EPERM", "ENOMEM"])
// zeromq.js's iterator ends with { done: true } and no value key.
const ITER_DONE = Object.freeze({ done: true }) as IteratorResult<Buffer[], undefined>

/** zeromq.js checks the number of arguments of its native methods. */
export function checkArgs(received: number, expected: number): void {
  if (received > expected) {
    throw new TypeError(`Expected ${expected} argument${expected === 1 ? "" : "s"} but received ${received}`)
  }
}

/**
 * The base of every socket type: options, endpoints, pipes and the
 * promise-based send/receive of zeromq.js v6. A socket type fills the x*
 * hooks with its routing strategy (libzmq's socket_base_t design).
 */
export abstract class Socket implements PipeOwner {
  // ---- options, as zeromq.js v6 names them --------------------------------
  affinity = 0
  rate = 100
  recoveryInterval = 10000
  reconnectInterval = 100
  backlog = 100
  reconnectMaxInterval = 0
  maxMessageSize = -1
  tcpKeepalive = -1
  tcpKeepaliveCount = -1
  tcpKeepaliveIdle = -1
  tcpKeepaliveInterval = -1
  tcpAcceptFilter: string | null = null
  immediate = false
  ipv6 = false
  plainServer = false
  plainUsername: string | null = null
  plainPassword: string | null = null
  curveServer = false
  curvePublicKey: string | Buffer | null = null
  curveSecretKey: string | Buffer | null = null
  curveServerKey: string | Buffer | null = null
  gssapiServer = false
  gssapiPrincipal: string | null = null
  gssapiServicePrincipal: string | null = null
  gssapiPlainText = false
  gssapiPrincipalNameType: "hostBased" | "userName" | "krb5Principal" = "hostBased"
  gssapiServicePrincipalNameType: "hostBased" | "userName" | "krb5Principal" = "hostBased"
  zapDomain: string | null = null
  typeOfService = 0
  handshakeInterval = 30000
  socksProxy: string | null = null
  heartbeatInterval = 0
  heartbeatTimeToLive = 0
  heartbeatTimeout = -1
  connectTimeout = 0
  tcpMaxRetransmitTimeout = 0
  multicastMaxTransportDataUnit = 1500
  multicastHops = 1
  sendBufferSize = -1
  receiveBufferSize = -1
  vmciBufferSize = 0
  vmciBufferMinSize = 0
  vmciBufferMaxSize = 0
  vmciConnectTimeout = -1
  interface: string | null = null
  zapEnforceDomain = false
  loopbackFastPath = false
  /** ZMQ_SNDTIMEO: -1 waits forever, 0 fails at once with EAGAIN, N waits N ms. */
  sendTimeout = -1
  /** ZMQ_RCVTIMEO, with the same meaning as sendTimeout. */
  receiveTimeout = -1

  readonly context: Context
  readonly threadSafe = false

  /** @internal */ readonly typeName: SocketTypeName
  /** @internal */ readonly pipes = new Set<Pipe>()
  /** @internal Routing id sent to peers (ZMQ_ROUTING_ID); not every type exposes it. */
  protected routingIdBytes: Buffer = Buffer.alloc(0)
  /** @internal */ readonly copier = new FrameCopier()
  /** Set by `connect(address, { routingId })` on the types that have it. */
  protected nextConnectRoutingId: Buffer | null = null

  private lingerMs = -1
  private sndhwm = 1000
  private rcvhwm = 1000
  private lastEndpointValue: string | null = null
  private isClosed = false
  private busy = false
  private closeRequested = false
  private endpointCount = 0
  /** @internal Set while a Proxy runs on this socket: the application may not use it. */
  proxied = false
  private readonly binds = new Map<string, EndpointHandle[]>()
  private readonly connects = new Map<string, EndpointHandle[]>()
  private pendingSend: PendingSend | null = null
  private pendingRecv: PendingOp<Msg> | null = null
  private syncOps = 0
  private inRetryRecv = false
  private inRetrySend = false
  private observer: Observer | null = null
  /** Identifies this socket to the context's count without referencing it. */
  private readonly countToken = {}
  private exitDeadline: number | undefined
  /** Endpoints still closing (lingering) after close(). */
  private lingering = 0

  protected constructor(typeName: SocketTypeName, context?: Context) {
    this.typeName = typeName
    this.context = context ?? defaultContext()
    if (this.context.socketCount >= this.context.maxSockets) throw zmqError("EMFILE", "Too many open sockets")
    this.context.opened(this, this.countToken)
  }

  /**
   * @internal At process exit: true while messages wait to be written to some
   * peer (tcp/ipc) and `linger` still allows waiting for them. A closing
   * socket's endpoints enforce linger themselves.
   */
  pendingAtExit(now: number): boolean {
    if (this.lingering > 0) return true
    if (this.lingerMs === 0 || !this.hasUnsentMessages()) return false
    if (this.lingerMs < 0) return true
    this.exitDeadline ??= now + this.lingerMs
    return now < this.exitDeadline
  }

  /**
   * Applies a constructor's options object; unknown names throw as they do on
   * zeromq.js's sealed socket objects. Called by each concrete constructor
   * last, so that subclass field initialisers have run.
   */
  protected applyOptions(options: object | undefined): void {
    if (!options) return
    for (const [key, value] of Object.entries(options)) {
      if (key === "context") continue
      if (!(key in this)) throw new TypeError(`Cannot add property ${key}, object is not extensible`)
      ;(this as Record<string, unknown>)[key] = value
    }
  }

  // ---- read-only properties -------------------------------------------------

  get type(): number {
    return SOCKET_TYPES[this.typeName]
  }

  get lastEndpoint(): string | null {
    return this.lastEndpointValue
  }

  get closed(): boolean {
    return this.isClosed
  }

  /** True when receive() would resolve at once (ZMQ_POLLIN). */
  get readable(): boolean {
    return !this.isClosed && this.xhasIn()
  }

  /** True when send() would resolve at once (ZMQ_POLLOUT). */
  get writable(): boolean {
    return !this.isClosed && this.xhasOut()
  }

  /** The socket's event stream (zeromq.js `socket.events`). */
  get events(): Observer {
    if (this.observer === null) {
      // zeromq.js cannot attach an observer to a closed socket.
      if (this.isClosed) throw zmqError("ENOTSOCK")
      this.observer = new Observer(this.context)
    }
    return this.observer
  }

  // ---- options with side effects -------------------------------------------

  /** ZMQ_LINGER: -1 delivers queued messages on close, 0 drops them, N waits at most N ms. */
  get linger(): number {
    return this.lingerMs
  }
  set linger(value: number) {
    this.lingerMs = value < 0 ? -1 : value
  }

  /** ZMQ_SNDHWM, messages queued per peer before send blocks or drops (0: no limit). */
  get sendHighWaterMark(): number {
    return this.sndhwm
  }
  set sendHighWaterMark(value: number) {
    if (!Number.isInteger(value) || value < 0) throw zmqError("EINVAL")
    this.sndhwm = value
    for (const pipe of this.pipes) if (!pipe.inproc) pipe.outbound.setHwm(value)
  }

  /** ZMQ_RCVHWM, messages queued per peer before reading from it pauses (0: no limit). */
  get receiveHighWaterMark(): number {
    return this.rcvhwm
  }
  set receiveHighWaterMark(value: number) {
    if (!Number.isInteger(value) || value < 0) throw zmqError("EINVAL")
    this.rcvhwm = value
    for (const pipe of this.pipes) if (!pipe.inproc) pipe.inbound.setHwm(value)
  }

  /**
   * ZMQ_ROUTING_ID: the identity this socket announces to ROUTER peers.
   * zeromq.js has it on Request, Reply, Dealer and Router; it is harmless elsewhere.
   */
  get routingId(): string | null {
    return this.routingIdBytes.length === 0 ? null : this.routingIdBytes.toString("latin1")
  }
  set routingId(value: string | Buffer | null) {
    const id = value === null ? Buffer.alloc(0) : Buffer.isBuffer(value) ? Buffer.from(value) : Buffer.from(value, "utf8")
    // libzmq: 1 to 255 bytes; ids starting with a zero byte are reserved for generated ones.
    if (id.length > 255 || (id.length > 0 && id[0] === 0)) throw zmqError("EINVAL")
    this.routingIdBytes = id
  }

  // ---- endpoints --------------------------------------------------------------

  // zeromq.js validates arguments and the socket's state synchronously (a
  // usage error throws); what libzmq reports on the address rejects (bind,
  // unbind) or throws (connect, disconnect) with the address attached.

  bind(address: string): Promise<void> {
    // zeromq.js checks each argument in turn, then their number.
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    checkArgs(arguments.length, 1)
    this.validateOpen()
    this.busy = true
    // libzmq counts an endpoint for every bind, even one that failed (a Proxy checks it).
    this.endpointCount++
    return this.doBind(address).finally(() => {
      this.busy = false
      if (this.closeRequested) this.close()
    })
  }

  private async doBind(address: string): Promise<void> {
    let endpoint: Endpoint | null = null
    try {
      endpoint = parseEndpoint(address, true)
      this.checkSecurityOptions()
      this.goLive()
      const handle = await bindEndpoint(this, endpoint)
      if (this.isClosed || this.closeRequested) {
        void handle.close(this.lingerMs)
        return
      }
      const list = this.binds.get(handle.endpoint) ?? []
      list.push(handle)
      this.binds.set(handle.endpoint, list)
      if (handle.endpoint !== address) this.binds.set(address, list)
      this.lastEndpointValue = handle.endpoint
      // libzmq's monitor has no events for inproc.
      if (endpoint.transport !== "inproc") this.emit({ type: "bind", address: handle.endpoint })
    } catch (err) {
      const e = withAddress(err, address)
      // libzmq reports a tcp/ipc address it cannot listen on as bind:error
      // with the part after "tcp://"; when the listening socket itself
      // failed, it first reports that socket's close, without address.
      const sep = address.indexOf("://")
      const proto = sep > 0 ? address.slice(0, sep) : ""
      const rest = address.slice(sep + 3)
      if ((proto === "tcp" || proto === "ipc") && rest.length > 0 && e.code !== "EBADF") {
        if (endpoint !== null && LISTEN_ERRORS.has(e.code)) this.emit({ type: "close", address: "" })
        this.emit({ type: "bind:error", address: rest, error: errnoEventError(e.code) })
      }
      throw e
    }
  }

  unbind(address: string): Promise<void> {
    // zeromq.js checks each argument in turn, then their number.
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    checkArgs(arguments.length, 1)
    this.validateOpen()
    this.busy = true
    this.endpointCount--
    return this.doUnbind(address).finally(() => {
      this.busy = false
      if (this.closeRequested) this.close()
    })
  }

  private async doUnbind(address: string): Promise<void> {
    checkUri(address)
    const list = this.binds.get(address)
    if (!list || list.length === 0) throw zmqError("ENOENT", undefined, address)
    const handle = list[0]!
    for (const [key, l] of this.binds) {
      const i = l.indexOf(handle)
      if (i >= 0) l.splice(i, 1)
      if (l.length === 0) this.binds.delete(key)
    }
    await handle.close(0)
    if (!handle.endpoint.startsWith("inproc://")) this.emit({ type: "close", address: handle.endpoint })
  }

  connect(address: string): void {
    // zeromq.js checks each argument in turn, then their number.
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    checkArgs(arguments.length, 1)
    this.validateOpen()
    let endpoint: Endpoint
    try {
      endpoint = parseEndpoint(address, false)
    } catch (err) {
      throw withAddress(err, address)
    }
    this.checkSecurityOptions()
    this.goLive()
    const handle = connectEndpoint(this, endpoint)
    const list = this.connects.get(address) ?? []
    list.push(handle)
    this.connects.set(address, list)
    this.endpointCount++
    if (endpoint.transport !== "inproc") this.lastEndpointValue = address
  }

  disconnect(address: string): void {
    // zeromq.js checks each argument in turn, then their number.
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    checkArgs(arguments.length, 1)
    this.validateOpen()
    checkUri(address)
    const list = this.connects.get(address)
    if (!list || list.length === 0) throw zmqError("ENOENT", undefined, address)
    const handle = list.shift()!
    if (list.length === 0) this.connects.delete(address)
    this.endpointCount--
    void handle.close(this.lingerMs)
  }

  /** @internal Binds and connects made, less unbinds and disconnects (libzmq's count, which a Proxy checks). */
  get endpointsInUse(): number {
    return this.endpointCount
  }

  /**
   * Closes the socket at once for the application; queued outgoing messages
   * are still delivered in the background within `linger` (libzmq's rule).
   */
  close(): void {
    checkArgs(arguments.length, 0)
    if (this.isClosed) return
    // zeromq.js cannot close a socket in the middle of a bind or unbind; it closes once that is done.
    if (this.busy || this.proxied) {
      this.closeRequested = true
      return
    }
    this.closeRequested = false
    this.endpointCount = 0
    this.isClosed = true
    this.context.closed(this.countToken)
    const linger = this.lingerMs
    if (this.pendingSend) this.settleSend(zmqError("EAGAIN"))
    if (this.pendingRecv) this.settleRecv(null, zmqError("EAGAIN"))
    const handles = [...new Set([...this.binds.values(), ...this.connects.values()].flat())]
    const bound = new Set([...this.binds.values()].flat())
    this.binds.clear()
    this.connects.clear()
    const closing = handles.map((h) =>
      h.close(linger).then(() => {
        // zeromq.js reports each listener's close, then the socket's end.
        if (bound.has(h) && !h.endpoint.startsWith("inproc://")) this.emit({ type: "close", address: h.endpoint })
      }),
    )
    for (const pipe of [...this.pipes]) if (pipe.inproc) terminateInproc(pipe)
    this.lingering = closing.length
    const done = (): void => {
      this.lingering = 0
      this.context.leave(this)
      this.emit({ type: "end" })
      this.observer?.close()
    }
    if (closing.length === 0) done()
    else Promise.all(closing).then(done, done)
  }

  // ---- send / receive ---------------------------------------------------------

  /**
   * @internal The send() of zeromq.js; concrete writable types expose it and
   * pass their `arguments.length`. Usage errors throw, as zeromq.js's do.
   */
  protected sendMessage(message: MessageLike | MessageLike[], argc = 1): Promise<void> {
    if (message === undefined) throw new TypeError("Message must be present")
    checkArgs(argc, 1)
    this.validateOpen()
    if (this.pendingSend !== null) {
      throw zmqError("EBUSY", "Socket is busy writing; only one send operation may be in progress at any time")
    }
    return this.startSend(this.copier.toFrames(message))
  }

  /** @internal A send without the application's checks (a Proxy's own forwarding). */
  startSend(msg: Msg): Promise<void> {
    if (this.syncOps < MAX_SYNC_OPERATIONS || this.sendTimeout === 0) {
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
        if (this.sendTimeout === 0 || this.xhasOut()) return Promise.reject(toError(err))
      }
      if (this.sendTimeout === 0) return Promise.reject(zmqError("EAGAIN"))
    }
    return new Promise<void>((resolve, reject) => {
      const pending: PendingSend = { msg, resolve, reject, timer: null }
      this.pendingSend = pending
      this.context.holdOpen()
      if (this.sendTimeout > 0) {
        pending.timer = setTimeout(() => this.sendTimedOut(), this.sendTimeout)
      }
      // Deferred rather than retried here: either we ran out of synchronous
      // operations, or there is no room and a wake-up will retry.
      setImmediate(() => this.retrySend())
    })
  }

  /** zeromq.js sends nothing for an empty array, once the socket is writable. */
  private trySend(msg: Msg): boolean {
    return msg.length === 0 ? this.sendTimeout === 0 || this.xhasOut() : this.xsend(msg)
  }

  /** @internal The receive() of zeromq.js; concrete readable types expose it. */
  protected receiveMessage(argc = 0): Promise<Msg> {
    checkArgs(argc, 0)
    this.validateOpen()
    if (this.pendingRecv !== null) {
      throw zmqError("EBUSY", "Socket is busy reading; only one receive operation may be in progress at any time")
    }
    return this.startReceive()
  }

  /** @internal A receive without the application's checks (a Proxy's own forwarding). */
  startReceive(): Promise<Msg> {
    const tried = this.syncOps < MAX_SYNC_OPERATIONS || this.receiveTimeout === 0
    if (tried) {
      this.countSyncOp()
      let msg: Msg | undefined
      try {
        msg = this.xrecv()
      } catch (err) {
        // As for send: not readable in this state (REP must reply first) waits.
        if (this.receiveTimeout === 0 || this.xhasIn()) return Promise.reject(toError(err))
      }
      if (msg !== undefined) {
        if (this.pendingSend !== null) this.retrySend()
        return Promise.resolve(msg)
      }
      if (this.receiveTimeout === 0) return Promise.reject(zmqError("EAGAIN"))
    }
    return new Promise<Msg>((resolve, reject) => {
      const pending: PendingOp<Msg> = { resolve, reject, timer: null }
      this.pendingRecv = pending
      this.context.holdOpen()
      if (this.receiveTimeout > 0) {
        pending.timer = setTimeout(() => this.receiveTimedOut(), this.receiveTimeout)
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
      const msg = this.xrecv()
      if (msg === undefined) this.settleRecv(null, zmqError("EAGAIN"))
      else this.settleRecv(msg, null)
    } catch (err) {
      this.settleRecv(null, err as ZmqError)
    }
  }

  private countSyncOp(): void {
    if (this.syncOps++ === 0) {
      setImmediate(() => {
        this.syncOps = 0
      })
    }
  }

  private retrySend(): void {
    const p = this.pendingSend
    if (p === null || this.inRetrySend) return
    let sent: boolean
    this.inRetrySend = true
    try {
      sent = this.trySend(p.msg)
    } catch (err) {
      if (!this.xhasOut()) return
      this.settleSend(err as ZmqError)
      return
    } finally {
      this.inRetrySend = false
    }
    if (sent) {
      this.settleSend(null)
      if (this.pendingRecv !== null) this.retryRecv()
    }
  }

  private retryRecv(): void {
    // xrecv() may wake us again (XPUB refilling from a stalled pipe): the
    // outer call settles the pending receive, nested ones must not.
    if (this.pendingRecv === null || this.inRetryRecv) return
    let msg: Msg | undefined
    this.inRetryRecv = true
    try {
      msg = this.xrecv()
    } catch (err) {
      if (!this.xhasIn()) return
      this.settleRecv(null, err as ZmqError)
      return
    } finally {
      this.inRetryRecv = false
    }
    if (msg !== undefined) {
      this.settleRecv(msg, null)
      if (this.pendingSend !== null) this.retrySend()
    }
  }

  private settleSend(err: ZmqError | null): void {
    const p = this.pendingSend
    if (p === null) return
    this.pendingSend = null
    this.context.release()
    if (p.timer) clearTimeout(p.timer)
    if (err) p.reject(err)
    else p.resolve()
  }

  private settleRecv(msg: Msg | null, err: ZmqError | null): void {
    const p = this.pendingRecv
    if (p === null) return
    this.pendingRecv = null
    this.context.release()
    if (p.timer) clearTimeout(p.timer)
    if (err) p.reject(err)
    else p.resolve(msg!)
  }

  /** Async iteration as zeromq.js does it: ends quietly once the socket is closed. */
  protected iterate(): AsyncIterator<Msg, undefined> {
    const toResult = (value: Msg): IteratorResult<Msg, undefined> => ({ value, done: false })
    const onError = (err: unknown): IteratorResult<Msg, undefined> => {
      if (this.isClosed && (err as ZmqError).code === "EAGAIN") return ITER_DONE
      throw err
    }
    return {
      next: (): Promise<IteratorResult<Msg, undefined>> => {
        if (this.isClosed) return Promise.resolve(ITER_DONE)
        // Fast path: a message is already queued; one promise, no extra hops.
        if (this.pendingRecv === null && this.syncOps < MAX_SYNC_OPERATIONS && !this.busy && !this.proxied) {
          let msg: Msg | undefined
          try {
            msg = this.xrecv()
          } catch {
            // receive() below decides between rejecting and waiting.
          }
          if (msg !== undefined) {
            this.countSyncOp()
            return Promise.resolve({ value: msg, done: false })
          }
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

  /** @internal Creates a pipe for a tcp/ipc peer with this socket's high-water marks. */
  newPipe(endpoint: string): Pipe {
    const pipe = new Pipe(new MsgQueue(this.rcvhwm), new MsgQueue(this.sndhwm))
    pipe.endpoint = endpoint
    if (this.conflateQueues) pipe.inbound.conflate = pipe.outbound.conflate = true
    return pipe
  }

  /** @internal A transport has a pipe ready for this socket. */
  attachPipe(pipe: Pipe): void {
    this.pipes.add(pipe)
    pipe.attachOwner(this)
    this.xattachPipe(pipe)
    if (this.pendingSend) this.retrySend()
    if (this.pendingRecv && pipe.inbound.length > 0) this.retryRecv()
  }

  /** A socket type made a message available outside of its pipes (e.g. XPUB's subscriptions). */
  protected wakeReader(): void {
    if (this.pendingRecv) this.retryRecv()
  }

  /** Gives up a pipe the socket type does not want; its connection is closed. */
  protected refusePipe(pipe: Pipe): void {
    this.pipes.delete(pipe)
    pipe.close()
  }

  /** @internal A pipe's peer (re)completed its handshake after the pipe was attached. */
  pipeHandshaken(pipe: Pipe): void {
    if (this.pipes.has(pipe)) this.xpipeHandshaken(pipe)
  }

  /** @internal The routing id set for the next connect only (ZMQ_CONNECT_ROUTING_ID). */
  takeConnectRoutingId(): Buffer | null {
    const id = this.nextConnectRoutingId
    this.nextConnectRoutingId = null
    return id
  }

  /** @internal */
  readActivated(pipe: Pipe): void {
    this.xreadActivated(pipe)
    if (this.pendingRecv) this.retryRecv()
  }

  /** @internal */
  writeActivated(pipe: Pipe): void {
    this.xwriteActivated(pipe)
    if (this.pendingSend) this.retrySend()
  }

  /** @internal */
  pipeTerminated(pipe: Pipe): void {
    this.pipes.delete(pipe)
    this.xpipeTerminated(pipe)
  }

  // ---- transports' view ----------------------------------------------------------

  /** @internal STREAM overrides this (ZMQ_STREAM_NOTIFY). */
  get rawNotify(): boolean {
    return false
  }

  /** Types with a `conflate` option override this (ZMQ_CONFLATE). */
  protected get conflateQueues(): boolean {
    return false
  }

  /** The security mechanism the options select (zeromq.js `securityMechanism`). */
  get securityMechanism(): null | "plain" | "curve" {
    if (this.curveServer || this.curveServerKey !== null) return "curve"
    if (this.plainServer || this.plainUsername !== null) return "plain"
    return null
  }

  private hasUnsentMessages(): boolean {
    for (const pipe of this.pipes) if (!pipe.inproc && (pipe.outbound.length > 0 || pipe.peer?.busy === true)) return true
    return false
  }

  /** From the first bind or connect on, the context watches us at exit. */
  private goLive(): void {
    this.context.goLive(this)
  }

  /** Refuses to bind or connect with security options no connection could use. */
  private checkSecurityOptions(): void {
    if (this.securityMechanism === "curve") checkCurveOptions(this)
    if (this.securityMechanism === "plain" && !this.plainServer) {
      if (Buffer.byteLength(this.plainUsername ?? "") > 255 || Buffer.byteLength(this.plainPassword ?? "") > 255) {
        throw zmqError("EINVAL", "PLAIN username and password are at most 255 bytes")
      }
    }
  }

  /** @internal The mechanism for a new connection, from the security options. */
  makeMechanism(peerAddress: string): Mechanism {
    const ctx: MechanismContext = {
      socketType: this.typeName,
      routingId: this.routingIdBytes,
      zapDomain: this.zapDomain,
      zapEnforceDomain: this.zapEnforceDomain,
      peerAddress,
    }
    switch (this.securityMechanism) {
      case "plain":
        return this.plainServer ? new PlainServer(ctx) : new PlainClient(ctx, this.plainUsername ?? "", this.plainPassword ?? "")
      case "curve":
        return makeCurve(this, ctx)
      default:
        return new NullMechanism(ctx)
    }
  }

  /** @internal */
  get routingIdForPeers(): Buffer {
    return this.routingIdBytes
  }

  /** @internal Reports a socket event to the observer, if anyone asked for it. */
  emit(event: Event): void {
    this.observer?.push(event)
  }

  /** zeromq.js's ValidateOpen: a blocked socket (bind, unbind, proxy) is busy, a closed one gone. */
  private validateOpen(): void {
    if (this.busy || this.proxied) throw zmqError("EBUSY", "Socket is blocked by a bind or unbind operation")
    if (this.isClosed) throw zmqError("EBADF")
  }

  // ---- hooks for socket types -------------------------------------------------------

  protected abstract xattachPipe(pipe: Pipe): void
  protected abstract xpipeTerminated(pipe: Pipe): void
  protected xreadActivated(_pipe: Pipe): void {}
  protected xpipeHandshaken(_pipe: Pipe): void {}
  protected xwriteActivated(_pipe: Pipe): void {}
  /** Queues one whole message; false if it would block. May throw (EFSM, EHOSTUNREACH, ENOTSUP). */
  protected xsend(_msg: Msg): boolean {
    throw zmqError("ENOTSUP")
  }
  /** Takes one whole message, or undefined if none is ready. May throw (EFSM, ENOTSUP). */
  protected xrecv(): Msg | undefined {
    throw zmqError("ENOTSUP")
  }
  protected xhasIn(): boolean {
    return false
  }
  protected xhasOut(): boolean {
    return false
  }
}
