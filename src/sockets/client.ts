import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { FairQueue } from "../routing/fair-queue.js"
import { LoadBalancer } from "../routing/load-balancer.js"
import { isSinglePart, markThreadSafe, requireSinglePart } from "./draft-common.js"
import type { SocketOptions } from "./options.js"
import { Socket } from "./socket-base.js"

/**
 * CLIENT (RFC 41): sends round-robin to its SERVER peers (in practice
 * usually one) and receives from them fair-queued. Single-part messages
 * only: sending a multipart one fails with EINVAL, and one arriving from a
 * peer is dropped (libzmq's client_t).
 */
export class Client extends Socket {
  private readonly lb = new LoadBalancer()
  private readonly fq = new FairQueue()

  constructor(options?: SocketOptions<Client>) {
    super("CLIENT", options?.context)
    markThreadSafe(this)
    this.applyOptions(options)
  }

  send(message: MessageLike | MessageLike[]): Promise<void> {
    return this.sendMessage(message)
  }

  receive(): Promise<[Buffer]> {
    return this.receiveMessage() as Promise<[Buffer]>
  }

  [Symbol.asyncIterator](): AsyncIterator<[Buffer], undefined> {
    return this.iterate() as AsyncIterator<[Buffer], undefined>
  }

  protected xattachPipe(pipe: Pipe): void {
    this.fq.attach(pipe)
    this.lb.attach(pipe)
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe)
    this.lb.terminated(pipe)
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe)
  }

  protected override xwriteActivated(pipe: Pipe): void {
    this.lb.activated(pipe)
  }

  protected override xsend(msg: Msg): boolean {
    requireSinglePart(msg)
    return this.lb.send(msg)
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

  protected override xhasOut(): boolean {
    return this.lb.hasOut()
  }
}
