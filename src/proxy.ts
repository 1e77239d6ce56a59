import { zmqError, type ZmqError } from "./errors.js"
import type { Msg } from "./pipe.js"
import { checkArgs, Socket } from "./sockets/socket-base.js"

function canReceive(s: Socket): boolean {
  return typeof (s as Partial<{ receive: unknown }>).receive === "function"
}
function canSend(s: Socket): boolean {
  return typeof (s as Partial<{ send: unknown }>).send === "function"
}

/**
 * Forwards messages between a front-end and a back-end socket in both
 * directions, as zmq_proxy does (zeromq.js `Proxy`). Each direction is one
 * receive/send loop on the event loop; a blocked send holds its direction
 * back, so the sockets' high-water marks apply end to end.
 *
 * As in zeromq.js, the application cannot use either socket while the proxy
 * runs (EBUSY), both are closed when it ends, and pause/resume/terminate
 * outside of a run throw EBADF (zeromq.js has no control socket then).
 */
export class Proxy<F extends Socket = Socket, B extends Socket = Socket> {
  /** The front-end socket (where clients connect), as given to the constructor. */
  readonly frontEnd: F
  /** The back-end socket (where workers or services connect). */
  readonly backEnd: B
  /** @internal */
  private running = false
  /** @internal */
  private paused: Promise<void> | null = null
  /** @internal */
  private unpause: (() => void) | null = null

  /** A proxy between two sockets; bind or connect them, then call `run()`. */
  constructor(frontEnd: F, backEnd: B) {
    checkArgs(arguments.length, 2)
    if (typeof frontEnd !== "object" || frontEnd === null) throw new TypeError("Front-end must be a socket object")
    if (typeof backEnd !== "object" || backEnd === null) throw new TypeError("Back-end must be a socket object")
    // zeromq.js's native unwrap of an object that is not a socket.
    if (!((frontEnd as unknown) instanceof Socket) || !((backEnd as unknown) instanceof Socket)) throw new Error("Invalid argument")
    this.frontEnd = frontEnd
    this.backEnd = backEnd
  }

  /** Runs until terminate(); then closes both sockets. */
  run(): Promise<void> {
    checkArgs(arguments.length, 0)
    // A closed socket has no endpoints left, so it fails the same check.
    if (this.frontEnd.endpointsInUse === 0) throw zmqError("EINVAL", "Front-end socket must be bound or connected")
    if (this.backEnd.endpointsInUse === 0) throw zmqError("EINVAL", "Back-end socket must be bound or connected")
    this.running = true
    this.frontEnd.proxied = true
    this.backEnd.proxied = true
    const done = (): void => {
      this.running = false
      this.unpause?.()
      this.paused = null
      this.unpause = null
      this.frontEnd.proxied = false
      this.backEnd.proxied = false
      this.frontEnd.close()
      this.backEnd.close()
    }
    return Promise.all([this.pump(this.frontEnd, this.backEnd), this.pump(this.backEnd, this.frontEnd)]).then(
      () => done(),
      (err: unknown) => {
        done()
        throw err
      },
    )
  }

  /** Stops forwarding (zmq_proxy_steerable's PAUSE): messages wait in the sockets' queues. Throws EBADF when not running. */
  pause(): void {
    checkArgs(arguments.length, 0)
    this.checkRunning()
    if (this.paused !== null) return
    this.paused = new Promise((resolve) => (this.unpause = resolve))
  }

  /** Resumes forwarding after `pause()` (RESUME). Throws EBADF when not running. */
  resume(): void {
    checkArgs(arguments.length, 0)
    this.checkRunning()
    this.unpause?.()
    this.paused = null
    this.unpause = null
  }

  /** Ends the proxy (TERMINATE): both sockets are closed and `run()` resolves. Throws EBADF when not running. */
  terminate(): void {
    checkArgs(arguments.length, 0)
    this.checkRunning()
    // Closing ends both loops: their pending receive()s end with EAGAIN.
    this.running = false
    this.frontEnd.proxied = false
    this.backEnd.proxied = false
    this.frontEnd.close()
    this.backEnd.close()
    this.unpause?.()
  }

  /** @internal */
  private checkRunning(): void {
    if (!this.running) throw zmqError("EBADF")
  }

  private async pump(from: Socket, to: Socket): Promise<void> {
    if (!canReceive(from) || !canSend(to)) return
    for (;;) {
      if (from.closed || !this.running) return
      let msg: Msg
      try {
        msg = await from.startReceive()
        if (this.paused !== null) await this.paused
        if (to.closed || !this.running) return
        await to.startSend(msg)
      } catch (err) {
        if (from.closed || to.closed || !this.running) return
        const code = (err as ZmqError).code
        // A message the other side cannot route (e.g. EHOSTUNREACH) is dropped, as zmq_proxy does.
        if (code === "EHOSTUNREACH" || code === "EAGAIN") continue
        throw err
      }
    }
  }
}
