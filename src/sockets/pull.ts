import type { Msg, Pipe } from "../pipe.js"
import { FairQueue } from "../routing/fair-queue.js"
import { Socket } from "./socket-base.js"
import type { SocketOptions } from "./options.js"

/** PULL (RFC 30): receives from connected PUSH peers in fair-queued order. It never sends. */
export class Pull extends Socket {
  private readonly fq = new FairQueue()

  constructor(options?: SocketOptions<Pull>) {
    super("PULL", options?.context)
    this.applyOptions(options)
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
    this.fq.terminated(pipe)
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe)
  }

  protected override xrecv(): Msg | undefined {
    return this.fq.recv()
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn()
  }
}
