import { zmqError } from "../errors.js"
import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { FairQueue } from "../routing/fair-queue.js"
import { Socket } from "./socket-base.js"
import type { SocketOptions } from "./options.js"

/**
 * REP (RFC 28): receives requests fair-queued, strips their envelope (every
 * frame up to and including the first empty one) and puts it back in front
 * of the reply, which goes to the peer the request came from. Strict
 * alternation: receive, then send (EFSM otherwise).
 */
export class Reply extends Socket {
  private readonly fq = new FairQueue()
  private sendingReply = false
  private replyPipe: Pipe | null = null
  private envelope: Msg = []

  constructor(options?: SocketOptions<Reply>) {
    super("REP", options?.context)
    this.applyOptions(options)
  }

  send(message: MessageLike | MessageLike[]): Promise<void> {
    return this.sendMessage(message, arguments.length)
  }

  receive(): Promise<Buffer[]> {
    return this.receiveMessage(arguments.length)
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer[], undefined> {
    return this.iterate()
  }

  protected xattachPipe(pipe: Pipe): void {
    this.fq.attach(pipe)
  }

  protected xpipeTerminated(pipe: Pipe): void {
    if (this.replyPipe === pipe) this.replyPipe = null
    this.fq.terminated(pipe)
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe)
  }

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

  protected override xhasIn(): boolean {
    return !this.sendingReply && this.fq.hasIn()
  }

  protected override xhasOut(): boolean {
    return this.sendingReply
  }
}
