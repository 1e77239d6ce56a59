import { zmqError, type ZmqError } from "./errors.js"
import { Socket } from "./sockets/socket-base.js"

interface Receiving {
  receive(): Promise<Buffer[]>
}
interface Sending {
  send(message: Buffer[]): Promise<void>
}

/** Every zeromq.js socket has send() and receive(); these types can use them. */
const RECEIVERS = new Set(["PAIR", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "XPUB", "XSUB", "STREAM"])
const SENDERS = new Set(["PAIR", "PUB", "REQ", "REP", "DEALER", "ROUTER", "PUSH", "XPUB", "XSUB", "STREAM"])

function canReceive(s: Socket): s is Socket & Receiving {
  return RECEIVERS.has(s.typeName)
}
function canSend(s: Socket): s is Socket & Sending {
  return SENDERS.has(s.typeName)
}

/**
 * Forwards messages between a front-end and a back-end socket in both
 * directions, as zmq_proxy does (zeromq.js `Proxy`). Each direction is one
 * receive/send loop on the event loop; a blocked send holds its direction
 * back, so the sockets' high-water marks apply end to end.
 */
export class Proxy<F extends Socket = Socket, B extends Socket = Socket> {
  readonly frontEnd: F
  readonly backEnd: B
  /** @internal */
  private running = false
  /** @internal */
  private paused: Promise<void> | null = null
  /** @internal */
  private unpause: (() => void) | null = null

  constructor(frontEnd: F, backEnd: B) {
    if (arguments.length > 2) throw new TypeError(`Expected 2 arguments but received ${arguments.length}`)
    // zeromq.js: a non-object is a TypeError, an object that is no socket EINVAL (without a code).
    if (typeof frontEnd !== "object" || frontEnd === null) throw new TypeError("Front-end must be a socket object")
    if (typeof backEnd !== "object" || backEnd === null) throw new TypeError("Back-end must be a socket object")
    if (!(frontEnd instanceof Socket) || !(backEnd instanceof Socket)) throw new Error("Invalid argument")
    this.frontEnd = frontEnd
    this.backEnd = backEnd
  }

  /** Runs until terminate() (or one side is closed); then closes both sockets. */
  async run(): Promise<void> {
    if (this.running) throw zmqError("EBUSY", "Proxy is already running")
    if (this.frontEnd.closed || this.backEnd.closed) throw zmqError("EBADF")
    this.running = true
    try {
      await Promise.all([this.pump(this.frontEnd, this.backEnd), this.pump(this.backEnd, this.frontEnd)])
    } finally {
      this.running = false
      this.frontEnd.close()
      this.backEnd.close()
    }
  }

  pause(): void {
    if (!this.running) throw zmqError("EFSM", "Proxy is not running")
    if (this.paused !== null) return
    this.paused = new Promise((resolve) => (this.unpause = resolve))
  }

  resume(): void {
    if (!this.running) throw zmqError("EFSM", "Proxy is not running")
    this.unpause?.()
    this.paused = null
    this.unpause = null
  }

  terminate(): void {
    if (!this.running) throw zmqError("EFSM", "Proxy is not running")
    // Closing ends both loops: their pending receive()s end with EAGAIN.
    this.frontEnd.close()
    this.backEnd.close()
    this.unpause?.()
  }

  /** @internal */
  private async pump(from: Socket, to: Socket): Promise<void> {
    if (!canReceive(from) || !canSend(to)) return
    for (;;) {
      let msg: Buffer[]
      try {
        msg = await from.receive()
        if (this.paused !== null) await this.paused
        if (to.closed) return
        await to.send(msg)
      } catch (err) {
        if (from.closed || to.closed) return
        const code = (err as ZmqError).code
        // A message the other side cannot route (e.g. EHOSTUNREACH) is dropped, as zmq_proxy does.
        if (code === "EHOSTUNREACH" || code === "EAGAIN") continue
        throw err
      }
    }
  }
}
