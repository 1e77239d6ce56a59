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
  // Private fields, not own properties: hideAndSeal (seal.ts) would make
  // each one non-enumerable with a defineProperty per socket, which cost
  // every new DEALER more than the rest of its own construction.
  readonly #lb = new LoadBalancer()
  readonly #fq = new FairQueue()

  /** @internal */
  protected get lb(): LoadBalancer {
    return this.#lb
  }

  /** @internal */
  protected get fq(): FairQueue {
    return this.#fq
  }

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

/**
 * DEALER (RFC 28): sends round-robin to its peers and receives from them
 * fair-queued, with no envelope of its own: an asynchronous REQ. Talks to
 * ROUTER (as a worker or client of a broker), REP and other DEALERs.
 */
export class Dealer extends DealerBase {
  /**
   * ZMQ_CONFLATE: when true, each connection's queue keeps only the newest message (libzmq's ypipe_conflate;
   * high-water marks no longer apply). Meant for single-frame messages. Write-only in libzmq, readable here.
   */
  declare conflate: boolean
  /**
   * ZMQ_PROBE_ROUTER: when true, an empty message is sent to each new connection, so a ROUTER peer learns
   * this socket's routing id at once. Write-only.
   */
  declare probeRouter: boolean
  /**
   * ZMQ_ROUTING_ID: the identity (1 to 255 bytes) this socket announces to ROUTER peers, which address it by
   * it. Set before connecting.
   */
  declare routingId: string | null

  /**
   * A new Dealer socket in the default context. `options` sets any of its writable option properties, as if
   * assigned one by one (`new Dealer({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Dealer>) {
    super(5, new Internal(options))
    this.seal(options)
  }

  /** @internal libzmq applies ZMQ_CONFLATE to DEALER, PULL, PUSH, PUB and SUB (get_effective_conflate_option). */
  protected override get conflateQueues(): boolean {
    return this.opts.conflate
  }

  /** @internal Not on DealerBase: REQ adds its envelope to every message. */
  protected override xsendSmall(frame: Uint8Array): boolean {
    return this.lb.sendSmall(frame)
  }
}

export interface Dealer extends Readable, Writable {}
installOptions(Dealer, "Dealer")
registerSocketClass(5, Dealer)
