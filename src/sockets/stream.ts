/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging -- as in zeromq.js, a class merges with the interfaces (Readable, Writable) it provides at run time through Socket */
import { zmqError } from "../errors.js"
import type { Message, MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import type { SocketOptions } from "./options.js"
import { RouterBase } from "./router.js"
import { Internal, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"
import type { Readable, Writable } from "./interfaces.js"

/** The options of {@link Stream.connect}. */
export interface StreamConnectOptions {
  /** ZMQ_CONNECT_ROUTING_ID: the routing id the peer of this connection gets, instead of a generated one. */
  routingId?: string
}

/**
 * STREAM: talks raw TCP to non-ZeroMQ peers. Each connection gets a
 * generated routing id; messages are [routingId, data] pairs. With `notify`
 * (the default) the application receives [routingId, ""] when a peer
 * connects and when it disconnects; sending [routingId, ""] closes that
 * connection once what was queued before it is written.
 */
export class Stream extends RouterBase {
  /** ZMQ_STREAM_NOTIFY: announce connects and disconnects with empty messages. */
  declare notify: boolean

  /**
   * A new Stream socket in the default context. `options` sets any of its writable option properties, as if
   * assigned one by one (`new Stream({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Stream>) {
    super(11, new Internal(options))
    this.seal(options)
  }

  override get rawNotify(): boolean {
    return this.opts.notify
  }

  /** As {@link Socket.connect}; `options.routingId` names the peer of this connection (ZMQ_CONNECT_ROUTING_ID). */
  override connect(address: string, options: StreamConnectOptions = {}): void {
    this.connectWithId(address, options)
  }

  /**
   * @internal libzmq's stream_t, frame by frame as zeromq.js sends them: a
   * frame followed by more is a peer's id (EHOSTUNREACH if unknown), the
   * next frame its data; an id frame with nothing after it is ignored, and
   * then the next message's first frame is taken as data (and dropped).
   */
  protected override xsend(msg: Msg): boolean {
    for (let i = 0; i < msg.length; i++) {
      const frame = msg[i]!
      if (!this.moreOut) {
        if (i < msg.length - 1) {
          const pipe = this.lookup(frame)
          // libzmq's stream_t: unknown peer is EHOSTUNREACH, a full one blocks.
          if (pipe === undefined || pipe.terminated) throw zmqError("EHOSTUNREACH")
          if (!pipe.checkWrite()) return false
          this.currentOut = pipe
        }
        this.moreOut = true
        continue
      }
      this.moreOut = false
      const pipe = this.currentOut
      this.currentOut = null
      if (pipe === null || pipe.terminated) continue
      pipe.outbound.push([frame])
      if (frame.length === 0) {
        // The application closed this peer: libzmq forgets its id at once and
        // sends no disconnect notification for it.
        pipe.closedByApp = true
        this.forget(pipe)
      }
    }
    return true
  }

  /** @internal Between an id frame and its data frame (libzmq's _more_out). */
  private moreOut = false
  /** @internal The peer the data frame goes to; null drops it. */
  private currentOut: Pipe | null = null

  /** @internal */
  protected override xhasOut(): boolean {
    return true
  }
}

export interface Stream extends Readable<[Message, Message]>, Writable<[MessageLike, MessageLike]> {}
installOptions(Stream, "Stream")
registerSocketClass(11, Stream)
