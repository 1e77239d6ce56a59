import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { requireSinglePart } from "./draft-common.js"
import type { SocketOptions } from "./options.js"
import { Socket } from "./socket-base.js"

/**
 * DGRAM (libzmq's ZMQ_DGRAM, zeromq.js `Datagram`): plain UDP datagrams over
 * a bound udp:// endpoint. Every message is two parts: the peer's address
 * ("ip:port") and the body. Received addresses end with a zero byte, as
 * libzmq makes them. Anything but two parts is refused with EINVAL.
 */
export class Datagram extends Socket {
  private pipe: Pipe | null = null

  constructor(options?: SocketOptions<Datagram>) {
    super("DGRAM", options?.context)
    // libzmq's dgram_t is not a thread-safe socket, unlike the other drafts.
    this.applyOptions(options)
  }

  send(message: [MessageLike, MessageLike]): Promise<void> {
    return this.sendMessage(message)
  }

  receive(): Promise<[Buffer, Buffer]> {
    return this.receiveMessage() as Promise<[Buffer, Buffer]>
  }

  [Symbol.asyncIterator](): AsyncIterator<[Buffer, Buffer], undefined> {
    return this.iterate() as AsyncIterator<[Buffer, Buffer], undefined>
  }

  protected xattachPipe(pipe: Pipe): void {
    // libzmq's dgram_t keeps one pipe, the first.
    if (this.pipe === null) this.pipe = pipe
    else this.refusePipe(pipe)
  }

  protected xpipeTerminated(pipe: Pipe): void {
    if (this.pipe === pipe) this.pipe = null
  }

  protected override xsend(msg: Msg): boolean {
    requireSinglePart(msg, 2)
    return this.pipe !== null && this.pipe.write(msg)
  }

  protected override xrecv(): Msg | undefined {
    return this.pipe?.read()
  }

  protected override xhasIn(): boolean {
    return this.pipe !== null && this.pipe.inbound.length > 0
  }

  protected override xhasOut(): boolean {
    return this.pipe !== null && this.pipe.checkWrite()
  }
}
