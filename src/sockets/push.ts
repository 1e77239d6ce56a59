import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { LoadBalancer } from "../routing/load-balancer.js"
import { Socket } from "./socket-base.js"
import type { SocketOptions } from "./options.js"

/**
 * PUSH (RFC 30): sends round-robin to connected PULL peers, skipping those at
 * their high-water mark, and blocks when every peer is full or none exists.
 * It never receives.
 */
export class Push extends Socket {
  private readonly lb = new LoadBalancer()

  constructor(options?: SocketOptions<Push>) {
    super("PUSH", options?.context)
    this.applyOptions(options)
  }

  send(message: MessageLike | MessageLike[]): Promise<void> {
    return this.sendMessage(message, arguments.length)
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
    return this.lb.send(msg)
  }

  protected override xhasOut(): boolean {
    return this.lb.hasOut()
  }
}
