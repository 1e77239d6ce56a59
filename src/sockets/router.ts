/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging -- as in zeromq.js, a class merges with the interfaces (Readable, Writable) it provides at run time through Socket */
import { zmqError } from "../errors.js"
import type { Msg, Pipe } from "../pipe.js"
import { FairQueue } from "../routing/fair-queue.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"
import type { Readable, Writable } from "./interfaces.js"
import type { SocketOptions } from "./options.js"

/** The options of {@link Router.connect}. */
export interface RouterConnectOptions {
  /**
   * ZMQ_CONNECT_ROUTING_ID: the routing id this ROUTER gives the peer of this
   * connection, instead of the one the peer announces or a generated one.
   */
  routingId?: string
}

const PROBE: Msg = [Buffer.alloc(0)]

/**
 * ROUTER (RFC 28): every peer gets a routing id, either the one it announced
 * (READY Identity / `routingId`) or one generated in libzmq's form (a zero
 * byte and a 32-bit counter). Received messages are prefixed with the
 * sender's id; sent messages are routed by their first frame, which is
 * consumed. Unroutable messages are dropped, or fail with EHOSTUNREACH when
 * `mandatory` is set.
 */
export abstract class RouterBase extends Socket {
  /** @internal */
  protected readonly fq = new FairQueue()
  /** @internal */
  private readonly outPipes = new Map<string, Pipe>()
  /** @internal */
  private readonly idOf = new Map<Pipe, Buffer>()
  /** Pipes whose peer has not told us its id yet, or whose id was taken. */
  /** @internal */
  private readonly anonymous = new Set<Pipe>()
  /** @internal */
  private nextId = Math.floor(Math.random() * 0x1_0000_0000)

  /** zeromq.js: `connect(address, { routingId })` names this peer locally (ZMQ_CONNECT_ROUTING_ID). */
  /** @internal */
  protected connectWithId(address: string, options: RouterConnectOptions): void {
    if (options.routingId) {
      const id = Buffer.from(options.routingId)
      if (this.outPipes.has(id.toString("latin1"))) throw zmqError("EINVAL", "Routing id is already in use")
      this.nextConnectRoutingId = id
    }
    try {
      super.connect(address)
    } finally {
      this.nextConnectRoutingId = null
    }
  }

  /** The routing id this socket uses for `pipe`, if it has one. */
  /** @internal */
  protected routingIdOf(pipe: Pipe): Buffer | undefined {
    return this.idOf.get(pipe)
  }

