import * as net from "node:net"
import { unlinkSync } from "node:fs"
import { networkInterfaces } from "node:os"
import { errnoEventError } from "../observer.js"
import { describePeer, disconnectEvent, failureEvent, isFatal, lingerOn, startEngine } from "../engine/session.js"
import type { ByteStream } from "../engine/byte-stream.js"
import type { Engine, EngineEndReason } from "../engine/engine.js"
import { fromSystemError, zmqError } from "../errors.js"
import type { Pipe } from "../pipe.js"
import type { Socket } from "../sockets/socket-base.js"
import type { OptionValues } from "../sockets/option-table.js"
import { formatTcp, type Endpoint } from "./address.js"
import { acceptedBy } from "./address-mask.js"
import { DirectReadSocket, directReadSupported } from "./direct-read.js"
import { driveSocks, parseProxyAddress, SocksClient } from "./socks.js"
import type { EndpointHandle } from "./transport.js"
import { createWssServer, dialWss, formatWs, wrapWs } from "./ws.js"

type StreamEndpoint = Extract<Endpoint, { transport: "tcp" | "ipc" | "ws" | "wss" }>

/** ws and wss run over tcp: everything tcp does applies to them. */
const overTcp = (spec: StreamEndpoint): boolean => spec.transport !== "ipc"

/** What the engine reads and writes: the stream itself, or for ws its WebSocket wrapping. */
function engineStream(socket: Socket, stream: net.Socket, spec: StreamEndpoint, client: boolean): ByteStream {
  return spec.transport === "ws" || spec.transport === "wss" ? wrapWs(socket, stream, spec, client) : stream
}

type Opts = Readonly<OptionValues>

/**
 * Whether this endpoint's connections read through `onread` (direct-read.ts):
 * tcp and ipc under Node, for ZMTP engines (STREAM's raw engine, ws and
 * SOCKS read 'data' events).
 */
function readsDirect(socket: Socket, spec: StreamEndpoint): boolean {
  return directReadSupported && (spec.transport === "tcp" || spec.transport === "ipc") && socket.typeName !== "STREAM"
}

function tuneStream(opts: Opts, stream: net.Socket, endpoint: StreamEndpoint): void {
  // Connections hold no event-loop reference: the context decides (see Context.watchExit).
  stream.unref()
  if (overTcp(endpoint)) {
    // Batching happens in the engine; Nagle would only add latency.
    stream.setNoDelay(true)
    if (opts.tcpKeepalive === 1) {
      stream.setKeepAlive(true, opts.tcpKeepaliveIdle > 0 ? opts.tcpKeepaliveIdle * 1000 : 0)
    }
  }
}

// ---- bind side ----------------------------------------------------------------

/** One accepted connection: its pipe lives exactly as long as the connection. */
class AcceptedSession {
  private pipe: Pipe | null = null
  readonly engine: Engine

  constructor(
    private readonly socket: Socket,
    stream: ByteStream,
    private readonly address: string,
    private readonly onEnd: (s: AcceptedSession) => void,
    private readonly opts: Opts,
  ) {
    this.engine = startEngine(socket, stream, this, opts)
  }

  engineReady(engine: Engine): Pipe {
    const pipe = this.socket.newPipe(this.address, this.opts)
    describePeer(pipe, engine)
    this.pipe = pipe
    this.socket.attachPipe(pipe)
    this.socket.emit({ type: "handshake", address: this.address })
    return pipe
  }

  engineStopped(_engine: Engine, reason: EngineEndReason): void {
    const failure = failureEvent(this.address, reason)
    if (failure) this.socket.emit(failure)
    if (this.pipe) {
      // Messages still queued towards this peer can no longer reach it
      // (libzmq drops them too); those it sent us stay readable.
      this.pipe.outbound.clear()
      this.pipe.terminate()
      this.pipe = null
    }
    // A connection we end because the socket closes is no disconnect for zeromq.js.
    if (!this.socket.closed) this.socket.emit(disconnectEvent(this.address, reason))
    this.onEnd(this)
  }

  async close(linger: number): Promise<void> {
    const pipe = this.pipe
    if (pipe !== null) {
      // Nothing new is routed here; what is queued gets `linger` ms to leave.
      pipe.terminate()
      const left = await lingerOn(pipe, linger, () => (this.engine.stopped ? null : this.engine), () => undefined)
      this.engine.close(left && linger !== 0)
      return
    }
    this.engine.close()
  }
}

class Listener implements EndpointHandle {
  readonly endpoint: string
  private readonly sessions = new Set<AcceptedSession>()

