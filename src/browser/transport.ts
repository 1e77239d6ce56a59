/**
 * The browser build's transports, in place of src/transport/transport.ts
 * (scripts/build-browser.mjs swaps the module): inproc as in Node, and
 * connecting over ws:// and wss:// through the browser's WebSocket. A page
 * cannot listen and has no sockets of its own: bind (any transport), tcp,
 * ipc and udp fail with EPROTONOSUPPORT and a message saying why.
 */
import { zmqError } from "../errors.js"
import type { Socket } from "../sockets/socket-base.js"
import type { Endpoint } from "../transport/address.js"
import { Connecter } from "../transport/connecter.js"
import { checkEndpointOptions } from "../transport/endpoint-options.js"
import { bindInproc, connectInproc } from "../transport/inproc.js"
import type { EndpointHandle } from "../transport/transport.js"
import { BARE_ZWS } from "../transport/ws/zws-codec.js"
import { BrowserWsStream, type BrowserWebSocket } from "./ws-stream.js"

export type { EndpointHandle }

type WsEndpoint = Extract<Endpoint, { transport: "ws" | "wss" }>

function unsupported(what: string, endpoint: Endpoint): Error {
  return zmqError("EPROTONOSUPPORT", `${what} is not available in a browser: a page connects over ws:// or wss://, or uses inproc`, endpoint.raw)
}

export function bindEndpoint(socket: Socket, endpoint: Endpoint): Promise<EndpointHandle> {
  const opts = socket.endpointOptions()
  checkEndpointOptions(opts, endpoint, false)
  if (endpoint.transport === "inproc") return Promise.resolve(bindInproc(socket, endpoint.name, endpoint.raw))
  return Promise.reject(unsupported(`bind to ${endpoint.transport}://`, endpoint))
}

export function connectEndpoint(socket: Socket, endpoint: Endpoint): EndpointHandle {
  const opts = socket.endpointOptions()
  checkEndpointOptions(opts, endpoint, true)
  switch (endpoint.transport) {
    case "inproc":
      return connectInproc(socket, endpoint.name, endpoint.raw)
    case "ws":
    case "wss":
      return connectWs(socket, endpoint)
    default:
      throw unsupported(`${endpoint.transport}://`, endpoint)
  }
}

function connectWs(socket: Socket, endpoint: WsEndpoint): EndpointHandle {
  const opts = socket.endpointOptions()
  // A page offers bare ZWS2.0 only (no mechanism): PLAIN or CURVE would be silently skipped.
  if (opts.mechanism !== null) {
    throw zmqError(
      "EPROTONOSUPPORT",
      `${opts.mechanism.toUpperCase()} over ws from a browser: the page can offer only the ZWS2.0 subprotocol (no mechanism); use wss:// for security`,
      endpoint.raw,
    )
  }
  if (opts.heartbeatInterval > 0) {
    throw zmqError("EPROTONOSUPPORT", "heartbeatInterval in a browser: ZWS heartbeats are WebSocket pings, which a page cannot send", endpoint.raw)
  }
  if (socket.typeName === "STREAM") throw unsupported("a STREAM socket over ws", endpoint)
  const Ws = (globalThis as { WebSocket?: new (url: string, protocols: string[]) => BrowserWebSocket }).WebSocket
  if (Ws === undefined) throw unsupported("WebSocket", endpoint)
  const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host
  const url = `${endpoint.transport}://${host}:${endpoint.port}${endpoint.path}`
  // libzmq's ws_decoder bounds a message by maxMessageSize, flags octet aside.
  const maxMessage = opts.maxMessageSize >= 0 ? opts.maxMessageSize + 1 : -1
  return new Connecter(socket, endpoint.raw, opts, (cb) => {
    let ws: BrowserWebSocket
    try {
      ws = new Ws(url, [BARE_ZWS])
    } catch {
      // A URL the browser refuses (e.g. a blocked port) fails like a refused connection, and is retried.
      return null
    }
    ws.binaryType = "arraybuffer"
    socket.emit({ type: "connect:delay", address: endpoint.raw })
    let open = false
    ws.onerror = () => undefined
    ws.onclose = () => {
      if (!open) cb.failed()
    }
    ws.onopen = () => {
      open = true
      if (cb.closed()) {
        ws.close(1000)
        return
      }
      const stream = new BrowserWsStream(ws, { socketType: socket.typeName, maxMessage, url })
      cb.connected(stream)
      stream.start()
    }
    return { destroy: () => ws.close(1000) }
  })
}
