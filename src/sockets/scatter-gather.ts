import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { FairQueue } from "../routing/fair-queue.js"
import { LoadBalancer } from "../routing/load-balancer.js"
import { isSinglePart, requireSinglePart } from "./draft-common.js"
import type { SocketOptions } from "./options.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"

/**
 * SCATTER (RFC 49): the thread-safe PUSH. Sends round-robin to GATHER peers,
 * skipping full ones, and waits while all are full or there is none.
 * Single-part messages only (EINVAL otherwise, as libzmq).
 */
export class Scatter extends Socket {
  declare multicastHops: number
  declare sendBufferSize: number
  declare sendHighWaterMark: number
  declare sendTimeout: number
  declare conflate: boolean
  /** @internal */
  private readonly lb = new LoadBalancer()

  constructor(options?: SocketOptions<Scatter>) {
    super(17, new Internal(options))
    this.seal(options)
  }

  send(message: MessageLike | MessageLike[]): Promise<void> {
    return this.sendMessage(message)
  }

  /** @internal */
  protected override get conflateQueues(): boolean {
    return this.opts.conflate
  }

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    this.lb.attach(pipe)
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    this.lb.terminated(pipe)
  }

  /** @internal */
  protected override xwriteActivated(pipe: Pipe): void {
    this.lb.activated(pipe)
  }

  /** @internal */
  protected override xsend(msg: Msg): boolean {
    requireSinglePart(msg)
    return this.lb.send(msg)
  }

  /** @internal */
  protected override xhasOut(): boolean {
    return this.lb.hasOut()
  }
}

/**
 * GATHER (RFC 49): the thread-safe PULL. Receives fair-queued from SCATTER
 * peers; a multipart message from a peer is dropped whole (libzmq's gather_t).
 */
export class Gather extends Socket {
  declare receiveBufferSize: number
  declare receiveHighWaterMark: number
  declare receiveTimeout: number
  declare conflate: boolean
  /** @internal */
  private readonly fq = new FairQueue()

  constructor(options?: SocketOptions<Gather>) {
    super(16, new Internal(options))
    this.seal(options)
  }

  receive(): Promise<[Buffer]> {
    return this.receiveMessage() as Promise<[Buffer]>
  }

  [Symbol.asyncIterator](): AsyncIterator<[Buffer], undefined> {
    return this.iterate() as AsyncIterator<[Buffer], undefined>
  }

  /** @internal */
  protected override get conflateQueues(): boolean {
    return this.opts.conflate
  }

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    this.fq.attach(pipe)
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe)
  }

  /** @internal */
  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe)
  }

  /** @internal */
  protected override xrecv(): Msg | undefined {
    for (;;) {
      const msg = this.fq.recv()
      if (msg === undefined || isSinglePart(msg)) return msg
    }
  }

  /** @internal */
  protected override xhasIn(): boolean {
    return this.fq.hasIn()
  }
}

installOptions(Scatter, "Scatter")
registerSocketClass(17, Scatter)

installOptions(Gather, "Gather")
registerSocketClass(16, Gather)
