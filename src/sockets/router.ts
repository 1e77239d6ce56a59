import { zmqError } from "../errors.js"
import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { FairQueue } from "../routing/fair-queue.js"
import { Socket } from "./socket-base.js"
import type { SocketOptions } from "./options.js"
import type { SocketTypeName } from "./socket-types.js"

export interface RouterConnectOptions {
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
export class Router extends Socket {
  /** ZMQ_ROUTER_MANDATORY: EHOSTUNREACH for unknown ids, block (EAGAIN) at a full peer. */
  mandatory = false
  /** ZMQ_PROBE_ROUTER: send an empty message to each new peer. */
  probeRouter = false
  /** ZMQ_ROUTER_HANDOVER: a new peer with a taken id takes it over from the old one. */
  handover = false
  protected readonly fq = new FairQueue()
  private readonly outPipes = new Map<string, Pipe>()
  private readonly idOf = new Map<Pipe, Buffer>()
  /** Pipes whose peer has not told us its id yet, or whose id was taken. */
  private readonly anonymous = new Set<Pipe>()
  private nextId = Math.floor(Math.random() * 0x1_0000_0000)

  constructor(options?: SocketOptions<Router>, typeName: SocketTypeName = "ROUTER") {
    super(typeName, options?.context)
    if (typeName === "ROUTER") this.applyOptions(options)
  }

  /** zeromq.js: `connect(address, { routingId })` names this peer locally (ZMQ_CONNECT_ROUTING_ID). */
  override connect(address: string, options: RouterConnectOptions = {}): void {
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

  send(message: MessageLike | MessageLike[]): Promise<void> {
    return this.sendMessage(message, arguments.length)
  }

  receive(): Promise<Buffer[]> {
    return this.receiveMessage(arguments.length)
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer[], undefined> {
    return this.iterate()
  }

  /** The routing id this socket uses for `pipe`, if it has one. */
  protected routingIdOf(pipe: Pipe): Buffer | undefined {
    return this.idOf.get(pipe)
  }

  protected lookup(id: Buffer): Pipe | undefined {
    return this.outPipes.get(id.toString("latin1"))
  }

  protected xattachPipe(pipe: Pipe): void {
    if (this.probeRouter) pipe.outbound.push(PROBE)
    // A connecting pipe is attached before its handshake; it is identified
    // once the peer's READY (or the inproc peer) tells us who it is.
    if (pipe.handshakes > 0 || pipe.connectRoutingId !== null) this.identify(pipe)
    else this.anonymous.add(pipe)
  }

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

  private identify(pipe: Pipe): void {
    let id: Buffer
    if (pipe.connectRoutingId !== null) {
      id = pipe.connectRoutingId
    } else if (pipe.routingId.length > 0) {
      id = pipe.routingId
      const existing = this.lookup(id)
      if (existing !== undefined) {
        if (!this.handover) {
          // libzmq ignores a second peer announcing an id already in use.
          this.anonymous.add(pipe)
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

  private generateId(): Buffer {
    const id = Buffer.allocUnsafe(5)
    id[0] = 0
    id.writeUInt32BE(this.nextId, 1)
    this.nextId = (this.nextId + 1) >>> 0
    return id
  }

  private register(pipe: Pipe, id: Buffer): void {
    this.outPipes.set(id.toString("latin1"), pipe)
    this.idOf.set(pipe, id)
    pipe.localRoutingId = id
  }

  protected forget(pipe: Pipe): void {
    const id = this.idOf.get(pipe)
    if (id === undefined) return
    this.idOf.delete(pipe)
    if (this.outPipes.get(id.toString("latin1")) === pipe) this.outPipes.delete(id.toString("latin1"))
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.anonymous.delete(pipe)
    this.forget(pipe)
    this.fq.terminated(pipe)
  }

  protected override xreadActivated(pipe: Pipe): void {
    if (!this.anonymous.has(pipe)) this.fq.activated(pipe)
  }

  protected override xsend(msg: Msg): boolean {
    // libzmq silently drops a message that is only a routing id.
    if (msg.length < 2) return true
    const pipe = this.lookup(msg[0]!)
    if (pipe === undefined || pipe.terminated) {
      if (this.mandatory) throw zmqError("EHOSTUNREACH")
      return true
    }
    if (!pipe.checkWrite()) {
      // Full peer: mandatory blocks (libzmq returns EAGAIN), otherwise the message is dropped.
      return !this.mandatory
    }
    pipe.outbound.push(msg.slice(1))
    return true
  }

  protected override xrecv(): Msg | undefined {
    const msg = this.fq.recv()
    if (msg === undefined) return undefined
    // The id stays on the pipe, so messages left by a peer that has gone keep theirs.
    const id = this.fq.lastPipe!.localRoutingId ?? Buffer.alloc(0)
    msg.unshift(id)
    return msg
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn()
  }

  protected override xhasOut(): boolean {
    if (!this.mandatory) return true
    for (const pipe of this.idOf.keys()) if (pipe.checkWrite()) return true
    return false
  }
}