  constructor(
    private readonly socket: Socket,
    private readonly server: net.Server,
    private readonly spec: StreamEndpoint,
    endpoint: string,
    private readonly opts: Opts,
    private readonly direct: boolean,
  ) {
    this.endpoint = endpoint
    // wss: the session starts once TLS is up; a failed TLS handshake never reaches us.
    server.on(spec.transport === "wss" ? "secureConnection" : "connection", (stream: net.Socket) => this.accept(stream))
    server.on("error", (err: Error) => {
      const e = fromSystemError(err, this.endpoint)
      socket.emit({ type: "accept:error", address: this.endpoint, error: errnoEventError(e.code) })
    })
  }

  private accept(accepted: net.Socket): void {
    let stream = accepted
    if (this.spec.transport === "tcp" && !acceptedBy(this.opts.acceptFilters, stream.remoteAddress)) {
      // libzmq closes a connection from outside tcpAcceptFilter at once and
      // reports accept:error with whatever errno was left (EAGAIN on Linux);
      // the message says what happened.
      stream.destroy()
      const error = errnoEventError("EAGAIN")
      error.message = `Connection from ${stream.remoteAddress ?? "an unknown address"} refused by tcpAcceptFilter`
      this.socket.emit({ type: "accept:error", address: this.endpoint, error })
      return
    }
    if (this.direct) {
      // The server was created with pauseOnConnect: this socket has not read yet.
      const adopted = DirectReadSocket.adopt(accepted)
      if (adopted !== null) stream = adopted
      else accepted.resume()
    }
    tuneStream(this.opts, stream, this.spec)
    const session = new AcceptedSession(this.socket, engineStream(this.socket, stream, this.spec, false), this.endpoint, (s) => this.sessions.delete(s), this.opts)
    this.sessions.add(session)
    // After registering it, so that a listener closing the socket closes this connection too.
    this.socket.emit({ type: "accept", address: this.endpoint })
  }

  async close(linger: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    if (this.spec.transport === "ipc" && !this.spec.path.startsWith("\0")) {
      // libzmq's ipc_listener removes its file as it closes, at once: after the
      // sessions' linger the path may already be another socket's, bound since.
      // (libuv unlinks it too when the listening handle closes; this is for runtimes that do not.)
      try {
        unlinkSync(this.spec.path)
      } catch {
        // already gone
      }
    }
    await Promise.all([...this.sessions].map((s) => s.close(linger)))
    await closed
  }
}

/**
 * libzmq binds to an IP address or a network interface's name, never to a
 * host name from DNS (no such interface: ENODEV).
 */
function bindableHost(host: string, ipv6: boolean): string | null {
  if (net.isIP(host) !== 0) return host
  const addrs = networkInterfaces()[host]
  const pick = addrs?.find((a) => a.family === "IPv4") ?? (ipv6 ? addrs?.find((a) => a.family === "IPv6") : undefined)
  return pick?.address ?? null
}

export async function bindStream(socket: Socket, spec: StreamEndpoint, opts: Opts): Promise<EndpointHandle> {
  const direct = readsDirect(socket, spec)
  const server = spec.transport === "wss" ? createWssServer(socket, spec) : net.createServer({ noDelay: overTcp(spec), pauseOnConnect: direct })
  if (spec.transport === "ipc" && !spec.path.startsWith("\0")) {
    // libzmq removes a stale socket file before binding (ipc_listener_t).
    // Synchronously, so that bind() reaches listen() (which binds a path at
    // once) before it returns: a connect made right after bind() then finds
    // the endpoint, as v5's bindSync programs expect.
    try {
      unlinkSync(spec.path)
    } catch {
      // no stale file
    }
  }
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(fromSystemError(err, spec.raw))
    server.once("error", onError)
    const done = (): void => {
      server.off("error", onError)
      resolve()
    }
    if (spec.transport === "ipc") {
      server.listen({ path: spec.path, backlog: opts.backlog }, done)
    } else {
      const host = spec.host === "*" ? (opts.ipv6 ? "::" : "0.0.0.0") : bindableHost(spec.host, opts.ipv6)
      if (host === null) {
        reject(zmqError("ENODEV", undefined, spec.raw))
        return
      }
      server.listen({ host, port: spec.port, backlog: opts.backlog, ipv6Only: false }, done)
    }
  })
  let endpoint: string
  if (spec.transport === "ipc") {
    endpoint = spec.raw
  } else {
    const addr = server.address() as net.AddressInfo
    endpoint = spec.transport === "tcp" ? formatTcp(addr.address, addr.port) : formatWs(spec.transport, addr.address, addr.port, spec.path)
  }
  server.unref()
  return new Listener(socket, server, spec, endpoint, opts, direct)
}

