import type { MessageLike } from "../msg.js"
import type { Msg, Pipe } from "../pipe.js"
import { FairQueue } from "../routing/fair-queue.js"
import { LoadBalancer } from "../routing/load-balancer.js"
import { isSinglePart, requireSinglePart } from "./draft-common.js"
import type { SocketOptions } from "./options.js"
import { Internal, Socket, registerSocketClass } from "./socket-base.js"
import { installOptions } from "./option-access.js"

/**
 * SCATTER (RFC 49): the thread-safe PUSH. Sends round-robin to GATHER peers,
 * skipping full ones, and waits while all are full or there is none.
 * Single-part messages only (EINVAL otherwise, as libzmq).
 */
export class Scatter extends Socket {
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
   * ZMQ_CONFLATE: keep only the last message in each queue (a last-value queue); single-part messages only.
   * Write-only; set it before bind/connect.
   */
  declare conflate: boolean
  /** @internal */
  private readonly lb = new LoadBalancer()

  /**
   * A new Scatter socket in the default context. `options` sets any of its writable option properties, as if
   * assigned one by one (`new Scatter({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Scatter>) {
    super(17, new Internal(options))
    this.seal(options)
  }

  /**
   * Queues a message for sending: a string, a Buffer (or any typed array / ArrayBuffer), a number (sent as
   * its decimal text), null (an empty frame), or an array of them for a multipart message. Resolves once the
   * message is queued; waits while the socket is at its high-water mark (`sendHighWaterMark`, up to
   * `sendTimeout`) and rejects with EAGAIN when that times out. Frames over 128 bytes are not copied: do not
   * modify them until sent. One `send()` at a time per socket (EBUSY otherwise).
   */
  send(message: MessageLike | MessageLike[]): Promise<void> {
    return this.sendMessage(message)
  }

  /** @internal */
  protected override get conflateQueues(): boolean {
    return this.opts.conflate
  }

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    this.lb.attach(pipe)
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    this.lb.terminated(pipe)
  }

  /** @internal */
  protected override xwriteActivated(pipe: Pipe): void {
    this.lb.activated(pipe)
  }

  /** @internal */
  protected override xsend(msg: Msg): boolean {
    requireSinglePart(msg)
    return this.lb.send(msg)
  }

  /** @internal */
  protected override xhasOut(): boolean {
    return this.lb.hasOut()
  }
}

/**
 * GATHER (RFC 49): the thread-safe PULL. Receives fair-queued from SCATTER
 * peers; a multipart message from a peer is dropped whole (libzmq's gather_t).
 */
export class Gather extends Socket {
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
  /**
   * ZMQ_CONFLATE: keep only the last message in each queue (a last-value queue); single-part messages only.
   * Write-only; set it before bind/connect.
   */
  declare conflate: boolean
  /** @internal */
  private readonly fq = new FairQueue()

  /**
   * A new Gather socket in the default context. `options` sets any of its writable option properties, as if
   * assigned one by one (`new Gather({ linger: 0 })`), and `context` picks another `Context`.
   */
  constructor(options?: SocketOptions<Gather>) {
    super(16, new Internal(options))
    this.seal(options)
  }

  /**
   * Resolves with the next message, as its frames (`Buffer[]`). Waits up to `receiveTimeout`, then rejects
   * with EAGAIN; one `receive()` at a time per socket (EBUSY otherwise).
   */
  receive(): Promise<[Buffer]> {
    return this.receiveMessage() as Promise<[Buffer]>
  }

  /**
   * Iterates over received messages (`for await (const frames of socket)`); the iteration ends when the
   * socket is closed. Each step is a `receive()`.
   */
  [Symbol.asyncIterator](): AsyncIterator<[Buffer], undefined> {
    return this.iterate() as AsyncIterator<[Buffer], undefined>
  }

  /** @internal */
  protected override get conflateQueues(): boolean {
    return this.opts.conflate
  }

  /** @internal */
  protected override xattachPipe(pipe: Pipe): void {
    this.fq.attach(pipe)
  }

  /** @internal */
  protected override xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe)
  }

  /** @internal */
  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe)
  }

  /** @internal */
  protected override xrecv(): Msg | undefined {
    for (;;) {
      const msg = this.fq.recv()
      if (msg === undefined || isSinglePart(msg)) return msg
    }
  }

  /** @internal */
  protected override xhasIn(): boolean {
    return this.fq.hasIn()
  }
}

installOptions(Scatter, "Scatter")
registerSocketClass(17, Scatter)

installOptions(Gather, "Gather")
registerSocketClass(16, Gather)
