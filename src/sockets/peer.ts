import { zmqError } from "../errors.js"
import type { SocketOptions } from "./options.js"
import { installOptions } from "./option-access.js"
import { registerSocketClass } from "./socket-base.js"
import { Server } from "./server.js"

/**
 * PEER (libzmq's ZMQ_PEER, no RFC yet; zeromq.js does not have it): a SERVER
 * that talks to other PEERs and can also connect, learning at once the
 * routing id of the peer it connected to.
 */
export class Peer extends Server {
  /**
   * A new Peer socket in the default context. `options` sets any of its writable option properties, as if
   * assigned one by one (`new Peer({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Peer>) {
    super(options, 19)
    this.seal(options)
  }

  /**
   * zmq_connect_peer(): connects and returns the routing id to send() to.
   * libzmq refuses it with `immediate` set (EFAULT): the pipe, and so its
   * id, would only exist once connected.
   */
  connectPeer(address: string): number {
    if (this.opts.immediate) throw zmqError("EFAULT", "connectPeer cannot be used with immediate set")
    this.connect(address)
    return this.lastAttachedRoutingId
  }
}

installOptions(Peer, "Peer")
registerSocketClass(19, Peer)
