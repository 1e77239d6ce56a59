import type { Socket } from "../sockets/socket-base.js"
import type { Endpoint } from "./address.js"
import { checkEndpointOptions } from "./endpoint-options.js"
import { bindEpgm, connectEpgm } from "./epgm/link.js"
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

// Each bind and connect goes on with the options as they are now (libzmq
// copies them): see Socket.endpointOptions. Throws where the options ask for
// what cannot be done (endpoint-options.ts).

export function bindEndpoint(socket: Socket, endpoint: Endpoint): Promise<EndpointHandle> {
  const opts = socket.endpointOptions()
  checkEndpointOptions(opts, endpoint, false)
  switch (endpoint.transport) {
    case "tcp":
    case "ipc":
    case "ws":
    case "wss":
      return bindStream(socket, endpoint, opts)
    case "inproc":
      return Promise.resolve(bindInproc(socket, endpoint.name, endpoint.raw))
    case "udp":
      return bindUdp(socket, endpoint, opts)
    case "epgm":
      return bindEpgm(socket, endpoint, opts)
  }
}

export function connectEndpoint(socket: Socket, endpoint: Endpoint): EndpointHandle {
  const opts = socket.endpointOptions()
  checkEndpointOptions(opts, endpoint, true)
  switch (endpoint.transport) {
    case "tcp":
    case "ipc":
    case "ws":
    case "wss":
      return connectStream(socket, endpoint, opts)
    case "inproc":
      return connectInproc(socket, endpoint.name, endpoint.raw)
    case "udp":
      return connectUdp(socket, endpoint, opts)
    case "epgm":
      return connectEpgm(socket, endpoint, opts)
  }
}
