import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { FairQueue } from "../routing/fair-queue.js"
import { LoadBalancer } from "../routing/load-balancer.js"
import { isSinglePart, requireSinglePart } from "./draft-common.js"
import type { SocketOptions } from "./options.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"

/**
 * CLIENT (RFC 41): sends round-robin to its SERVER peers (in practice
 * usually one) and receives from them fair-queued. Single-part messages
 * only: sending a multipart one fails with EINVAL, and one arriving from a
 * peer is dropped (libzmq's client_t).
 */
export class Client extends Socket {
  declare multicastHops: number
  declare sendBufferSize: number
  declare sendHighWaterMark: number
  declare sendTimeout: number
  declare receiveBufferSize: number
  declare receiveHighWaterMark: number
  declare receiveTimeout: number
  /** @internal */
  private readonly lb = new LoadBalancer()
  /** @internal */
  private readonly fq = new FairQueue()

  constructor(options?: SocketOptions<Client>) {
    super(13, new Internal(options))
    this.seal(options)
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

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    this.fq.attach(pipe)
    this.lb.attach(pipe)
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe)
    this.lb.terminated(pipe)
  }

  /** @internal */
  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe)
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

  /** @internal */
  protected override xhasOut(): boolean {
    return this.lb.hasOut()
  }
}

installOptions(Client, "Client")
registerSocketClass(13, Client)
