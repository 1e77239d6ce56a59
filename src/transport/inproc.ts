import { zmqError } from "../errors.js"
import { pipePair, terminateInproc, type Pipe } from "../pipe.js"
import type { Socket } from "../sockets/socket-base.js"
import type { EndpointHandle } from "./transport.js"
import { ZAP_ENDPOINT } from "../mechanism/zap.js"
import type { RemoteInproc } from "../threads/remote-inproc.js"

/** A ZAP request under way; cancel() when its connection no longer waits for the reply. */
export interface ZapCall {
  reply: Promise<Buffer[]>
  cancel(): void
}

/** A connect that happened before the bind (libzmq allows this for inproc since 4.0). */
interface PendingConnect {
  connecter: Socket
  /** The connecter's end, already attached to it. */
  own: Pipe
  /** The end the binder will attach. */
  other: Pipe
}

/**
 * The inproc endpoints of one context. Two sockets are joined by a pair of
 * pipes sharing their queues crosswise: a message goes from one socket's
 * send() to the other's receive() with no encoding and no copy.
 */
export class InprocRegistry {
  private readonly bound = new Map<string, Socket>()
  private readonly pending = new Map<string, PendingConnect[]>()
  /** The process-wide default context also reaches the endpoints of other threads. */
  remote: RemoteInproc | null = null

  binderOf(name: string): Socket | undefined {
    return this.bound.get(name)
  }

  /** A pending connect was accepted by another thread. */
  forgetPending(own: Pipe, name: string): void {
    this.cancel(own, name)
  }

  bind(socket: Socket, name: string): void {
    if (this.bound.has(name)) throw zmqError("EADDRINUSE", undefined, `inproc://${name}`)
    if (this.remote !== null && !this.remote.claim(name)) throw zmqError("EADDRINUSE", undefined, `inproc://${name}`)
    this.bound.set(name, socket)
    this.remote?.bound(name)
    const waiting = this.pending.get(name)
    if (waiting) {
      this.pending.delete(name)
      for (const p of waiting) {
        if (p.own.terminated) continue
        this.remote?.forget(p.own)
        // Now that both sides are known, use libzmq's combined high-water marks.
        p.own.outbound.setHwm(combinedHwm(p.connecter.opts.sendHighWaterMark, socket.opts.receiveHighWaterMark))
        p.own.inbound.setHwm(combinedHwm(socket.opts.sendHighWaterMark, p.connecter.opts.receiveHighWaterMark))
        p.other.routingId = p.connecter.routingIdForPeers
        p.own.routingId = socket.routingIdForPeers
        p.own.handshakes = p.other.handshakes = 1
        socket.attachPipe(p.other)
        // The connecter's pipe now has a known peer (ROUTER identifies it).
        p.connecter.pipeHandshaken(p.own)
      }
    }
  }

  /** Whether a socket is bound to `name` (v5's bindSync reports EADDRINUSE before binding). */
  isBound(name: string): boolean {
    return this.bound.has(name)
  }

  unbind(socket: Socket, name: string): void {
    if (this.bound.get(name) !== socket) return
    this.bound.delete(name)
    this.remote?.unbound(name)
  }

