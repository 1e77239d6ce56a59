/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging -- as in zeromq.js, a class merges with the interfaces (Readable, Writable) it provides at run time through Socket */
import { zmqError } from "../errors.js"
import type { Msg, Pipe } from "../pipe.js"
import { FairQueue } from "../routing/fair-queue.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"
import type { Readable, Writable } from "./interfaces.js"
import type { SocketOptions } from "./options.js"

/**
 * REP (RFC 28): receives requests fair-queued, strips their envelope (every
 * frame up to and including the first empty one) and puts it back in front
 * of the reply, which goes to the peer the request came from. Strict
 * alternation: receive, then send (EFSM otherwise).
 *
 * @example
 * ```ts
 * const rep = new Reply()
 * await rep.bind("tcp://127.0.0.1:5555")
 * for await (const [request] of rep) await rep.send(`hello, ${request}`)
 * ```
 */
export class Reply extends Socket {
  /**
   * ZMQ_ROUTING_ID: the identity (1 to 255 bytes) this socket announces to ROUTER peers, which address it by
   * it. Set before connecting.
   */
  declare routingId: string | null
  /** @internal */
  private readonly fq = new FairQueue()
  /** @internal */
  private sendingReply = false
  /** @internal */
  private replyPipe: Pipe | null = null
  /** @internal */
  private envelope: Msg = []

  /**
   * A new Reply socket in the default context. `options` sets any of its writable option properties, as if
   * assigned one by one (`new Reply({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Reply>) {
    super(4, new Internal(options))
    this.seal(options)
  }

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    this.fq.attach(pipe)
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    if (this.replyPipe === pipe) this.replyPipe = null
    this.fq.terminated(pipe)
  }

  /** @internal */
  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe)
  }

  /** @internal */
  protected override xsend(msg: Msg): boolean {
    if (!this.sendingReply) throw zmqError("EFSM")
    const pipe = this.replyPipe
    // A reply to a requester that has gone, or whose queue is full, is
    // dropped silently: REP routes like a non-mandatory ROUTER in libzmq.
    if (pipe !== null && !pipe.terminated && pipe.checkWrite()) pipe.outbound.push(this.envelope.concat(msg))
    this.sendingReply = false
    this.replyPipe = null
    this.envelope = []
    return true
  }

  /** @internal */
  protected override xrecv(): Msg | undefined {
    if (this.sendingReply) throw zmqError("EFSM")
    for (;;) {
      const msg = this.fq.recv()
      if (msg === undefined) return undefined
      // The envelope ends at the first empty frame; a request without one,
      // or with nothing after it, is malformed and discarded (libzmq rolls it back).
      let delim = -1
      for (let i = 0; i < msg.length - 1; i++) {
        if (msg[i]!.length === 0) {
          delim = i
          break
        }
      }
      if (delim < 0) continue
      this.envelope = msg.slice(0, delim + 1)
      this.replyPipe = this.fq.lastPipe
      this.sendingReply = true
      return msg.slice(delim + 1)
    }
  }

  /** @internal */
  protected override xhasIn(): boolean {
    return !this.sendingReply && this.fq.hasIn()
  }

  /** @internal */
  protected override xhasOut(): boolean {
    return this.sendingReply
  }
}

export interface Reply extends Readable, Writable {}
installOptions(Reply, "Reply")
registerSocketClass(4, Reply)
