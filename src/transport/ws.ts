/**
 * The ws:// and wss:// transports (RFC 45 ZWS 2.0 over RFC 6455), plugged
 * into the tcp machinery of stream.ts: the listener and connecter are tcp's
 * (or tls's), and each connection is wrapped in a ZwsStream before the ZMTP
 * engine sees it.
 */
import type { Socket as NetSocket } from "node:net"
import type { ByteStream } from "../engine/byte-stream.js"
import type { Socket } from "../sockets/socket-base.js"
import type { Endpoint } from "./address.js"
import type { ZwsMechanism } from "./ws/handshake.js"
import { ZwsStream } from "./ws/zws-stream.js"

export type WsEndpoint = Extract<Endpoint, { transport: "ws" | "wss" }>

function zwsMechanism(socket: Socket): ZwsMechanism {
  switch (socket.opts.mechanism) {
    case "plain":
      return "PLAIN"
    case "curve":
      return "CURVE"
    default:
      return "NULL"
  }
}

/**
 * The largest WebSocket message we buffer: one ZMTP frame plus its flags
 * octet. maxMessageSize bounds a frame as libzmq's ws_decoder does; without
 * it receiveMemoryLimit (zmq-ts's own) bounds it, so that a hostile length
 * never makes us hold more than that.
 */
function maxWsMessage(socket: Socket): number {
  const o = socket.opts
  if (o.maxMessageSize >= 0) return o.maxMessageSize + 1
  return o.receiveMemoryLimit >= 0 ? o.receiveMemoryLimit + 1 : -1
}

/** Wraps a fresh tcp (or tls) connection of a ws endpoint for the engine. */
export function wrapWs(socket: Socket, stream: NetSocket, spec: WsEndpoint, client: boolean): ByteStream {
  const defaultPort = spec.transport === "wss" ? 443 : 80
  const host = spec.host.includes(":") ? `[${spec.host}]` : spec.host
  return new ZwsStream(stream, {
    client,
    mechanism: zwsMechanism(socket),
    asServer: socket.opts.asServer,
    // RFC 7230 5.4: the port goes into Host unless it is the scheme's default.
    host: spec.port === defaultPort ? host : `${host}:${spec.port}`,
    path: spec.path,
    maxMessage: maxWsMessage(socket),
  })
}

/** A ws endpoint as libzmq reports it in ZMQ_LAST_ENDPOINT: the path is kept, "/" if none was given. */
export function formatWs(transport: "ws" | "wss", host: string, port: number, path: string): string {
  return host.includes(":") ? `${transport}://[${host}]:${port}${path}` : `${transport}://${host}:${port}${path}`
}
