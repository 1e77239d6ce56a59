/**
 * zmq-ts: ZeroMQ in TypeScript. The public API mirrors zeromq.js v6 (the npm
 * package `zeromq`), so switching is a change of import.
 */
export { Context, type ContextOptions } from "./context.js"
export { context } from "./default-context.js"
export { ZmqError, type ErrorCode } from "./errors.js"
export type { Message, MessageLike } from "./msg.js"
export { Observer, type Event, type EventType, type EventOfType, type EventError } from "./observer.js"
export { Socket } from "./sockets/socket-base.js"
export { Proxy } from "./proxy.js"
export type { SocketOptions } from "./sockets/options.js"
export { Push } from "./sockets/push.js"
export { Pull } from "./sockets/pull.js"
export { Pair } from "./sockets/pair.js"
export { Dealer } from "./sockets/dealer.js"
export { Router, type RouterConnectOptions } from "./sockets/router.js"
export { Request } from "./sockets/request.js"
export { Reply } from "./sockets/reply.js"
export { Publisher, XPublisher } from "./sockets/xpub.js"
export { Subscriber, XSubscriber } from "./sockets/xsub.js"
export { Stream, type StreamConnectOptions } from "./sockets/stream.js"
export { SOCKET_TYPES as SocketType } from "./sockets/socket-types.js"

export { z85Encode, z85Decode } from "./crypto/z85.js"
export { curveKeyPair } from "./curve-keypair.js"

/** The libzmq version whose behaviour zmq-ts matches (zeromq.js reports its bundled libzmq's). */
export const version = "4.3.5"

/** Transports and mechanisms this build supports, in zeromq.js's shape. */
export const capability: Readonly<Partial<Record<"ipc" | "pgm" | "tipc" | "norm" | "curve" | "gssapi" | "draft", boolean>>> = Object.freeze({
  ipc: true,
  pgm: false,
  tipc: false,
  norm: false,
  curve: true,
  gssapi: false,
  draft: true,
})
