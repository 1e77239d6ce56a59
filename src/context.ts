import { InprocRegistry } from "./transport/inproc.js"

export interface ContextOptions {
  blocky?: boolean
  ioThreads?: number
  maxMessageSize?: number
  maxSockets?: number
  ipv6?: boolean
  threadPriority?: number
  threadSchedulingPolicy?: number
}

/**
 * The scope of inproc endpoints, as a libzmq context is. zmq-ts runs every
 * socket on the Node.js event loop, so the thread-related options are kept
 * only so that code written for zeromq.js keeps working.
 */
export class Context {
  blocky = true
  ioThreads = 1
  maxMessageSize = 2147483647
  maxSockets = 1023
  ipv6 = false
  threadPriority = -1
  threadSchedulingPolicy = -1
  readonly maxSocketsLimit = 65535
  /** @internal */
  readonly inproc = new InprocRegistry()
  /** @internal Number of sockets open in this context. */
  socketCount = 0

  constructor(options?: ContextOptions) {
    if (options) {
      for (const [key, value] of Object.entries(options)) {
        if (!(key in this) || key === "maxSocketsLimit") throw new TypeError(`Cannot add property ${key}, object is not extensible`)
        ;(this as Record<string, unknown>)[key] = value
      }
    }
  }
}
