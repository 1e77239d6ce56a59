import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { FairQueue } from "../routing/fair-queue.js"
import { LoadBalancer } from "../routing/load-balancer.js"
import { isSinglePart, markThreadSafe, requireSinglePart } from "./draft-common.js"
import type { SocketOptions } from "./options.js"
import { Socket } from "./socket-base.js"

/**
 * SCATTER (RFC 49): the thread-safe PUSH. Sends round-robin to GATHER peers,
 * skipping full ones, and waits while all are full or there is none.
 * Single-part messages only (EINVAL otherwise, as libzmq).
 */
export class Scatter extends Socket {
  /** ZMQ_CONFLATE: keep only the newest message per peer. */
  conflate = false
  private readonly lb = new LoadBalancer()

  constructor(options?: SocketOptions<Scatter>) {
    super("SCATTER", options?.context)
    markThreadSafe(this)
    this.applyOptions(options)
  }

  send(message: MessageLike | MessageLike[]): Promise<void> {
    return this.sendMessage(message)
  }

  protected override get conflateQueues(): boolean {
    return this.conflate
  }

  protected xattachPipe(pipe: Pipe): void {
    this.lb.attach(pipe)
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.lb.terminated(pipe)
  }

  protected override xwriteActivated(pipe: Pipe): void {
    this.lb.activated(pipe)
  }

  protected override xsend(msg: Msg): boolean {
    requireSinglePart(msg)
    return this.lb.send(msg)
  }

  protected override xhasOut(): boolean {
    return this.lb.hasOut()
  }
}

/**
 * GATHER (RFC 49): the thread-safe PULL. Receives fair-queued from SCATTER
 * peers; a multipart message from a peer is dropped whole (libzmq's gather_t).
 */
export class Gather extends Socket {
  /** ZMQ_CONFLATE: keep only the newest message per peer. */
  conflate = false
  private readonly fq = new FairQueue()

  constructor(options?: SocketOptions<Gather>) {
    super("GATHER", options?.context)
    markThreadSafe(this)
    this.applyOptions(options)
  }

  receive(): Promise<[Buffer]> {
    return this.receiveMessage() as Promise<[Buffer]>
  }

  [Symbol.asyncIterator](): AsyncIterator<[Buffer], undefined> {
    return this.iterate() as AsyncIterator<[Buffer], undefined>
  }

  protected override get conflateQueues(): boolean {
    return this.conflate
  }

  protected xattachPipe(pipe: Pipe): void {
    this.fq.attach(pipe)
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe)
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe)
  }

  protected override xrecv(): Msg | undefined {
    for (;;) {
      const msg = this.fq.recv()
      if (msg === undefined || isSinglePart(msg)) return msg
    }
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn()
  }
}
