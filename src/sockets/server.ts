import { zmqError } from "../errors.js"
import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { FairQueue } from "../routing/fair-queue.js"
import { isSinglePart, requireOptionsObject, requireSinglePart } from "./draft-common.js"
import type { SocketOptions } from "./options.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"

/** The routing options of Server.send() and Server.receive() (zeromq.js `ServerRoutingOptions`). */
export interface ServerRoutingOptions {
  /** The peer's 32-bit routing id, as received with its messages. */
  routingId: number
}

/**
 * SERVER (RFC 41): every connected CLIENT gets a 32-bit routing id, never 0
 * (libzmq starts from a random value and counts up). Received messages carry
 * the sender's id; sent messages go to the peer named by `routingId`, fail
 * with EHOSTUNREACH if there is none, and wait while that peer is full.
 * Messages are single-part.
 */
export class Server extends Socket {
  /**
   * ZMQ_MULTICAST_HOPS: the time-to-live of multicast datagrams sent (udp for RADIO; pgm is not in this
   * build). Default 1.
   */
  declare multicastHops: number
  /**
   * ZMQ_SNDBUF: the kernel send buffer size in bytes; -1 (the default): the OS default. Applied to udp; tcp
   * and ipc endpoints with a non-default value emit one process warning (Node has no setsockopt for them).
   */
  declare sendBufferSize: number
  /**
   * ZMQ_SNDHWM: the most messages queued for sending per peer; at the mark `send()` waits (or the socket type
   * drops, as RFC 29 PUB does). 0: no limit. Default 1000. Takes effect at once.
   */
  declare sendHighWaterMark: number
  /**
   * ZMQ_SNDTIMEO: how long, in ms, `send()` may wait at the high-water mark before rejecting with EAGAIN; -1
   * (the default): wait forever; 0: fail at once.
   */
  declare sendTimeout: number
  /**
   * ZMQ_RCVBUF: the kernel receive buffer size in bytes; -1 (the default): the OS default. Applied to udp;
   * tcp and ipc endpoints with a non-default value emit one process warning.
   */
  declare receiveBufferSize: number
  /**
   * ZMQ_RCVHWM: the most messages queued on receipt per peer; at the mark zmq-ts stops reading from that
   * peer. 0: no limit. Default 1000. Takes effect at once.
   */
  declare receiveHighWaterMark: number
  /**
   * ZMQ_RCVTIMEO: how long, in ms, `receive()` may wait before rejecting with EAGAIN; -1 (the default): wait
   * forever.
   */
  declare receiveTimeout: number
  /** @internal */
  private readonly fq = new FairQueue()
  /** @internal */
  private readonly outPipes = new Map<number, Pipe>()
  /** @internal */
  private nextRoutingId = (Math.random() * 0x1_0000_0000) >>> 0
  /** @internal The routing id of the peer attached last (libzmq's PEER returns it from connect). */
  protected lastAttachedRoutingId = 0

  /**
   * A new Server socket in the default context; `options` as for every socket
   * class (option properties, and `context`). `type` is for Peer, which is a
   * SERVER in all but its type.
   */
  constructor(options?: SocketOptions<Server>, type = 12) {
    super(type, new Internal(options))
    if (type === 12) this.seal(options)
  }

  /**
   * Sends a single-part message to the CLIENT (or PEER) whose `routingId` is given in `options`, as received
   * with its messages. Fails with EHOSTUNREACH when no such peer is connected.
   */
  send(message: MessageLike | MessageLike[], options: ServerRoutingOptions): Promise<void> {
    // zeromq.js validates its arguments in this order, synchronously.
    if (message === undefined) throw new TypeError("Message must be present")
    const routingId = requireOptionsObject(options).routingId
    // zeromq.js converts with zmq_msg_set_routing_id, which refuses 0 (and no id at all).
    if (routingId === undefined) throw zmqError("EINVAL")
    if (typeof routingId !== "number") throw new TypeError("A number was expected")
    const id = routingId >>> 0
    if (id === 0) throw zmqError("EINVAL")
    const idFrame = Buffer.allocUnsafe(4)
    idFrame.writeUInt32BE(id, 0)
    // The id rides in front of the body, so that a send deferred to a later
    // turn still knows where it goes.
    return this.sendMessage(Array.isArray(message) ? [idFrame, ...message] : [idFrame, message])
  }

  /**
   * Resolves with the next single-part message and the `routingId` of the peer that sent it, to reply with
   * `send(reply, { routingId })`.
   */
  receive(): Promise<[Buffer, ServerRoutingOptions]> {
    return this.receiveMessage().then(toReceived)
  }

  /**
   * Iterates over `[message, { routingId }]` pairs as `receive()` resolves them; ends when the socket is
   * closed.
   */
  [Symbol.asyncIterator](): AsyncIterator<[Buffer, ServerRoutingOptions], undefined> {
    const inner = this.iterate()
    return {
      next: () => inner.next().then((r) => (r.done ? r : { done: false, value: toReceived(r.value) })),
    }
  }

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    let id = this.nextRoutingId
    // Never 0, never one in use (libzmq asserts; a wrapped counter could collide).
    while (id === 0 || this.outPipes.has(id)) id = (id + 1) >>> 0
    this.nextRoutingId = (id + 1) >>> 0
    const idFrame = Buffer.alloc(4)
    idFrame.writeUInt32BE(id, 0)
    pipe.localRoutingId = idFrame
    this.outPipes.set(id, pipe)
    this.lastAttachedRoutingId = id
    this.fq.attach(pipe)
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    const id = pipe.localRoutingId?.readUInt32BE(0)
    if (id !== undefined && this.outPipes.get(id) === pipe) this.outPipes.delete(id)
    this.fq.terminated(pipe)
  }

  /** @internal */
  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe)
  }

  /** @internal */
  protected override xsend(msg: Msg): boolean {
    requireSinglePart(msg, 2)
    const pipe = this.outPipes.get(msg[0]!.readUInt32BE(0))
    if (pipe === undefined || pipe.terminated) throw zmqError("EHOSTUNREACH")
    // libzmq answers EAGAIN for a full peer, so the send waits for room.
    return pipe.write([msg[1]!])
  }

  /** @internal */
  protected override xrecv(): Msg | undefined {
    for (;;) {
      const msg = this.fq.recv()
      if (msg === undefined) return undefined
      if (isSinglePart(msg)) return [msg[0]!, this.fq.lastPipe!.localRoutingId!]
    }
  }

  /** @internal */
  protected override xhasIn(): boolean {
    return this.fq.hasIn()
  }

  /** @internal */
  protected override xhasOut(): boolean {
    // libzmq: a SERVER is always writable; whether a send succeeds depends on the peer it names.
    return true
  }
}

function toReceived(msg: Msg): [Buffer, ServerRoutingOptions] {
  return [msg[0]!, { routingId: msg[1]!.readUInt32BE(0) }]
}

installOptions(Server, "Server")
registerSocketClass(12, Server)
