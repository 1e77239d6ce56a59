/** The capability interfaces of zeromq.js's socket classes (merged into each class's declaration). */
import type { Message, MessageLike } from "../msg.js"
import type { EventOfType, EventType } from "../observer.js"

/**
 * The sending half of a socket class (zeromq.js `Writable`): its send options
 * and `send()`. `M` is what one message may be, `O` the extra arguments of
 * `send()` (a routing options object on draft sockets).
 */
export interface Writable<M extends MessageLike | MessageLike[] = MessageLike | MessageLike[], O extends [...object[]] = []> {
  /**
   * ZMQ_MULTICAST_HOPS: the time-to-live of multicast datagrams sent (udp for RADIO; pgm is not in this
   * build). Default 1.
   */
  multicastHops: number
  /**
   * ZMQ_SNDBUF: the kernel send buffer size in bytes; -1 (the default): the OS default. Applied to udp; tcp
   * and ipc endpoints with a non-default value emit one process warning (Node has no setsockopt for them).
   */
  sendBufferSize: number
  /**
   * ZMQ_SNDHWM: the most messages queued for sending per peer; at the mark `send()` waits (or the socket type
   * drops, as RFC 29 PUB does). 0: no limit. Default 1000. Takes effect at once.
   */
  sendHighWaterMark: number
  /**
   * ZMQ_SNDTIMEO: how long, in ms, `send()` may wait at the high-water mark before rejecting with EAGAIN; -1
   * (the default): wait forever; 0: fail at once.
   */
  sendTimeout: number
  /**
   * Queues a message for sending: a string, a Buffer (or any typed array / ArrayBuffer), a number (sent as
   * its decimal text), null (an empty frame), or an array of them for a multipart message. Resolves once the
   * message is queued; waits while the socket is at its high-water mark (`sendHighWaterMark`, up to
   * `sendTimeout`) and rejects with EAGAIN when that times out. Frames over 128 bytes are not copied: do not
   * modify them until sent. One `send()` at a time per socket (EBUSY otherwise).
   */
  send(message: M, ...options: O): Promise<void>
}

type ReceiveType<T> = T extends { receive(): Promise<infer U> } ? U : never

/**
 * The receiving half of a socket class (zeromq.js `Readable`): its receive
 * options, `receive()` and async iteration. `M` is what a message resolves to.
 */
export interface Readable<M extends object[] = Message[]> {
  /**
   * ZMQ_RCVBUF: the kernel receive buffer size in bytes; -1 (the default): the OS default. Applied to udp;
   * tcp and ipc endpoints with a non-default value emit one process warning.
   */
  receiveBufferSize: number
  /**
   * ZMQ_RCVHWM: the most messages queued on receipt per peer; at the mark zmq-ts stops reading from that
   * peer. 0: no limit. Default 1000. Takes effect at once.
   */
  receiveHighWaterMark: number
  /**
   * ZMQ_RCVTIMEO: how long, in ms, `receive()` may wait before rejecting with EAGAIN; -1 (the default): wait
   * forever.
   */
  receiveTimeout: number
  /**
   * Resolves with the next message, as its frames (`Buffer[]`). Waits up to `receiveTimeout`, then rejects
   * with EAGAIN; one `receive()` at a time per socket (EBUSY otherwise).
   */
  receive(): Promise<M>
  /**
   * Iterates over received messages (`for await (const frames of socket)`); the iteration ends when the
   * socket is closed. Each step is a `receive()`.
   */
  [Symbol.asyncIterator](): AsyncIterator<ReceiveType<this>, undefined>
}

/** Something with {@link Observer}'s `on`/`off` listener methods (zeromq.js `EventSubscriber`). */
export interface EventSubscriber {
  /** Calls `listener` with every event of `type`. */
  on<E extends EventType>(type: E, listener: (data: EventOfType<E>) => void): EventSubscriber
  /** Removes a listener added with `on()`. */
  off<E extends EventType>(type: E, listener: (data: EventOfType<E>) => void): EventSubscriber
}

type IfEquals<X, Y, A, B = never> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? A : B
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- zeromq.js's definition, kept identical
type WritableKeys<T> = { [P in keyof T]-?: T[P] extends Function ? never : IfEquals<{ [Q in P]: T[P] }, { -readonly [Q in P]: T[P] }, P> }[keyof T]
type Expand<T> = T extends infer O ? { [K in keyof O]: O[K] } : never
export type Options<T, E = object> = Expand<Partial<E & Pick<T, WritableKeys<T>>>>
