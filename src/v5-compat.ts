/**
 * zmq-ts/v5-compat: the callback-and-event API of zeromq.js v5, as zeromq.js
 * v6 offers it in `zeromq/v5-compat`, built on zmq-ts's v6 API:
 *
 *   const sock = zmq.socket("pull")   // zmq: this module, loaded as "zmq-ts/v5-compat"
 *   sock.on("message", (...frames) => ...)
 *   sock.bindSync("tcp://127.0.0.1:3000")
 *
 * @module zmq-ts/v5-compat
 */
import { context, curveKeyPair, version as v6version } from "./index.js"
import { Socket, type SocketType } from "./v5-compat/socket.js"
import type { Socket as V5Socket } from "./v5-compat/socket.js"
import * as constants from "./v5-compat/constants.js"

export { Socket, type SocketType }
export * from "./v5-compat/constants.js"
export type { Callback } from "./v5-compat/binds.js"
export type { OptionValue } from "./v5-compat/options.js"

/** v5's global context settings; the one context of a process is not instantiable. */
export class Context {
  /** Sets the default context's `ioThreads` (ZMQ_IO_THREADS; kept for compatibility). */
  static setMaxThreads(value: number): void {
    context.ioThreads = value
  }

  /** The default context's `ioThreads`. */
  static getMaxThreads(): number {
    return context.ioThreads
  }

  /** Sets the default context's `maxSockets` (ZMQ_MAX_SOCKETS). */
  static setMaxSockets(value: number): void {
    context.maxSockets = value
  }

  /** The default context's `maxSockets`. */
  static getMaxSockets(): number {
    return context.maxSockets
  }

  /** Throws: v5's context is not instantiable in compatibility mode. */
  constructor() {
    throw new Error("Context cannot be instantiated in compatibility mode")
  }
}

/** A socket of `type`, with options set by their short names (`{ identity: "a", linger: 0 }`). */
export function createSocket(type: SocketType, options: Record<string, unknown> = {}): V5Socket {
  const sock = new Socket(type)
  for (const key of Object.keys(options)) sock[key] = options[key]
  return sock
}

export { createSocket as socket }

/** A CURVE key pair in Z85 text, under v5's names: `public` and `secret` (40 characters each). */
export function curveKeypair(): { public: string; secret: string } {
  const { publicKey, secretKey } = curveKeyPair()
  return { public: publicKey, secret: secretKey }
}

/**
 * Forwards messages between two sockets, as v5's zmq.proxy: frontend to
 * backend and back, with the backend-to-frontend traffic copied to
 * `capture` (for ROUTER/DEALER, without the envelope's first two frames).
 */
export function proxy(frontend: V5Socket, backend: V5Socket, capture?: V5Socket): void {
  let stripped = 0
  switch (`${frontend.type}/${backend.type}`) {
    case "push/pull":
    case "pull/push":
    case "xpub/xsub":
      break
    case "router/dealer":
    case "xrep/xreq":
      stripped = 2
      break
    default:
      throw new Error("This socket type order is not supported in compatibility mode")
  }
  frontend.on("message", (...frames: Buffer[]) => {
    backend.send(frames)
  })
  backend.on("message", (...frames: Buffer[]) => {
    frontend.send(frames)
    if (capture) capture.send(frames.slice(stripped))
  })
}

/** The libzmq version whose behaviour zmq-ts matches (as `zeromq/v5-compat` reports its libzmq's). */
export const version: string = v6version

/** `import zmq from "zmq-ts/v5-compat"`: the whole module, as a CommonJS module's default import is. */
const zmq = { ...constants, Context, Socket, createSocket, curveKeypair, proxy, version, socket: createSocket }
export default zmq
