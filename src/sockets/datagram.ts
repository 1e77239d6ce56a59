import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { requireSinglePart } from "./draft-common.js"
import type { SocketOptions } from "./options.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"

/**
 * DGRAM (libzmq's ZMQ_DGRAM, zeromq.js `Datagram`): plain UDP datagrams over
 * a bound udp:// endpoint. Every message is two parts: the peer's address
 * ("ip:port") and the body. Received addresses end with a zero byte, as
 * libzmq makes them. Anything but two parts is refused with EINVAL.
 */
export class Datagram extends Socket {
  declare multicastHops: number
  declare sendBufferSize: number
  declare sendHighWaterMark: number
  declare sendTimeout: number
  declare receiveBufferSize: number
  declare receiveHighWaterMark: number
  declare receiveTimeout: number
  /** @internal */
  private pipe: Pipe | null = null

  constructor(options?: SocketOptions<Datagram>) {
    super(18, new Internal(options))
    // libzmq's dgram_t is not a thread-safe socket, unlike the other drafts.
    this.seal(options)
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

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    // libzmq's dgram_t keeps one pipe, the first.
    if (this.pipe === null) this.pipe = pipe
    else this.refusePipe(pipe)
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    if (this.pipe === pipe) this.pipe = null
  }

  /** @internal */
  protected override xsend(msg: Msg): boolean {
    requireSinglePart(msg, 2)
    return this.pipe !== null && this.pipe.write(msg)
  }

  /** @internal */
  protected override xrecv(): Msg | undefined {
    return this.pipe?.read()
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

installOptions(Datagram, "Datagram")
registerSocketClass(18, Datagram)