// ---- connect side ---------------------------------------------------------------

/**
 * A connecting endpoint: dials, reconnects with backoff after the connection
 * breaks, and (unless `immediate`) keeps one pipe across reconnects so that
 * messages queued while disconnected are delivered afterwards.
 */
class Connecter implements EndpointHandle {
  readonly endpoint: string
  private pipe: Pipe | null = null
  private engine: Engine | null = null
  private stream: net.Socket | null = null
  private timer: NodeJS.Timeout | null = null
  private currentInterval: number
  private closed = false
  private closing: Promise<void> | null = null
  /** Set while lingering: told when a new connection is up, to watch it drain. */
  private onEngineReady: (() => void) | null = null
  private readonly connectRoutingId: Buffer | null

  constructor(
    private readonly socket: Socket,
    private readonly spec: StreamEndpoint,
    private readonly opts: Opts,
  ) {
    this.endpoint = spec.raw
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
    const spec = this.spec
    // libzmq cannot resolve an empty host (Node would take it as localhost): no socket is opened, it retries.
    if (spec.transport === "tcp" && (spec.host === "" || spec.source?.host === "")) {
      this.scheduleReconnect()
      return
    }
    // With socksProxy, tcp connects go to the proxy, which connects onwards (socks.ts).
    const proxy = spec.transport === "tcp" && this.opts.socksProxy !== null ? parseProxyAddress(this.opts.socksProxy.toString("utf8")) : null
    const direct = proxy === null && readsDirect(this.socket, spec)
    let stream: net.Socket
    if (spec.transport === "ipc") {
      stream = direct ? DirectReadSocket.create().connect({ path: spec.path }) : net.createConnection({ path: spec.path })
    } else if (spec.transport === "wss") {
      stream = dialWss(this.socket, spec)
    } else {
      const target = {
        host: proxy?.host ?? spec.host,
        port: proxy?.port ?? spec.port,
        noDelay: true,
        ...(spec.transport === "tcp" && spec.source ? { localAddress: spec.source.host === "*" ? undefined : spec.source.host, localPort: spec.source.port || undefined } : {}),
      }
      stream = direct ? DirectReadSocket.create({ noDelay: true }).connect(target) : net.createConnection(target)
    }
    this.stream = stream
    stream.unref()
    // libzmq reports a tcp connect in progress (EINPROGRESS) as connect:delay; ipc connects at once.
    if (overTcp(spec)) this.socket.emit({ type: "connect:delay", address: this.endpoint })
    let connectTimer: NodeJS.Timeout | null = null
    if (this.opts.connectTimeout > 0) {
      connectTimer = setTimeout(() => stream.destroy(new Error("connect timeout")), this.opts.connectTimeout)
    }
    const failed = (): void => {
      this.stream = null
      stream.destroy()
      // A SOCKS exchange cut short by close(): nothing to report or retry.
      if (this.closed) return
      // libzmq closes the failed attempt's socket (close) and then schedules a retry.
      this.socket.emit({ type: "close", address: this.endpoint })
      this.scheduleReconnect()
    }
    const onError = (): void => {
      if (connectTimer) clearTimeout(connectTimer)
      failed()
    }
    stream.once("error", onError)
    stream.once(spec.transport === "wss" ? "secureConnect" : "connect", () => {
      if (connectTimer) clearTimeout(connectTimer)
      stream.off("error", onError)
      if (this.closed) {
        this.stream = null
        stream.destroy()
        return
      }
      if (proxy === null || spec.transport !== "tcp") return this.connected(stream)
      const o = this.opts
      const auth = o.socksUsername !== null && o.socksUsername.length > 0 ? { username: o.socksUsername, password: o.socksPassword ?? Buffer.alloc(0) } : null
      // Until the proxy has connected us, close() destroys the stream (this.stream).
      driveSocks(stream, new SocksClient({ host: spec.host, port: spec.port }, auth), () => this.connected(stream), failed)
    })
  }

  private connected(stream: net.Socket): void {
    this.stream = null
    if (this.closed) {
      stream.destroy()
      return
    }
    tuneStream(this.opts, stream, this.spec)
    this.socket.emit({ type: "connect", address: this.endpoint })
    this.engine = startEngine(this.socket, engineStream(this.socket, stream, this.spec, true), this, this.opts)
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
    if (this.engine === null) this.stream?.destroy()
    this.stream = null
    this.engine?.close(graceful)
    this.dropPipe()
  }
}

export function connectStream(socket: Socket, spec: StreamEndpoint, opts: Opts): EndpointHandle {
  return new Connecter(socket, spec, opts)
}
