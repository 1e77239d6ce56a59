import * as net from "node:net"
import { unlinkSync } from "node:fs"
import { errnoEventError } from "../observer.js"
import { describePeer, disconnectEvent, failureEvent, lingerOn, startEngine } from "../engine/session.js"
import type { ByteStream } from "../engine/byte-stream.js"
import type { Engine, EngineEndReason } from "../engine/engine.js"
import { fromSystemError, zmqError } from "../errors.js"
import type { Pipe } from "../pipe.js"
import type { Socket } from "../sockets/socket-base.js"
import type { OptionValues } from "../sockets/option-table.js"
import { formatTcp, type Endpoint } from "./address.js"
import { acceptedBy } from "./address-mask.js"
import { bindAddress, connectFamily } from "./bind-address.js"
import { Connecter, type Dialer } from "./connecter.js"
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
    this.engine = startEngine(socket, stream, this, opts, true)
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
    // The peer's address only when there are filters to check: reading it is a getpeername(2).
    if (this.spec.transport === "tcp" && this.opts.acceptFilters.length > 0 && !acceptedBy(this.opts.acceptFilters, stream.remoteAddress)) {
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
      // net.createServer({ noDelay }) below set TCP_NODELAY on tcp connections already.
      const adopted = DirectReadSocket.adopt(accepted, { noDelay: overTcp(this.spec) })
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
  const host = spec.transport === "ipc" ? null : await bindAddress(spec.host, opts.ipv6)
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
 * Dials a tcp, ipc, ws or wss endpoint for the Connecter (connecter.ts):
 * through a SOCKS proxy when socksProxy is set, with connectTimeout.
 */
function streamDialer(socket: Socket, spec: StreamEndpoint, opts: Opts): Dialer {
  return (cb) => {
    // libzmq cannot resolve an empty host (Node would take it as localhost): no socket is opened, it retries.
    const family = spec.transport === "tcp" || spec.transport === "ws" ? connectFamily(spec.host, opts.ipv6) : 0
    if ((spec.transport === "tcp" && (spec.host === "" || spec.source?.host === "")) || family === null) return null
    // With socksProxy, tcp connects go to the proxy, which connects onwards (socks.ts).
    const proxy = spec.transport === "tcp" && opts.socksProxy !== null ? parseProxyAddress(opts.socksProxy.toString("utf8")) : null
    const direct = proxy === null && readsDirect(socket, spec)
    let stream: net.Socket
    if (spec.transport === "ipc") {
      stream = direct ? DirectReadSocket.create().connect({ path: spec.path }) : net.createConnection({ path: spec.path })
    } else if (spec.transport === "wss") {
      stream = dialWss(socket, spec)
    } else {
      const target = {
        host: proxy?.host ?? spec.host,
        port: proxy?.port ?? spec.port,
        family: proxy === null ? family : 0,
        noDelay: true,
        ...(spec.transport === "tcp" && spec.source ? { localAddress: spec.source.host === "*" ? undefined : spec.source.host, localPort: spec.source.port || undefined } : {}),
      }
      stream = direct ? DirectReadSocket.create({ noDelay: true }).connect(target) : net.createConnection(target)
    }
    stream.unref()
    // libzmq reports a tcp connect in progress (EINPROGRESS) as connect:delay; ipc connects at once.
    if (overTcp(spec)) socket.emit({ type: "connect:delay", address: spec.raw })
    let connectTimer: NodeJS.Timeout | null = null
    if (opts.connectTimeout > 0) {
      connectTimer = setTimeout(() => stream.destroy(new Error("connect timeout")), opts.connectTimeout)
    }
    const failed = (): void => {
      stream.destroy()
      cb.failed()
    }
    const connected = (): void => {
      if (cb.closed()) {
        stream.destroy()
        return
      }
      tuneStream(opts, stream, spec)
      cb.connected(engineStream(socket, stream, spec, true))
    }
    const onError = (): void => {
      if (connectTimer) clearTimeout(connectTimer)
      failed()
    }
    stream.once("error", onError)
    stream.once(spec.transport === "wss" ? "secureConnect" : "connect", () => {
      if (connectTimer) clearTimeout(connectTimer)
      stream.off("error", onError)
      if (cb.closed()) {
        stream.destroy()
        return
      }
      if (proxy === null || spec.transport !== "tcp") return connected()
      const auth = opts.socksUsername !== null && opts.socksUsername.length > 0 ? { username: opts.socksUsername, password: opts.socksPassword ?? Buffer.alloc(0) } : null
      // Until the proxy has connected us, close() destroys the stream (the Connecter's attempt).
      driveSocks(stream, new SocksClient({ host: spec.host, port: spec.port }, auth), connected, failed)
    })
    return stream
  }
}

export function connectStream(socket: Socket, spec: StreamEndpoint, opts: Opts): EndpointHandle {
  return new Connecter(socket, spec.raw, opts, streamDialer(socket, spec, opts))
}
