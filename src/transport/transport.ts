import type { Socket } from "../sockets/socket-base.js"
import type { Endpoint } from "./address.js"
import { bindInproc, connectInproc } from "./inproc.js"
import { bindStream, connectStream } from "./stream.js"
import { bindUdp, connectUdp } from "./udp.js"

/** A bound or connected endpoint of a socket, so that it can be undone. */
export interface EndpointHandle {
  /** The endpoint as reported in lastEndpoint (wildcards resolved). */
  readonly endpoint: string
  /** Stops it; queued outgoing messages get `linger` ms (-1: no limit) to leave. */
  close(linger: number): Promise<void>
}

export function bindEndpoint(socket: Socket, endpoint: Endpoint): Promise<EndpointHandle> {
  switch (endpoint.transport) {
    case "tcp":
    case "ipc":
    case "ws":
    case "wss":
      return bindStream(socket, endpoint)
    case "inproc":
      return Promise.resolve(bindInproc(socket, endpoint.name, endpoint.raw))
    case "udp":
      return bindUdp(socket, endpoint)
  }
}

export function connectEndpoint(socket: Socket, endpoint: Endpoint): EndpointHandle {
  switch (endpoint.transport) {
    case "tcp":
    case "ipc":
    case "ws":
    case "wss":
      return connectStream(socket, endpoint)
    case "inproc":
      return connectInproc(socket, endpoint.name, endpoint.raw)
    case "udp":
      return connectUdp(socket, endpoint)
  }
}