  /** @internal */
  protected lookup(id: Buffer): Pipe | undefined {
    return this.outPipes.get(id.toString("latin1"))
  }

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    if (this.opts.probeRouter) pipe.outbound.push(PROBE)
    // A connecting pipe is attached before its handshake; it is identified
    // once the peer's READY (or the inproc peer) tells us who it is.
    if (pipe.handshakes > 0 || pipe.connectRoutingId !== null) this.identify(pipe)
    else this.anonymous.add(pipe)
  }

  /** @internal */
  protected override xpipeHandshaken(pipe: Pipe): void {
    const current = this.idOf.get(pipe)
    if (current !== undefined) {
      // A reconnect may bring a peer announcing a different id.
      if (pipe.connectRoutingId !== null || pipe.routingId.length === 0 || pipe.routingId.equals(current)) return
      this.forget(pipe)
    }
    this.anonymous.delete(pipe)
    this.identify(pipe)
  }

  /** @internal */
  private identify(pipe: Pipe): void {
    let id: Buffer
    if (pipe.connectRoutingId !== null) {
      id = pipe.connectRoutingId
    } else if (pipe.routingId.length > 0) {
      id = pipe.routingId
      const existing = this.lookup(id)
      if (existing !== undefined) {
        if (!this.opts.handover) {
          // libzmq ignores a second peer announcing an id already in use.
          this.anonymous.add(pipe)
          this.xreadActivated(pipe)
          return
        }
        // Handover: the new peer takes the id. Like libzmq, the old connection
        // is detached but left open (closing it would make a reconnecting
        // peer take the id back, and so on forever).
        this.forget(existing)
        this.fq.remove(existing)
        this.pipes.delete(existing)
        existing.abandon()
      }
    } else {
      id = this.generateId()
    }
    this.register(pipe, id)
    this.fq.attach(pipe)
  }

  /**
   * A peer may announce an id of this same form (a zero byte and four more):
   * a taken one is skipped, so nobody can squat the id the next honest peer
   * would get and receive its replies. libzmq asserts (aborts) instead.
   */
  private generateId(): Buffer {
    for (;;) {
      const id = Buffer.allocUnsafe(5)
      id[0] = 0
      id.writeUInt32BE(this.nextId, 1)
      this.nextId = (this.nextId + 1) >>> 0
      if (this.lookup(id) === undefined) return id
    }
  }

  /** @internal */
  private register(pipe: Pipe, id: Buffer): void {
    this.outPipes.set(id.toString("latin1"), pipe)
    this.idOf.set(pipe, id)
    pipe.localRoutingId = id
  }

  /** @internal */
  protected forget(pipe: Pipe): void {
    const id = this.idOf.get(pipe)
    if (id === undefined) return
    this.idOf.delete(pipe)
    if (this.outPipes.get(id.toString("latin1")) === pipe) this.outPipes.delete(id.toString("latin1"))
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    this.anonymous.delete(pipe)
    this.forget(pipe)
    this.fq.terminated(pipe)
  }

  /** @internal */
  protected override xreadActivated(pipe: Pipe): void {
    if (!this.anonymous.has(pipe)) {
      this.fq.activated(pipe)
      return
    }
    // A peer whose id is taken is never read from (libzmq); what it sends is
    // dropped here, so it can neither fill memory nor hold its connection
    // blocked at the high-water mark.
    while (pipe.read() !== undefined);
  }

  /** @internal */
  protected override xsend(msg: Msg): boolean {
    // libzmq silently drops a message that is only a routing id.
    if (msg.length < 2) return true
    const pipe = this.lookup(msg[0]!)
    if (pipe === undefined || pipe.terminated) {
      if (this.opts.mandatory) throw zmqError("EHOSTUNREACH")
      return true
    }
    if (!pipe.checkWrite()) {
      // Full peer: mandatory blocks (libzmq returns EAGAIN), otherwise the message is dropped.
      if (this.opts.mandatory) return false
      this.messageDropped(pipe, msg)
      return true
    }
    pipe.outbound.push(msg.slice(1))
    return true
  }

  /** @internal */
  protected override xrecv(): Msg | undefined {
    const msg = this.fq.recv()
    if (msg === undefined) return undefined
    // The id stays on the pipe, so messages left by a peer that has gone keep theirs.
    const id = this.fq.lastPipe!.localRoutingId ?? Buffer.alloc(0)
    msg.unshift(id)
    return msg
  }

  /** @internal */
  protected override xhasIn(): boolean {
    return this.fq.hasIn()
  }

  /** @internal */
  protected override xhasOut(): boolean {
    if (!this.opts.mandatory) return true
    for (const pipe of this.idOf.keys()) if (pipe.checkWrite()) return true
    return false
  }
}

/**
 * ROUTER (RFC 28): receives each message prefixed with the routing id of the
 * peer that sent it, and routes each message it sends by its first frame
 * (consumed), so a reply reaches the requester. Peers announce their id
 * (`routingId`) or get a generated one. Unroutable messages are dropped, or
 * fail with EHOSTUNREACH with `mandatory`. The back end of brokers.
 */
export class Router extends RouterBase {
  /**
   * ZMQ_ROUTING_ID: the identity (1 to 255 bytes) this socket announces to ROUTER peers, which address it by
   * it. Set before connecting.
   */
  declare routingId: string | null
  /** ZMQ_ROUTER_MANDATORY: EHOSTUNREACH for unknown ids, block (EAGAIN) at a full peer. */
  declare mandatory: boolean
  /** ZMQ_PROBE_ROUTER: send an empty message to each new peer. */
  declare probeRouter: boolean
  /** ZMQ_ROUTER_HANDOVER: a new peer with a taken id takes it over from the old one. */
  declare handover: boolean

  /**
   * A new Router socket in the default context. `options` sets any of its writable option properties, as if
   * assigned one by one (`new Router({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Router>) {
    super(6, new Internal(options))
    this.seal(options)
  }

  /**
   * As {@link Socket.connect}; `options.routingId` names the peer of this
   * connection (ZMQ_CONNECT_ROUTING_ID), so messages can be routed to it
   * before it says anything.
   */
  override connect(address: string, options: RouterConnectOptions = {}): void {
    this.connectWithId(address, options)
  }
}

export interface Router extends Readable, Writable {}
installOptions(Router, "Router")
registerSocketClass(6, Router)
