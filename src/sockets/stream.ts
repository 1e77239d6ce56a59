import { zmqError } from "../errors.js"
import type { MessageLike } from "../msg.js"
import type { Msg } from "../pipe.js"
import type { SocketOptions } from "./options.js"
import { Router } from "./router.js"

export interface StreamConnectOptions {
  routingId?: string
}

/**
 * STREAM: talks raw TCP to non-ZeroMQ peers. Each connection gets a
 * generated routing id; messages are [routingId, data] pairs. With `notify`
 * (the default) the application receives [routingId, ""] when a peer
 * connects and when it disconnects; sending [routingId, ""] closes that
 * connection once what was queued before it is written.
 */
export class Stream extends Router {
  /** ZMQ_STREAM_NOTIFY: announce connects and disconnects with empty messages. */
  notify = true

  constructor(options?: SocketOptions<Stream>) {
    super(undefined, "STREAM")
    this.applyOptions(options)
  }

  override get rawNotify(): boolean {
    return this.notify
  }

  override connect(address: string, options: StreamConnectOptions = {}): void {
    super.connect(address, options)
  }

  override send(message: [MessageLike, MessageLike]): Promise<void> {
    return this.sendMessage(message, arguments.length)
  }

  override receive(): Promise<[Buffer, Buffer]> {
    return this.receiveMessage(arguments.length) as Promise<[Buffer, Buffer]>
  }

  protected override xsend(msg: Msg): boolean {
    if (msg.length !== 2) throw zmqError("EINVAL", "STREAM messages are [routingId, data]")
    const pipe = this.lookup(msg[0]!)
    // libzmq's stream_t: unknown peer is EHOSTUNREACH, a full one blocks.
    if (pipe === undefined || pipe.terminated) throw zmqError("EHOSTUNREACH")
    if (!pipe.checkWrite()) return false
    pipe.outbound.push([msg[1]!])
    if (msg[1]!.length === 0) {
      // The application closed this peer: libzmq forgets its id at once and
      // sends no disconnect notification for it.
      pipe.closedByApp = true
      this.forget(pipe)
    }
    return true
  }

  protected override xhasOut(): boolean {
    return true
  }
}
