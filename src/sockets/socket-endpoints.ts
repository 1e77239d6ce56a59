// The endpoints one socket has bound and connected, as Socket's bind(),
// unbind(), connect(), disconnect() and close() (socket-base.ts) keep them,
// and the monitor events libzmq reports for a bind that failed.
import { withAddress, zmqError, type ZmqError } from "../errors.js"
import { errnoEventError, type Event } from "../observer.js"
import type { EndpointHandle } from "../transport/transport.js"

/** Errors of the listening socket itself, which libzmq reports as bind:error. */
const LISTEN_ERRORS = new Set(["EADDRINUSE", "EACCES", "EADDRNOTAVAIL", "EPERM", "ENOMEM"])

/** @internal One socket's endpoints; Socket holds it in a private field. */
export class EndpointTable {
  /** Bound endpoints, by the address as given and as resolved (`tcp://host:*` gets its port). */
  readonly binds = new Map<string, EndpointHandle[]>()
  readonly connects = new Map<string, EndpointHandle[]>()
  /** Binds and connects made: options set after one only apply to later ones (zeromq.js warns). */
  count = 0
  /** `count` when the socket closed: option writes still warn by it, as zeromq.js's do. */
  countAtClose = 0
  /** ZMQ_LAST_ENDPOINT. */
  last: string | null = null

  /** Records a bind of `address` that now listens. */
  addBind(address: string, handle: EndpointHandle): void {
    const list = this.binds.get(handle.endpoint) ?? []
    list.push(handle)
    this.binds.set(handle.endpoint, list)
    if (handle.endpoint !== address) this.binds.set(address, list)
    this.last = handle.endpoint
  }

  /** Forgets the first bind of `address` (under all its names) for unbind(); ENOENT if none. */
  takeBind(address: string): EndpointHandle {
    const list = this.binds.get(address)
    if (!list || list.length === 0) throw zmqError("ENOENT", undefined, address)
    const handle = list[0]!
    for (const [key, l] of this.binds) {
      const i = l.indexOf(handle)
      if (i >= 0) l.splice(i, 1)
      if (l.length === 0) this.binds.delete(key)
    }
    return handle
  }

  /** Records a connect to `address` (ZMQ_LAST_ENDPOINT but for inproc). */
  addConnect(address: string, handle: EndpointHandle, inproc: boolean): void {
    const list = this.connects.get(address) ?? []
    list.push(handle)
    this.connects.set(address, list)
    if (!inproc) this.last = address
  }

  /** Forgets the oldest connect to `address` for disconnect(); ENOENT if none. */
  takeConnect(address: string): EndpointHandle {
    const list = this.connects.get(address)
    if (!list || list.length === 0) throw zmqError("ENOENT", undefined, address)
    const handle = list.shift()!
    if (list.length === 0) this.connects.delete(address)
    return handle
  }

  /**
   * The socket closed: closes every endpoint within `linger`, reporting each
   * listener's close as zeromq.js does; the promises settle as they finish.
   */
  closeAll(linger: number, emit: (event: Event) => void): Promise<void>[] {
    const handles = [...new Set([...this.binds.values(), ...this.connects.values()].flat())]
    const bound = new Set([...this.binds.values()].flat())
    this.binds.clear()
    this.connects.clear()
    return handles.map((h) =>
      h.close(linger).then(() => {
        // zeromq.js reports each listener's close, then the socket's end.
        if (bound.has(h) && !h.endpoint.startsWith("inproc://")) emit({ type: "close", address: h.endpoint })
      }),
    )
  }
}

/**
 * @internal A failed bind of `address`: the error with the address attached,
 * after the events libzmq reports. `listened`: the address was parsed, so a
 * listening socket was tried.
 */
export function bindFailed(err: unknown, address: string, listened: boolean, emit: (event: Event) => void): ZmqError {
  const e = withAddress(err, address)
  // libzmq reports a tcp/ipc address it cannot listen on as bind:error
  // with the part after "tcp://"; when the listening socket itself
  // failed, it first reports that socket's close, without address.
  const sep = address.indexOf("://")
  const proto = sep > 0 ? address.slice(0, sep) : ""
  const rest = address.slice(sep + 3)
  if ((proto === "tcp" || proto === "ipc") && rest.length > 0 && e.code !== "EBADF") {
    if (listened && LISTEN_ERRORS.has(e.code)) emit({ type: "close", address: "" })
    emit({ type: "bind:error", address: rest, error: errnoEventError(e.code) })
  }
  return e
}
