import { zmqError } from "./errors.js"
import { hideAndSeal } from "./seal.js"
import { InprocRegistry } from "./transport/inproc.js"
import { writeSync } from "node:fs"

/** zeromq.js warns about queued messages once exiting has waited this long. */
const EXIT_WARNING_MS = 500

/** What the context needs of a socket to decide whether the process may exit. */
export interface LiveSocket {
  /** True while queued messages should keep the process alive (`now` in ms, for linger). */
  pendingAtExit(now: number): boolean
}

/** The options of `new Context(options)`: initial values of the context's properties of the same names. */
export interface ContextOptions {
  /** See {@link Context.blocky}. */
  blocky?: boolean
  /** See {@link Context.ioThreads}. */
  ioThreads?: number
  /** See {@link Context.maxMessageSize}. */
  maxMessageSize?: number
  /** See {@link Context.maxSockets}. */
  maxSockets?: number
  /** See {@link Context.ipv6}. */
  ipv6?: boolean
  /** See {@link Context.threadPriority}. */
  threadPriority?: number
  /** See {@link Context.threadSchedulingPolicy}. */
  threadSchedulingPolicy?: number
}

interface ContextValues {
  ioThreads: number
  maxSockets: number
  threadPriority: number
  threadSchedulingPolicy: number
  maxMessageSize: number
  ipv6: boolean
  blocky: boolean
}

interface ContextOptionSpec {
  readonly name: keyof ContextValues
  /** libzmq's ZMQ_* context option constant. */
  readonly id: number
  readonly type: "int32" | "bool"
  /** "w": zeromq.js defines only a setter. */
  readonly access: "rw" | "w"
  readonly valid?: (v: number) => boolean
}

/** Context options as zeromq.js defines them (zmq_ctx_set/zmq_ctx_get and libzmq's checks). */
const CONTEXT_OPTIONS: readonly ContextOptionSpec[] = [
  { name: "ioThreads", id: 1, type: "int32", access: "rw", valid: (v) => v >= 0 },
  { name: "maxSockets", id: 2, type: "int32", access: "rw", valid: (v) => v >= 1 },
  { name: "threadPriority", id: 3, type: "int32", access: "w", valid: (v) => v >= 0 },
  { name: "threadSchedulingPolicy", id: 4, type: "int32", access: "w", valid: (v) => v >= 0 },
  { name: "maxMessageSize", id: 5, type: "int32", access: "rw", valid: (v) => v >= 0 },
  { name: "ipv6", id: 42, type: "bool", access: "rw" },
  { name: "blocky", id: 70, type: "bool", access: "rw" },
]

function setContextOption(ctx: Context, spec: ContextOptionSpec, value: unknown): void {
  let v: number | boolean
  if (spec.type === "bool") {
    if (typeof value !== "boolean") throw new TypeError("Option value must be a boolean")
    v = value
  } else {
    if (typeof value !== "number") throw new TypeError("Option value must be a number")
    v = value | 0
    if (spec.valid !== undefined && !spec.valid(v)) throw zmqError("EINVAL", "Invalid argument")
  }
  ;(ctx.values as unknown as Record<string, unknown>)[spec.name] = v
}

/**
 * The scope of inproc endpoints, as a libzmq context is. zmq-ts runs every
 * socket on the Node.js event loop, so the thread-related options are kept
 * only so that code written for zeromq.js keeps working.
 */
