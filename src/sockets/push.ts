/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- as in zeromq.js, a class merges with the interfaces (Readable, Writable) it provides at run time through Socket */
import type { Msg, Pipe } from "../pipe.js"
import { LoadBalancer } from "../routing/load-balancer.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"
import type { Writable } from "./interfaces.js"
import type { SocketOptions } from "./options.js"

/**
 * PUSH (RFC 30): sends round-robin to connected PULL peers, skipping those at
 * their high-water mark, and blocks when every peer is full or none exists.
 * It never receives.
 *
 * @example
 * ```ts
 * const push = new Push()
 * await push.bind("tcp://127.0.0.1:5557")
 * for (let i = 0; i < 10; i++) await push.send(`task ${i}`) // dealt out to the PULL workers
 * ```
 */
export class Push extends Socket {
  /**
   * ZMQ_CONFLATE: when true, each connection's queue keeps only the newest message (libzmq's ypipe_conflate;
   * high-water marks no longer apply). Meant for single-frame messages. Write-only in libzmq, readable here.
   */
  declare conflate: boolean
  /** @internal */
  private readonly lb = new LoadBalancer()

  /**
   * A new Push socket in the default context. `options` sets any of its writable option properties, as if
   * assigned one by one (`new Push({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Push>) {
    super(8, new Internal(options))
    this.seal(options)
  }

  /** @internal libzmq applies ZMQ_CONFLATE to DEALER, PULL, PUSH, PUB and SUB (get_effective_conflate_option). */
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
    return this.lb.send(msg)
  }

  /** @internal */
  protected override xhasOut(): boolean {
    return this.lb.hasOut()
  }
}

export interface Push extends Writable {}
installOptions(Push, "Push")
registerSocketClass(8, Push)
