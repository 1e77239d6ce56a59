import { zmqError, type ZmqError } from "../errors.js"
import type { Msg, Pipe } from "../pipe.js"
import { FairQueue } from "../routing/fair-queue.js"
import { GROUP_MAX_LENGTH, groupBytes, groupCommandMsg, type GroupCommand } from "./draft-common.js"
import type { SocketOptions } from "./options.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"

/** What Dish.receive() gives with each message (zeromq.js `DishGroupOptions`). */
export interface DishGroupOptions {
  /** The group the message was sent to by the RADIO. */
  group: Buffer
}

/**
 * DISH (RFC 48): receives fair-queued from RADIO peers the messages of the
 * groups it joined, each with its group. join()/leave() are sent to every
 * radio (JOIN/LEAVE commands on tcp/ipc) and replayed to new and
 * reconnected ones; messages of other groups are filtered here as well.
 */
export class Dish extends Socket {
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
  private readonly radios = new Set<Pipe>()
  /** @internal Joined groups (latin1) and their bytes, in joining order. */
  private readonly groups = new Map<string, Buffer>()

  /**
   * A new Dish socket in the default context. `options` sets any of its writable option properties, as if
   * assigned one by one (`new Dish({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Dish>) {
    super(15, new Internal(options))
    // libzmq: a closing DISH does not wait for its pending JOIN/LEAVE commands.
    this.opts.linger = 0
    this.seal(options)
  }

  /**
   * Joins each group (at most 255 octets). As zeromq.js does, every value is
   * tried and the first failure is thrown afterwards: EINVAL for a group too
   * long or already joined; a value that is neither string nor Buffer throws
   * a TypeError at once.
   */
  join(...values: (Buffer | string)[]): void {
    this.eachGroup(values, (key, bytes) => {
      if (this.groups.has(key)) throw zmqError("EINVAL")
      this.groups.set(key, bytes)
      this.tellRadios("JOIN", bytes)
    })
  }

  /** Leaves each group; EINVAL for one not joined (thrown after trying all, as join()). */
  leave(...values: (Buffer | string)[]): void {
    this.eachGroup(values, (key, bytes) => {
      if (!this.groups.delete(key)) throw zmqError("EINVAL")
      this.tellRadios("LEAVE", bytes)
    })
  }

  /** Resolves with the next message and the group it was sent to (`[body, { group }]`). */
  receive(): Promise<[Buffer, DishGroupOptions]> {
    return this.receiveMessage().then(toReceived)
  }

  /** Iterates over `[body, { group }]` pairs as `receive()` resolves them; ends when the socket is closed. */
  [Symbol.asyncIterator](): AsyncIterator<[Buffer, DishGroupOptions], undefined> {
    const inner = this.iterate()
    return {
      next: () => inner.next().then((r) => (r.done ? r : { done: false, value: toReceived(r.value) })),
    }
  }

  /** @internal */
  private eachGroup(values: unknown[], apply: (key: string, bytes: Buffer) => void): void {
    let failure: ZmqError | null = null
    for (const value of values) {
      if (this.closed) {
        failure ??= zmqError("EBADF", "Socket is closed")
        continue
      }
      const bytes = Buffer.from(groupBytes(value))
      try {
        if (bytes.length > GROUP_MAX_LENGTH) throw zmqError("EINVAL")
        apply(bytes.toString("latin1"), bytes)
      } catch (err) {
        failure ??= err as ZmqError
      }
    }
    if (failure !== null) throw failure
  }

  /** @internal */
  /**
   * Commands go past the high-water mark, as XSUB's subscriptions do:
   * dropping one would silently change what the application receives.
   */
  private tellRadios(command: GroupCommand, group: Buffer): void {
    const msg = groupCommandMsg(command, group)
    for (const pipe of this.radios) if (!pipe.terminated) pipe.outbound.push(msg)
  }

  /** @internal */
  private replay(pipe: Pipe): void {
    for (const group of this.groups.values()) pipe.outbound.push(groupCommandMsg("JOIN", group))
  }

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    this.fq.attach(pipe)
    this.radios.add(pipe)
    this.replay(pipe)
  }

  /** @internal */
  protected override xpipeHandshaken(pipe: Pipe): void {
    // A reconnected radio has forgotten our groups (libzmq's hiccup).
    if (pipe.handshakes > 1) this.replay(pipe)
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe)
    this.radios.delete(pipe)
  }

  /** @internal */
  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe)
  }

  /** @internal */
  protected override xrecv(): Msg | undefined {
    const peeked = this.peeked
    if (peeked !== null) {
      this.peeked = null
      if (this.groups.has(peeked[0]!.toString("latin1"))) return peeked
    }
    for (;;) {
      const msg = this.fq.recv()
      if (msg === undefined) return undefined
      // [group, body]; tcp/ipc peers were checked by the engine, inproc ones are our own RADIO.
      if (msg.length === 2 && this.groups.has(msg[0]!.toString("latin1"))) return msg
    }
  }

  /** @internal */
  protected override xhasIn(): boolean {
    // Like libzmq's dish_t::xhas_in, look for a message of a joined group now
    // (dropping others) and keep it, so that `readable` is exact.
    if (this.peeked !== null) return true
    this.peeked = this.xrecv() ?? null
    return this.peeked !== null
  }

  /** @internal A message found by xhasIn(), handed out by the next xrecv() unless its group was left meanwhile. */
  private peeked: Msg | null = null

  /** @internal */
  protected override xhasOut(): boolean {
    // libzmq: a DISH is always writable (it only ever "sends" subscriptions).
    return true
  }
}

function toReceived(msg: Msg): [Buffer, DishGroupOptions] {
  return [msg[1]!, { group: msg[0]! }]
}

installOptions(Dish, "Dish")
registerSocketClass(15, Dish)
