import type { ByteStream } from "./byte-stream.js"
import { authEventError, errnoEventError, protocolEventError, type Event } from "../observer.js"
import type { Pipe } from "../pipe.js"
import type { Socket } from "../sockets/socket-base.js"
import type { OptionValues } from "../sockets/option-table.js"
import { ZmtpEngine, type Engine, type EngineEndReason, type EngineHost } from "./engine.js"
import { RawEngine } from "./raw-engine.js"

/**
 * Starts the engine for a freshly connected or accepted stream: raw for
 * STREAM sockets, ZMTP otherwise; `opts` is its endpoint's snapshot, taken
 * at bind/connect (Socket.endpointOptions). `accepted`: the stream came from
 * a listener (EngineOptions.greetOnPeerBytes).
 */
export function startEngine(socket: Socket, stream: ByteStream, host: EngineHost, opts: Readonly<OptionValues>, accepted = false): Engine {
  if (socket.typeName === "STREAM") return new RawEngine(stream, opts.notify, host)
  return new ZmtpEngine(
    stream,
    {
      socketType: socket.typeName,
      routingId: opts.routingId ?? Buffer.alloc(0),
      // Read when ZAP asks for it, not per connection (Node's remoteAddress is a getpeername call).
      mechanism: socket.makeMechanism(() => stream.remoteAddress ?? "", opts),
      maxMessageSize: opts.maxMessageSize,
      receiveMemoryLimit: opts.receiveMemoryLimit,
      handshakeInterval: opts.handshakeInterval,
      heartbeatInterval: opts.heartbeatInterval,
      heartbeatTimeout: opts.heartbeatTimeout,
      heartbeatTimeToLive: opts.heartbeatTimeToLive,
      zap: (request) => socket.homeContext!.inproc.requestZap(request),
      greetOnPeerBytes: accepted,
    },
    host,
  )
}

/** Copies what the handshake told us about the peer onto its pipe. */
export function describePeer(pipe: Pipe, engine: Engine): void {
  pipe.routingId = engine.peerRoutingId
  pipe.peerMetadata = engine.peerMetadata
  pipe.handshakes++
}

/** The Observer event for an engine that stopped with an error, if it is one zeromq.js reports. */
export function failureEvent(address: string, reason: EngineEndReason): Event | null {
  // libzmq reports handshake failures only; after it, a broken connection is a plain disconnect.
  if (reason.handshaking !== true) return null
  switch (reason.kind) {
    case "protocol":
      return { type: "handshake:error:protocol", address, error: protocolEventError(reason.error.reason) }
    case "connection":
      return { type: "handshake:error:other", address, error: errnoEventError("EPIPE") }
    case "timeout":
      return { type: "handshake:error:other", address, error: errnoEventError("EAGAIN") }
    case "auth":
      return { type: "handshake:error:auth", address, error: authEventError(reason.error.status) }
    case "other":
      return { type: "handshake:error:other", address, error: errnoEventError(reason.error.code) }
    default:
      return null
  }
}

/**
 * The `disconnect` event, as zeromq.js gives it; when we dropped the peer for
 * going past one of our memory limits it also says so (zmq-ts's own field).
 */
export function disconnectEvent(address: string, reason: EngineEndReason): Event {
  if (reason.kind === "protocol" && reason.error.reason === "ENOBUFS") {
    const error = errnoEventError("ENOBUFS")
    error.message = reason.error.message
    return { type: "disconnect", address, error }
  }
  return { type: "disconnect", address }
}

/** libzmq ends a session without reconnecting after these (protocol_error). */
export function isFatal(reason: EngineEndReason): boolean {
  return reason.kind === "protocol" || reason.kind === "auth" || reason.kind === "other"
}

/**
 * Waits until every message queued in `pipe` has been handed to the kernel,
 * across reconnects if `nextEngine` brings new connections, or until `linger`
 * ms have passed (-1: no limit) (ZMQ_LINGER). Resolves true if all left.
 */
export function lingerOn(pipe: Pipe, linger: number, current: () => Engine | null, onEngine: (watch: () => void) => void): Promise<boolean> {
  return new Promise((resolve) => {
    if (linger === 0) return resolve(pipe.outbound.length === 0)
    let done = false
    let timer: NodeJS.Timeout | null = null
    const finish = (ok: boolean): void => {
      if (done) return
      done = true
      if (timer) clearTimeout(timer)
      resolve(ok)
    }
    const watch = (): void => {
      const engine = current()
      if (engine === null) return
      engine.whenDrained(() => {
        // Called when drained, or when the engine stopped; then we wait for the next one.
        if (pipe.outbound.length === 0 && engine.active) finish(true)
      })
    }
    const engine = current()
    if (pipe.outbound.length === 0 && (engine === null || !engine.active)) return finish(true)
    if (linger > 0) timer = setTimeout(() => finish(false), linger)
    onEngine(watch)
    watch()
  })
}
