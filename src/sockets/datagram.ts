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
  /**
   * ZMQ_MULTICAST_HOPS: the time-to-live of multicast datagrams sent (udp for RADIO; pgm is not in this
   * build). Default 1.
   */
  declare multicastHops: number
  /**
   * ZMQ_SNDBUF: the kernel send buffer size in bytes; -1 (the default): the OS default. Applied to udp; tcp
   * and ipc endpoints with a non-default value emit one process warning (Node has no setsockopt for them).
   */
  declare sendBufferSize: number
  /**
   * ZMQ_SNDHWM: the most messages queued for sending per peer; at the mark `send()` waits (or the socket type
   * drops, as RFC 29 PUB does). 0: no limit. Default 1000. Takes effect at once.
   */
  declare sendHighWaterMark: number
  /**
   * ZMQ_SNDTIMEO: how long, in ms, `send()` may wait at the high-water mark before rejecting with EAGAIN; -1
   * (the default): wait forever; 0: fail at once.
   */
  declare sendTimeout: number
  /**
   * ZMQ_RCVBUF: the kernel receive buffer size in bytes; -1 (the default): the OS default. Applied to udp;
   * tcp and ipc endpoints with a non-default value emit one process warning.
   */
  declare receiveBufferSize: number
  /**
   * ZMQ_RCVHWM: the most messages queued on receipt per peer; at the mark zmq-ts stops reading from that
   * peer. 0: no limit. Default 1000. Takes effect at once.
   */
  declare receiveHighWaterMark: number
  /**
   * ZMQ_RCVTIMEO: how long, in ms, `receive()` may wait before rejecting with EAGAIN; -1 (the default): wait
   * forever.
   */
  declare receiveTimeout: number
  /** @internal */
  private pipe: Pipe | null = null

  /**
   * A new Datagram socket in the default context. `options` sets any of its writable option properties, as if
   * assigned one by one (`new Datagram({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Datagram>) {
    super(18, new Internal(options))
    // libzmq's dgram_t is not a thread-safe socket, unlike the other drafts.
    this.seal(options)
  }

  /**
   * Sends `[address, body]`: a datagram to `address` ("host:port", as received in the first frame). Over udp
   * only; no connection, no delivery guarantee.
   */
  send(message: [MessageLike, MessageLike]): Promise<void> {
    return this.sendMessage(message)
  }

  /** Resolves with `[address, body]`: the sender's "host:port" and the datagram's content. */
  receive(): Promise<[Buffer, Buffer]> {
    return this.receiveMessage() as Promise<[Buffer, Buffer]>
  }

  /** Iterates over `[address, body]` pairs as `receive()` resolves them; ends when the socket is closed. */
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
