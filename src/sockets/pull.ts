/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- as in zeromq.js, a class merges with the interfaces (Readable, Writable) it provides at run time through Socket */
import type { Msg, Pipe } from "../pipe.js"
import { FairQueue } from "../routing/fair-queue.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"
import type { Readable } from "./interfaces.js"
import type { SocketOptions } from "./options.js"

/**
 * PULL (RFC 30): receives from connected PUSH peers in fair-queued order. It never sends.
 *
 * @example
 * ```ts
 * const pull = new Pull()
 * pull.connect("tcp://127.0.0.1:5557")
 * for await (const [task] of pull) console.log(task.toString())
 * ```
 */
export class Pull extends Socket {
  /**
   * ZMQ_CONFLATE: when true, each connection's queue keeps only the newest message (libzmq's ypipe_conflate;
   * high-water marks no longer apply). Meant for single-frame messages. Write-only in libzmq, readable here.
   */
  declare conflate: boolean
  /** @internal */
  private readonly fq = new FairQueue()

  /**
   * A new Pull socket in the default context. `options` sets any of its writable option properties, as if
   * assigned one by one (`new Pull({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Pull>) {
    super(7, new Internal(options))
    this.seal(options)
  }

  /** @internal libzmq applies ZMQ_CONFLATE to DEALER, PULL, PUSH, PUB and SUB (get_effective_conflate_option). */
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
    return this.fq.recv()
  }

  /** @internal */
  protected override xhasIn(): boolean {
    return this.fq.hasIn()
  }
}

export interface Pull extends Readable {}
installOptions(Pull, "Pull")
registerSocketClass(7, Pull)
