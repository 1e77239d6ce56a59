import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { isSinglePart, requireSinglePart } from "./draft-common.js"
import type { SocketOptions } from "./options.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"

/**
 * CHANNEL (libzmq's ZMQ_CHANNEL; zeromq.js does not have it): the
 * thread-safe PAIR. One CHANNEL peer at a time (a second is refused while
 * the first is attached), single-part messages only: a multipart send fails
 * with EINVAL and a multipart message from the peer is dropped whole.
 */
export class Channel extends Socket {
  declare multicastHops: number
  declare sendBufferSize: number
  declare sendHighWaterMark: number
  declare sendTimeout: number
  declare receiveBufferSize: number
  declare receiveHighWaterMark: number
  declare receiveTimeout: number
  /** @internal */
  private pipe: Pipe | null = null

  constructor(options?: SocketOptions<Channel>) {
    super(20, new Internal(options))
    this.seal(options)
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

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    if (this.pipe === null || (this.pipe.terminated && this.pipe.inbound.length === 0)) this.pipe = pipe
    else this.refusePipe(pipe)
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    if (this.pipe === pipe && pipe.inbound.length === 0) this.pipe = null
  }

  /** @internal */
  protected override xsend(msg: Msg): boolean {
    requireSinglePart(msg)
    return this.pipe !== null && this.pipe.write(msg)
  }

  /** @internal */
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

  /** @internal */
  protected override xhasIn(): boolean {
    return this.pipe !== null && this.pipe.inbound.length > 0
  }

  /** @internal */
  protected override xhasOut(): boolean {
    return this.pipe !== null && this.pipe.checkWrite()
  }
}

installOptions(Channel, "Channel")
registerSocketClass(20, Channel)
