import { zmqError } from "../errors.js"
import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { Distributor } from "../routing/distributor.js"
import { SubscriptionBudget } from "../routing/subscription-budget.js"
import { GROUP_MAX_LENGTH, groupBytes, groupCommandOf, requireOptionsObject, requireSinglePart } from "./draft-common.js"
import type { SocketOptions } from "./options.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"

/** The options of Radio.send() (zeromq.js `RadioGroupOptions`). */
export interface RadioGroupOptions {
  /** The group the message goes to: up to 15 bytes (RFC 48); DISH peers that joined it receive it. */
  group: Buffer | string
}

/**
 * RADIO (RFC 48): sends each message to the DISH peers that joined its
 * group (exact match), dropping it for peers at their high-water mark; it
 * never blocks and never receives. The group goes on the wire as a first
 * frame (draft-wire.ts); the application's message must be single-part.
 */
export class Radio extends Socket {
  /**
   * ZMQ_MULTICAST_HOPS: the time-to-live of multicast datagrams sent (udp for RADIO; pgm is not in this
   * build). Default 1.
   */
  declare multicastHops: number
  /** ZMQ_MULTICAST_LOOP (libzmq draft option, not in zeromq.js): whether this host's own members of a udp:// multicast group get what it sends. Default true. */
  declare multicastLoop: boolean
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
  /** @internal */
  private readonly dist = new Distributor()
  /** @internal group (latin1) -> the pipes that joined it. */
  private readonly groups = new Map<string, Set<Pipe>>()
  /** @internal */
  private readonly joined = new Map<Pipe, Set<string>>()
  /** @internal udp:// pipes get every message: there is no JOIN over udp (libzmq's subscribe-to-all pipes). */
  private readonly udpPipes = new Set<Pipe>()
  /** @internal */
  private readonly budget = new SubscriptionBudget()

  /**
   * A new Radio socket in the default context. `options` sets any of its writable option properties, as if
   * assigned one by one (`new Radio({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Radio>) {
    super(14, new Internal(options))
    this.seal(options)
  }

  /**
   * Sends a single-part message to the members of `options.group` (a string of up to 15 bytes, RFC 48): to
   * the DISH peers that joined it over tcp, or in one datagram over udp. Never blocks on a peer: a full peer
   * misses the message.
   */
  send(message: MessageLike | MessageLike[], options: RadioGroupOptions): Promise<void> {
    // zeromq.js validates its arguments in this order, synchronously.
    if (message === undefined) throw new TypeError("Message must be present")
    const group = requireOptionsObject(options).group
    if (group === undefined) throw zmqError("EINVAL")
    // zmq_msg_set_group in libzmq 4.3.5 keeps at most 255 octets of a longer group.
    const bytes = groupBytes(group).subarray(0, GROUP_MAX_LENGTH)
    return this.sendMessage(Array.isArray(message) ? [bytes, ...message] : [bytes, message])
  }

  /** zmq-ts's own, as on Publisher: the groups one DISH may join, in bytes (each costs its length plus 256). */
  declare peerSubscriptionLimit: number
  /** zmq-ts's own: the same bound over all DISH peers together. */
  declare subscriptionLimit: number

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    this.dist.attach(pipe)
    if (pipe.endpoint.startsWith("udp://")) this.udpPipes.add(pipe)
    this.joined.set(pipe, new Set())
    // A DISH may have sent its JOINs already (inproc, or queued before attach).
    this.xreadActivated(pipe)
  }

  /** @internal */
  protected override xpipeHandshaken(pipe: Pipe): void {
    // A reconnected DISH replays its groups; forget what the old connection joined.
    if (pipe.handshakes > 1) this.forget(pipe)
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    this.forget(pipe)
    this.joined.delete(pipe)
    this.udpPipes.delete(pipe)
    this.dist.terminated(pipe)
  }

  /** @internal RFC 48: JOIN/LEAVE from a dish are applied, never delivered; anything else is discarded. */
  protected override xreadActivated(pipe: Pipe): void {
    // A DISH refused for its groups is not read any further.
    for (let msg = pipe.refused ? undefined : pipe.read(); msg !== undefined; msg = pipe.refused ? undefined : pipe.read()) {
      const command = groupCommandOf(msg)
      if (command === undefined) continue
      const group = msg[0]!.toString("latin1")
      if (command === "JOIN") this.peerJoined(pipe, group)
      else this.peerLeft(pipe, group)
    }
  }

  /** @internal Not named join: Socket.prototype.join is the public one (ENOTSUP on a RADIO, as in zeromq.js). */
  private peerJoined(pipe: Pipe, group: string): void {
    const joined = this.joined.get(pipe)
    if (joined === undefined || joined.has(group)) return
    const refusal = this.budget.add(pipe, group.length, this.opts.peerSubscriptionLimit, this.opts.subscriptionLimit)
    if (refusal !== null) {
      this.xpipeTerminated(pipe)
      this.refusePipe(pipe, refusal)
      return
    }
    joined.add(group)
    let pipes = this.groups.get(group)
    if (pipes === undefined) this.groups.set(group, (pipes = new Set()))
    pipes.add(pipe)
  }

  /** @internal */
  private peerLeft(pipe: Pipe, group: string): void {
    if (this.joined.get(pipe)?.delete(group) === true) this.budget.remove(pipe, group.length)
    const pipes = this.groups.get(group)
    if (pipes === undefined) return
    pipes.delete(pipe)
    if (pipes.size === 0) this.groups.delete(group)
  }

  /** @internal */
  private forget(pipe: Pipe): void {
    const joined = this.joined.get(pipe)
    if (joined === undefined) return
    for (const group of [...joined]) this.peerLeft(pipe, group)
  }

  /** @internal */
  protected override xsend(msg: Msg): boolean {
    requireSinglePart(msg, 2)
    const pipes = this.groups.get(msg[0]!.toString("latin1"))
    // RFC 48: a full dish queue silently misses the message; RADIO never blocks.
    if (pipes !== undefined) this.dist.sendTo(pipes, msg)
    if (this.udpPipes.size > 0) this.dist.sendTo(this.udpPipes, msg)
    return true
  }

  /** @internal */
  protected override xhasOut(): boolean {
    return true
  }
}

installOptions(Radio, "Radio")
registerSocketClass(14, Radio)
