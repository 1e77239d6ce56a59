import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { Socket } from "./socket-base.js"
import type { SocketOptions } from "./options.js"

/**
 * PAIR (RFC 31): talks to exactly one PAIR peer. A second peer is refused
 * while the first is attached (libzmq terminates the new pipe); sending
 * blocks at the high-water mark or while there is no peer.
 */
export class Pair extends Socket {
  private pipe: Pipe | null = null

  constructor(options?: SocketOptions<Pair>) {
    super("PAIR", options?.context)
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
    if (this.pipe === null || (this.pipe.terminated && this.pipe.inbound.length === 0)) {
      this.pipe = pipe
    } else {
      // RFC 31: a PAIR socket SHALL NOT accept more than one connection.
      this.refusePipe(pipe)
    }
  }

  protected xpipeTerminated(pipe: Pipe): void {
    if (this.pipe === pipe && pipe.inbound.length === 0) this.pipe = null
  }

  protected override xsend(msg: Msg): boolean {
    const pipe = this.pipe
    return pipe !== null && pipe.write(msg)
  }

  protected override xrecv(): Msg | undefined {
    const pipe = this.pipe
    if (pipe === null) return undefined
    const msg = pipe.read()
    if (msg === undefined && pipe.terminated) this.pipe = null
    return msg
  }

  protected override xhasIn(): boolean {
    return this.pipe !== null && this.pipe.inbound.length > 0
  }

  protected override xhasOut(): boolean {
    return this.pipe !== null && this.pipe.checkWrite()
  }
}
