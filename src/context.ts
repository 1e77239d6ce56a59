import { InprocRegistry } from "./transport/inproc.js"
import { writeSync } from "node:fs"

/** zeromq.js warns about queued messages once exiting has waited this long. */
const EXIT_WARNING_MS = 500

/** What the context needs of a socket to decide whether the process may exit. */
export interface LiveSocket {
  /** True while queued messages should keep the process alive (`now` in ms, for linger). */
  pendingAtExit(now: number): boolean
}

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
  /**
   * @internal Sockets that have bound or connected and not finished closing:
   * they may have messages to deliver at exit. (Their connections reference
   * them anyway.) A socket that never bound or connected is not held, so it
   * can be collected when the application drops it, as with zeromq.js.
   */
  private readonly live = new Set<LiveSocket>()
  /** Uncounts sockets collected without close(). */
  private readonly reaper = new FinalizationRegistry<null>(() => {
    this.socketCount--
  })
  /** Keeps the process alive while some send() or receive() is waiting (zeromq.js does). */
  private keepAlive: NodeJS.Timeout | null = null
  private waiting = 0
  private held = false
  private releaseScheduled = false
  private exitHook: (() => void) | null = null
  private warned = false
  private waitingSince: number | undefined

  /** @internal A new socket: counted against maxSockets until closed or collected. */
  opened(socket: object, token: object): void {
    this.reaper.register(socket, null, token)
    this.socketCount++
  }

  /** @internal The application closed the socket. */
  closed(token: object): void {
    this.reaper.unregister(token)
    this.socketCount--
  }

  /** @internal A send() or receive() started waiting. */
  holdOpen(): void {
    if (this.waiting++ === 0 && !this.held) {
      if (this.keepAlive === null) this.keepAlive = setInterval(() => undefined, 0x7fffffff)
      else this.keepAlive.ref()
      this.held = true
    }
  }

  /**
   * @internal A waiting send() or receive() finished. The timer is let go at
   * the end of the event-loop turn, not at once: a receive loop waits and is
   * woken once per message, and toggling the timer each time cost more than
   * the rest of an inproc receive.
   */
  release(): void {
    if (--this.waiting === 0 && !this.releaseScheduled) {
      this.releaseScheduled = true
      setImmediate(() => {
        this.releaseScheduled = false
        if (this.waiting === 0 && this.held) {
          this.keepAlive?.unref()
          this.held = false
        }
      })
    }
  }

  /**
   * @internal A socket bound or connected: it may have messages to deliver at exit.
   * Sockets hold no event-loop reference of their own, so a program
   * that is done exits even with sockets open, as with zeromq.js. When it is
   * about to exit with messages still queued, we keep it alive until they
   * are delivered (or linger runs out), as zeromq.js does with `blocky`.
   */
  goLive(socket: LiveSocket): void {
    this.live.add(socket)
    this.watchExit()
  }

  /**
   * @internal The socket has finished closing. The exit hook goes with the
   * last live socket, so that contexts created and dropped one after the
   * other do not pile up process listeners.
   */
  leave(socket: LiveSocket): void {
    this.live.delete(socket)
    if (this.live.size === 0 && this.exitHook !== null) {
      process.off("beforeExit", this.exitHook)
      this.exitHook = null
    }
  }

  private watchExit(): void {
    if (this.exitHook !== null) return
    this.exitHook = () => {
      if (!this.blocky) return
      const now = Date.now()
      for (const s of this.live) {
        if (!s.pendingAtExit(now)) continue
        // zeromq.js warns when terminating its context has waited 500 ms, on
        // stderr as text since Node has shut down by then (not a 'warning' event).
        this.waitingSince ??= now
        if (!this.warned && now - this.waitingSince >= EXIT_WARNING_MS) {
          this.warned = true
          writeSync(
            2,
            `(node:${process.pid}) WARNING: Waiting for queued ZeroMQ messages to be delivered. Set 'context.blocky = false' to change this behaviour.\n`,
          )
        }
        // A short referenced timer keeps the loop turning; beforeExit comes back after it.
        setTimeout(() => undefined, 10)
        return
      }
    }
    process.on("beforeExit", this.exitHook)
  }

  constructor(options?: ContextOptions) {
    if (options) {
      for (const [key, value] of Object.entries(options)) {
        if (!(key in this) || key === "maxSocketsLimit") throw new TypeError(`Cannot add property ${key}, object is not extensible`)
        ;(this as Record<string, unknown>)[key] = value
      }
    }
  }
}