export class Context {
  // Accessors are installed from CONTEXT_OPTIONS; these declarations only type them.
  /**
   * ZMQ_BLOCKY: when true (the default), a process about to exit waits until
   * the messages queued on its open sockets are delivered (within each
   * socket's `linger`), warning after 500 ms; false: exit at once.
   */
  declare blocky: boolean
  /** ZMQ_IO_THREADS: kept for compatibility; zmq-ts does all I/O on the event loop of the socket's thread. Default 1. */
  declare ioThreads: number
  /** ZMQ_MAX_MSGSZ: kept for compatibility (libzmq's context-wide limit); use a socket's `maxMessageSize`. */
  declare maxMessageSize: number
  /** ZMQ_MAX_SOCKETS: the most sockets open at once in this context; one more fails with EMFILE. Default 1023. */
  declare maxSockets: number
  /**
   * ZMQ_IPV6: the initial `ipv6` of the sockets this context makes afterwards
   * (as in libzmq; a socket's own `ipv6` can still be changed). Default false.
   */
  declare ipv6: boolean
  /** ZMQ_THREAD_PRIORITY: kept for compatibility (zmq-ts has no I/O threads). Write-only, as in zeromq.js. */
  declare threadPriority: number
  /** ZMQ_THREAD_SCHED_POLICY: kept for compatibility (zmq-ts has no I/O threads). Write-only, as in zeromq.js. */
  declare threadSchedulingPolicy: number
  /** ZMQ_SOCKET_LIMIT: the largest value `maxSockets` accepts (65535). */
  declare readonly maxSocketsLimit: number
  /** @internal */
  readonly values: ContextValues = {
    ioThreads: 1,
    maxSockets: 1023,
    threadPriority: -1,
    threadSchedulingPolicy: -1,
    maxMessageSize: 2147483647,
    ipv6: false,
    blocky: true,
  }
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
  /** @internal */
  private readonly live = new Set<LiveSocket>()
  /** Uncounts sockets collected without close(). */
  /** @internal */
  private readonly reaper = new FinalizationRegistry<null>(() => {
    this.socketCount--
  })
  /** Keeps the process alive while some send() or receive() is waiting (zeromq.js does). */
  /** @internal */
  private keepAlive: NodeJS.Timeout | null = null
  /** @internal */
  private waiting = 0
  /** @internal */
  private held = false
  /** @internal */
  private releaseScheduled = false
  /** @internal */
  private exitHook: (() => void) | null = null
  /** @internal */
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

  /** @internal */
  private watchExit(): void {
    if (this.exitHook !== null) return
    this.exitHook = () => {
      if (!this.values.blocky) return
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

  /** A new context, with `options` assigned to its properties (unknown names throw, as in zeromq.js). */
  constructor(options?: ContextOptions) {
    if (arguments.length > 1) throw new TypeError(`Expected 1 argument but received ${arguments.length}`)
    if (options !== undefined && (typeof options !== "object" || options === null)) throw new TypeError("Options must be an object")
    // zeromq.js's contexts are sealed: unknown or read-only names throw on assignment.
    hideAndSeal(this)
    if (options !== undefined) {
      for (const key of Object.keys(options)) (this as Record<string, unknown>)[key] = (options as Record<string, unknown>)[key]
    }
  }

  /** Reads context option number `option` (libzmq's ZMQ_* constant, for zmq_ctx_get) as a boolean; for subclasses, as in zeromq.js. */
  protected getBoolOption(option: number): boolean {
    return this.getOption(option) as boolean
  }
  /** Sets context option number `option` (zmq_ctx_set) to a boolean; for subclasses, as in zeromq.js. */
  protected setBoolOption(option: number, value: boolean): void {
    this.setOption(option, value)
  }
  /** Reads context option number `option` (zmq_ctx_get) as an integer; for subclasses, as in zeromq.js. */
  protected getInt32Option(option: number): number {
    return this.getOption(option) as number
  }
  /** Sets context option number `option` (zmq_ctx_set) to an integer; for subclasses, as in zeromq.js. */
  protected setInt32Option(option: number, value: number): void {
    this.setOption(option, value)
  }

  /** @internal */
  private getOption(id: number): unknown {
    if (id === 3) return 65535
    const spec = CONTEXT_OPTIONS.find((o) => o.id === id)
    if (spec === undefined || spec.access === "w") throw zmqError("EINVAL", "Invalid argument")
    return this.values[spec.name]
  }

  /** @internal */
  private setOption(id: number, value: unknown): void {
    const spec = CONTEXT_OPTIONS.find((o) => o.id === id)
    if (spec === undefined) throw zmqError("EINVAL", "Invalid argument")
    setContextOption(this, spec, value)
  }
}

for (const spec of CONTEXT_OPTIONS) {
  const d: PropertyDescriptor = {
    configurable: true,
    set(this: Context, value: unknown) {
      setContextOption(this, spec, value)
    },
  }
  if (spec.access === "rw") {
    d.get = function (this: Context) {
      return this.values[spec.name]
    }
  }
  Object.defineProperty(Context.prototype, spec.name, d)
}
Object.defineProperty(Context.prototype, "maxSocketsLimit", { configurable: true, get: () => 65535 })
