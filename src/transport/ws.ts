/**
 * The ws:// and wss:// transports (RFC 45 ZWS 2.0 over RFC 6455), plugged
 * into the tcp machinery of stream.ts: the listener and connecter are tcp's
 * (or tls's), and each connection is wrapped in a ZwsStream before the ZMTP
 * engine sees it.
 */
import { isIP, type Socket as NetSocket } from "node:net"
import * as tls from "node:tls"
import { zmqError } from "../errors.js"
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
    socketType: socket.typeName,
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

/**
 * The TLS server of a wss:// bind, from wssCertPem and wssKeyPem (libzmq's
 * ZMQ_WSS_CERT_PEM, ZMQ_WSS_KEY_PEM). Without both there is nothing to
 * serve with: EINVAL at bind rather than a failure on every connection.
 */
export function createWssServer(socket: Socket, spec: WsEndpoint): tls.Server {
  const { wssCertPem: cert, wssKeyPem: key } = socket.opts
  if (cert === null || key === null) throw zmqError("EINVAL", "wss:// needs wssCertPem and wssKeyPem", spec.raw)
  return tls.createServer({ cert, key, noDelay: true })
}

/**
 * Dials a wss:// endpoint. The server's certificate is always verified, as
 * libzmq's wss_engine does: against wssTrustPem and, with wssTrustSystem,
 * the system's roots; the name checked is wssHostname, else the host.
 */
export function dialWss(socket: Socket, spec: WsEndpoint): tls.TLSSocket {
  const o = socket.opts
  const ca: string[] = []
  if (o.wssTrustPem !== null) ca.push(o.wssTrustPem.toString("latin1"))
  if (o.wssTrustSystem) ca.push(...tls.rootCertificates)
  const name = o.wssHostname !== null ? o.wssHostname.toString("latin1") : spec.host
  return tls.connect({
    host: spec.host,
    port: spec.port,
    ca,
    rejectUnauthorized: true,
    // SNI takes names only (RFC 6066 3); an address is still checked against the certificate's IP SANs.
    ...(isIP(name) === 0 ? { servername: name } : {}),
    checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert),
  })
}