  connect(connecter: Socket, name: string): Pipe {
    const binder = this.bound.get(name)
    const connectRoutingId = connecter.takeConnectRoutingId()
    if (binder) {
      const [own, other] = pipePair(
        combinedHwm(connecter.opts.sendHighWaterMark, binder.opts.receiveHighWaterMark),
        combinedHwm(binder.opts.sendHighWaterMark, connecter.opts.receiveHighWaterMark),
      )
      // libzmq takes ZMQ_CONFLATE from the connecting socket's options for both directions of an inproc pipe.
      if (connecter.conflating) own.inbound.conflate = own.outbound.conflate = true
      own.endpoint = other.endpoint = `inproc://${name}`
      own.routingId = binder.routingIdForPeers
      own.connectRoutingId = connectRoutingId
      other.routingId = connecter.routingIdForPeers
      own.handshakes = other.handshakes = 1
      connecter.attachPipe(own)
      binder.attachPipe(other)
      return own
    }
    // No binder yet: queue on our own high-water marks until one appears.
    const [own, other] =
      this.remote?.pendingPipes(connecter.opts.sendHighWaterMark, connecter.opts.receiveHighWaterMark) ??
      pipePair(connecter.opts.sendHighWaterMark, connecter.opts.receiveHighWaterMark)
    // libzmq 4.3.5 conflates here too but then never delivers the pending message (a bug); we deliver the newest.
    if (connecter.conflating) own.inbound.conflate = own.outbound.conflate = true
    own.endpoint = other.endpoint = `inproc://${name}`
    own.connectRoutingId = connectRoutingId
    connecter.attachPipe(own)
    const list = this.pending.get(name) ?? []
    list.push({ connecter, own, other })
    this.pending.set(name, list)
    this.remote?.connect(connecter, name, own)
    return own
  }

  /**
   * Sends one ZAP request to the handler bound at inproc://zeromq.zap.01 and
   * resolves with its reply (RFC 27); null when no handler is bound. Like
   * libzmq, no time limit of its own: the handshake interval bounds it.
   */
  requestZap(frames: Buffer[]): ZapCall | null {
    const handler = this.bound.get(ZAP_ENDPOINT)
    if (handler === undefined || handler.closed) return null
    const [own, other] = pipePair(0, 0)
    own.endpoint = other.endpoint = `inproc://${ZAP_ENDPOINT}`
    own.handshakes = other.handshakes = 1
    const reply = new Promise<Buffer[]>((resolve) => {
      own.attachOwner({
        readActivated: () => {
          const msg = own.read()
          if (msg === undefined) return
          terminateInproc(own)
          resolve(msg)
        },
        writeActivated: () => undefined,
        pipeTerminated: () => undefined,
      })
    })
    handler.attachPipe(other)
    own.outbound.push(frames)
    return {
      reply,
      // The connection went away unanswered: take back the request if the
      // handler has not read it, and detach the pipe from the handler, so
      // that neither keeps the dead connection's engine alive.
      cancel: () => {
        own.outbound.clear()
        own.detachOwner()
        terminateInproc(own)
      },
    }
  }

  /** Forgets a pending connect whose socket went away. */
  cancel(own: Pipe, name: string): void {
    const list = this.pending.get(name)
    if (!list) return
    const rest = list.filter((p) => p.own !== own)
    if (rest.length) this.pending.set(name, rest)
    else this.pending.delete(name)
  }
}

/** libzmq: an inproc pipe holds the sender's SNDHWM plus the receiver's RCVHWM, 0 if either is unlimited. */
function combinedHwm(sndhwm: number, rcvhwm: number): number {
  return sndhwm === 0 || rcvhwm === 0 ? 0 : sndhwm + rcvhwm
}

export function bindInproc(socket: Socket, name: string, raw: string): EndpointHandle {
  const registry = socket.homeContext!.inproc
  registry.bind(socket, name)
  return {
    endpoint: raw,
    close: (linger) => {
      // libzmq: unbinding an inproc endpoint leaves established connections alone.
      registry.unbind(socket, name)
      // Closing the socket closes those from other threads (same-thread ones end in close()).
      if (socket.closed && registry.remote !== null) return registry.remote.closeAccepted(socket, linger)
      return Promise.resolve()
    },
  }
}

export function connectInproc(socket: Socket, name: string, raw: string): EndpointHandle {
  const registry = socket.homeContext!.inproc
  const own = registry.connect(socket, name)
  return {
    endpoint: raw,
    close: (linger) => {
      registry.cancel(own, name)
      const remote = registry.remote
      if (remote === null || own.inproc) {
        terminateInproc(own)
        return remote?.closePending(own, linger) ?? Promise.resolve()
      }
      return remote.closeConnect(own, linger)
    },
  }
}
