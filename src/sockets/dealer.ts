/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging -- as in zeromq.js, a class merges with the interfaces (Readable, Writable) it provides at run time through Socket */
import type { Msg, Pipe } from "../pipe.js"
import { FairQueue } from "../routing/fair-queue.js"
import { LoadBalancer } from "../routing/load-balancer.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"
import type { Readable, Writable } from "./interfaces.js"
import type { SocketOptions } from "./options.js"

const PROBE: Msg = [Buffer.alloc(0)]

/**
 * The DEALER machinery, shared with REQ (which zeromq.js does not make a Dealer).
 * DEALER (RFC 28): load-balances outgoing messages over its peers and
 * fair-queues incoming ones, with no envelope handling of its own.
 */
export abstract class DealerBase extends Socket {
  /** @internal */
  protected readonly lb = new LoadBalancer()
  /** @internal */
  protected readonly fq = new FairQueue()

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    // libzmq writes the probe past the high-water mark check, straight into the pipe.
    if (this.opts.probeRouter) pipe.outbound.push(PROBE)
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
    return this.lb.send(msg)
  }

  /** @internal */
  protected override xrecv(): Msg | undefined {
    return this.fq.recv()
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

export class Dealer extends DealerBase {
  /** ZMQ_CONFLATE is accepted for compatibility; zmq-ts keeps all messages. */
  declare conflate: boolean
  declare probeRouter: boolean
  declare routingId: string | null

  constructor(options?: SocketOptions<Dealer>) {
    super(5, new Internal(options))
    this.seal(options)
  }

  /** @internal Not on DealerBase: REQ adds its envelope to every message. */
  protected override xsendSmall(frame: Uint8Array): boolean {
    return this.lb.sendSmall(frame)
  }
}

export interface Dealer extends Readable, Writable {}
installOptions(Dealer, "Dealer")
registerSocketClass(5, Dealer)
