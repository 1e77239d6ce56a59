import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { isSinglePart, markThreadSafe, requireSinglePart } from "./draft-common.js"
import type { SocketOptions } from "./options.js"
import { Socket } from "./socket-base.js"

/**
 * CHANNEL (libzmq's ZMQ_CHANNEL; zeromq.js does not have it): the
 * thread-safe PAIR. One CHANNEL peer at a time (a second is refused while
 * the first is attached), single-part messages only: a multipart send fails
 * with EINVAL and a multipart message from the peer is dropped whole.
 */
export class Channel extends Socket {
  private pipe: Pipe | null = null

  constructor(options?: SocketOptions<Channel>) {
    super("CHANNEL", options?.context)
    markThreadSafe(this)
    this.applyOptions(options)
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

  protected xattachPipe(pipe: Pipe): void {
    if (this.pipe === null || (this.pipe.terminated && this.pipe.inbound.length === 0)) this.pipe = pipe
    else this.refusePipe(pipe)
  }

  protected xpipeTerminated(pipe: Pipe): void {
    if (this.pipe === pipe && pipe.inbound.length === 0) this.pipe = null
  }

  protected override xsend(msg: Msg): boolean {
    requireSinglePart(msg)
    return this.pipe !== null && this.pipe.write(msg)
  }

  protected override xrecv(): Msg | undefined {
    const pipe = this.pipe
    if (pipe === null) return undefined
    for (;;) {
      const msg = pipe.read()
      if (msg === undefined) {
        if (pipe.terminated) this.pipe = null
        return undefined
      }
      if (isSinglePart(msg)) return msg
    }
  }

  protected override xhasIn(): boolean {
    return this.pipe !== null && this.pipe.inbound.length > 0
  }

  protected override xhasOut(): boolean {
    return this.pipe !== null && this.pipe.checkWrite()
  }
}
